// The single page's shell: signing in, the header, and the route table. A screen is a function
// component in its own module (portal.js for requesters); add a screen by adding its module and
// a row to ROUTES (a hash pattern, the roles it is for, and the component, given the pattern's
// groups as ``params``; ``nav``: the header links to it for those roles, named ``navLabel`` or the title).
import { html, render, useState, useEffect, api, session, claimsOf, fieldError, formError } from "./client.js";
import { authorizeUrl, finishSignIn } from "./auth.js";
import { StartPage, NewTicketPage, MyTicketsPage, TicketPage } from "./portal.js";
import { AdminHome, AdminList, AdminNew, AdminDocument } from "./admin.js";
import { DashboardPage, PatrolPage } from "./dashboard.js";
import { STAFF, QueuesPage, SearchPage, ApprovalsPage, CalendarPage } from "./console.js";
import { StaffTicketPage } from "./console-ticket.js";

const EVERYONE = ["requester", "agent", "manager", "admin"];
// The admin pages: admins edit; managers read (and edit what the API lets them: GET admin/kinds).
const ADMINS = ["admin", "manager"];
const ADMIN_KINDS = "(services|groups|agents|calendars|sla-policies)";
const MANAGERS = ["manager", "admin"];

export const ROUTES = [
  { pattern: /^(#?\/?|#\/signin)$/, roles: EVERYONE, view: StartPage, title: "Start" },
  { pattern: /^#\/new\/(incident|service_request|change_request)$/, roles: EVERYONE, view: NewTicketPage, title: "New ticket" },
  { pattern: /^#\/tickets$/, roles: EVERYONE, view: MyTicketsPage, title: "My tickets" },
  { pattern: /^#\/tickets\/([A-Z]{3}-\d{1,9})$/, roles: EVERYONE, view: TicketPage, title: "Ticket" },
  // The agent console (console.js, console-ticket.js).
  { pattern: /^#\/console(?:\/queue\/([a-z]+)(?:\/([A-Za-z0-9_.-]+))?)?$/, roles: STAFF, view: QueuesPage, title: "Queues", nav: "#/console", navLabel: "Console" },
  { pattern: /^#\/console\/search$/, roles: STAFF, view: SearchPage, title: "Search" },
  { pattern: /^#\/console\/ticket\/([A-Z]{3}-\d{1,9})$/, roles: STAFF, view: StaffTicketPage, title: "Ticket" },
  { pattern: /^#\/console\/approvals$/, roles: STAFF, view: ApprovalsPage, title: "Approvals" },
  { pattern: /^#\/console\/calendar$/, roles: STAFF, view: CalendarPage, title: "Change calendar" },
  { pattern: /^#\/dashboard$/, roles: MANAGERS, view: DashboardPage, title: "Dashboard", nav: "#/dashboard" },
  { pattern: /^#\/dashboard\/patrol$/, roles: MANAGERS, view: PatrolPage, title: "Morning patrol" },
  { pattern: /^#\/admin$/, roles: ADMINS, view: AdminHome, title: "Administration", nav: "#/admin" },
  { pattern: new RegExp(`^#/admin/${ADMIN_KINDS}$`), roles: ADMINS, view: AdminList, title: "Administration" },
  { pattern: new RegExp(`^#/admin/new/${ADMIN_KINDS}$`), roles: ADMINS, view: AdminNew, title: "Administration" },
  { pattern: new RegExp(`^#/admin/${ADMIN_KINDS}/([^/]+)(?:/v(\\d+))?$`), roles: ADMINS, view: AdminDocument, title: "Administration" },
];

function route(hash, role) {
  for (const r of ROUTES) {
    const match = r.pattern.exec(hash);
    if (match) return r.roles.includes(role) ? { ...r, params: match.slice(1) } : { view: NotForYou, params: [] };
  }
  return { view: NotFoundPage, params: [] };
}

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return hash;
}

function NotFoundPage() {
  return html`<h1>Nothing here</h1><p><a href="#/">Back to the start</a></p>`;
}

function NotForYou() {
  return html`<h1>Not for your role</h1><p><a href="#/">Back to the start</a></p>`;
}

function SignIn({ config, onSignedIn }) {
  const [user, setUser] = useState("");
  const [role, setRole] = useState("requester");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await api("POST", "session/local", { user, role });
      session.signIn(answer.token, { user: answer.user, role: answer.role });
      onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  async function cognito() {
    location.assign(await authorizeUrl(config.cognito));
  }
  if (!config.local) {
    return html`<section class="card signin"><h1>Sign in</h1>
      ${config.cognito
        ? html`<p>You sign in with your company account.</p><button type="button" onClick=${cognito}>Sign in</button>`
        : html`<p role="alert">This desk has no sign-in configured (COGNITO_DOMAIN, COGNITO_CLIENT_ID).</p>`}
      ${error && html`<p class="error" role="alert">${formError(error, [])}</p>`}</section>`;
  }
  const userError = fieldError(error, "user");
  const roleError = fieldError(error, "role");
  return html`<section class="card signin">
    <h1>Sign in to the local desk</h1>
    <p class="hint">This desk runs on a developer's machine: any name and role signs in.</p>
    <form onSubmit=${submit} novalidate>
      <label for="signin-user">Your user name</label>
      <input id="signin-user" name="user" autocomplete="username" value=${user} required
        aria-invalid=${userError ? "true" : "false"} aria-describedby=${userError ? "signin-user-error" : undefined}
        onInput=${(e) => setUser(e.currentTarget.value)} />
      ${userError && html`<p id="signin-user-error" class="field-error">${userError}</p>`}
      <label for="signin-role">Role</label>
      <select id="signin-role" name="role" value=${role} onChange=${(e) => setRole(e.currentTarget.value)}>
        ${config.roles.map((r) => html`<option value=${r}>${r}</option>`)}
      </select>
      ${roleError && html`<p class="field-error">${roleError}</p>`}
      ${error && html`<p class="error" role="alert">${formError(error, ["user", "role"])}</p>`}
      <button type="submit" disabled=${busy}>Sign in</button>
    </form></section>`;
}

function Shell({ who, children, onSignOut }) {
  return html`<a class="skip" href="#main">Skip to the content</a>
    <header class="top">
      <a class="brand" href="#/">Service desk</a>
      <nav aria-label="Main">
        <a href="#/">Start</a>
        <a href="#/tickets">My tickets</a>
        ${ROUTES.filter((r) => r.nav && r.roles.includes(who.role)).map((r) => html`<a href=${r.nav} key=${r.nav}>${r.navLabel || r.title}</a>`)}
      </nav>
      <span class="who">${who.user} (${who.role})</span>
      <button type="button" class="link" onClick=${onSignOut}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${children}</main>`;
}

function App() {
  const hash = useHash();
  const [config, setConfig] = useState(null);
  const [problem, setProblem] = useState(null);
  const [who, setWho] = useState(session.who());
  useEffect(() => {
    (async () => {
      try {
        const answer = await api("GET", "session/config");
        if (answer.cognito && (await finishSignIn(answer.cognito, location.search))) {
          setWho(claimsOf(session.token()));
        }
        setConfig(answer);
      } catch (err) {
        setProblem(err);
        setConfig({ local: false, roles: [], cognito: null });
      }
    })();
  }, []);
  useEffect(() => {
    const r = route(hash, (who || {}).role);
    document.title = `${r.title || "Service desk"} · Service desk`;
    // A new screen: keyboard and screen-reader users continue from its content.
    const main = document.getElementById("main");
    if (main && who) main.focus({ preventScroll: true });
  }, [hash, who]);
  if (!config) return html`<p class="loading">Loading…</p>`;
  if (!who || !session.token()) {
    return html`<main id="main">
      ${problem && html`<p class="error" role="alert">${String(problem.message || problem)}</p>`}
      <${SignIn} config=${config} onSignedIn=${() => { setWho(session.who()); location.hash = "#/"; }} /></main>`;
  }
  const current = route(hash, who.role);
  const View = current.view;
  const signOut = () => { session.signOut(); setWho(null); location.hash = "#/signin"; };
  return html`<${Shell} who=${who} onSignOut=${signOut}><${View} params=${current.params} who=${who} key=${hash} /><//>`;
}

render(html`<${App} />`, document.getElementById("app"));
