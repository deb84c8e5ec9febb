// The agent console (agents, managers, admins): the queues, search with filter and sort, the
// approvals inbox and the change calendar. The ticket page is console-ticket.js. Every list
// comes from the desk's JSON API (GET queues, queues/{name}, triage, tickets?q=, approvals,
// changes/calendar); sorting and narrowing what is already loaded is presentation only.
import {
  html, useState, useEffect, useMemo, api, formError, fieldError, readerTime, statusWords, slaWords, dueAt,
} from "./client.js";

export const STAFF = ["agent", "manager", "admin"];

// Where a staff member works on a ticket.
export function consoleTicketHref(number) {
  return `#/console/ticket/${number}`;
}

export function ConsoleNav({ current }) {
  const links = [
    ["queues", "#/console", "Queues"], ["search", "#/console/search", "Search"],
    ["approvals", "#/console/approvals", "Approvals"], ["calendar", "#/console/calendar", "Change calendar"],
  ];
  return html`<nav class="subnav" aria-label="Console">
    ${links.map(([id, href, label]) => html`<a key=${id} href=${href} aria-current=${current === id ? "page" : undefined}>${label}</a>`)}
  </nav>`;
}

// -- a form that sends a few fields and shows the API's reasons at them -----------------------

export function useSend(onDone) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function send(method, path, body) {
    setBusy(true);
    setError(null);
    try {
      const answer = await api(method, path, body);
      await onDone(answer);
      return answer || true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setBusy(false);
    }
  }
  return { error, busy, send };
}

export function Input({ id, label, value, onInput, error, hint, type = "text", ...rest }) {
  const described = [hint && id + "-hint", error && id + "-error"].filter(Boolean).join(" ") || undefined;
  return html`<div class="field"><label for=${id}>${label}</label>
    ${hint && html`<p class="hint" id=${id + "-hint"}>${hint}</p>`}
    ${type === "textarea"
      ? html`<textarea id=${id} rows="3" value=${value} onInput=${(e) => onInput(e.currentTarget.value)} aria-invalid=${error ? "true" : "false"} aria-describedby=${described} ...${rest}></textarea>`
      : html`<input id=${id} type=${type} value=${value} onInput=${(e) => onInput(e.currentTarget.value)} aria-invalid=${error ? "true" : "false"} aria-describedby=${described} ...${rest} />`}
    ${error && html`<p class="field-error" id=${id + "-error"}>${error}</p>`}</div>`;
}

// Drops empty strings: the fields left blank are not sent.
export function filled(values) {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== "" && v !== null && v !== undefined));
}

// -- a list of tickets: narrowed and sorted on the page --------------------------------------

const PRIORITY_RANK = { P1: 1, P2: 2, P3: 3, P4: 4, P5: 5 };
const SORTS = {
  due: ["Due soonest", (t) => Date.parse(dueAt(t) || "") || Infinity],
  priority: ["Priority", (t) => PRIORITY_RANK[t.priority] || 9],
  status: ["Status", (t) => t.status || ""],
  type: ["Type", (t) => t.type || ""],
  service: ["Service", (t) => t.service || "\uffff"],
  newest: ["Newest", (t) => -(Date.parse(t.created_at) || 0)],
};

function distinct(tickets, key) {
  return [...new Set(tickets.map((t) => t[key]).filter(Boolean))].sort();
}

function sortTickets(tickets, sort) {
  const key = (SORTS[sort] || SORTS.due)[1];
  return [...tickets].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : a.number < b.number ? -1 : 1;
  });
}

function Select({ id, label, value, onChange, options, any }) {
  return html`<div class="filter"><label for=${id}>${label}</label>
    <select id=${id} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${any && html`<option value="">${any}</option>`}
      ${options.map(([v, text]) => html`<option key=${v} value=${v}>${text}</option>`)}
    </select></div>`;
}

// The loaded tickets with a sort order and (``narrow``) filters by status, priority, type and
// service over them; the search asks the API to filter instead.
export function TicketList({ tickets, caption, idPrefix = "list", narrow = true }) {
  const [filters, setFilters] = useState({ status: "", priority: "", type: "", service: "" });
  const [sort, setSort] = useState("due");
  const set = (name) => (value) => setFilters((f) => ({ ...f, [name]: value }));
  const shown = useMemo(() => sortTickets(
    tickets.filter((t) => Object.entries(filters).every(([k, v]) => !v || t[k] === v)), sort,
  ), [tickets, filters, sort]);
  const choices = (key, words = (v) => v) => distinct(tickets, key).map((v) => [v, words(v)]);
  return html`<div class="filters">
      ${narrow && html`<${Select} id=${idPrefix + "-status"} label="Status" value=${filters.status} onChange=${set("status")} any="any" options=${choices("status", statusWords)} />
      <${Select} id=${idPrefix + "-priority"} label="Priority" value=${filters.priority} onChange=${set("priority")} any="any" options=${choices("priority")} />
      <${Select} id=${idPrefix + "-type"} label="Type" value=${filters.type} onChange=${set("type")} any="any" options=${choices("type", (v) => v.replace(/_/g, " "))} />
      <${Select} id=${idPrefix + "-service"} label="Service" value=${filters.service} onChange=${set("service")} any="any" options=${choices("service")} />`}
      <${Select} id=${idPrefix + "-sort"} label="Sort by" value=${sort} onChange=${setSort} options=${Object.entries(SORTS).map(([k, [w]]) => [k, w])} />
    </div>
    ${!shown.length ? html`<p>No tickets here.</p>` : html`<table class="tickets console-tickets">
      <caption class="sr-only">${caption}</caption>
      <thead><tr><th scope="col">Ticket</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Priority</th>
        <th scope="col">Type</th><th scope="col">Service</th><th scope="col">Assignee</th><th scope="col">Due</th></tr></thead>
      <tbody>${shown.map((t) => html`<tr key=${t.number}>
        <td data-label="Ticket"><a href=${consoleTicketHref(t.number)}>${t.number}</a></td>
        <td data-label="Title">${t.title}</td>
        <td data-label="Status">${statusWords(t.status)}${t.triage ? " (triage)" : ""}</td>
        <td data-label="Priority">${t.priority}</td>
        <td data-label="Type">${String(t.type).replace(/_/g, " ")}</td>
        <td data-label="Service">${t.service || "\u2014"}</td>
        <td data-label="Assignee">${t.assignee || "nobody"}</td>
        <td data-label="Due">${readerTime(dueAt(t), t.local_times && t.local_times.zone) || "\u2014"} <span class="hint">${slaWords(t.sla)}</span></td>
      </tr>`)}</tbody></table>`}`;
}

// A paged listing: its tickets and the cursor of the next page.
function usePages(path) {
  const [tickets, setTickets] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  async function load(after) {
    if (!path) return;
    try {
      const sep = path.includes("?") ? "&" : "?";
      const page = await api("GET", after ? `${path}${sep}cursor=${encodeURIComponent(after)}` : path);
      setTickets((t) => [...(after ? t || [] : []), ...page.tickets]);
      setCursor(page.cursor || null);
      setError(null);
    } catch (err) {
      setError(err);
      setTickets((t) => t || []);
    }
  }
  useEffect(() => { setTickets(null); load(null); }, [path]);
  return { tickets, cursor, error, more: () => load(cursor) };
}

// -- the queues ------------------------------------------------------------------------------

function queueHref(q) {
  return q.group ? `#/console/queue/${q.name}/${q.group}` : `#/console/queue/${q.name}`;
}

export function QueuesPage({ params }) {
  const name = params[0] || "mine";
  const group = params[1] || null;
  const [queues, setQueues] = useState([]);
  useEffect(() => { api("GET", "queues").then((a) => setQueues(a.queues), () => setQueues([])); }, []);
  const path = name === "triage" ? "triage?limit=50"
    : `queues/${encodeURIComponent(name)}?limit=50${group ? `&group=${encodeURIComponent(group)}` : ""}`;
  const { tickets, cursor, error, more } = usePages(path);
  const current = queues.find((q) => q.name === name && (q.group || null) === group);
  const title = current ? current.label : name === "mine" ? "Assigned to me" : name;
  return html`<${ConsoleNav} current="queues" />
    <h1>${title}</h1>
    <nav class="queues" aria-label="Queues"><ul>
      ${queues.map((q) => html`<li key=${q.name + (q.group || "")}><a href=${queueHref(q)}
        aria-current=${q === current ? "page" : undefined}>${q.label}</a></li>`)}
    </ul></nav>
    ${error && html`<p class="error" role="alert">${formError(error, [])}</p>`}
    ${tickets === null ? html`<p class="loading">Loading…</p>` : html`<${TicketList} tickets=${tickets} caption=${title} idPrefix="queue" />`}
    ${cursor && html`<button type="button" onClick=${more}>Show more</button>`}`;
}

// -- search ----------------------------------------------------------------------------------

const STATUSES = ["new", "assigned", "in_progress", "waiting_on_requester", "resolved", "closed", "cancelled",
  "assessment", "authorization", "scheduled", "implementing", "review", "analysis", "known_error"];
const TYPES = ["incident", "service_request", "change_request", "problem"];

export function SearchPage() {
  const [form, setForm] = useState({ q: "", status: "", type: "", priority: "", service: "" });
  const [path, setPath] = useState(null);
  const [error, setError] = useState(null);
  const { tickets, cursor, error: listError, more } = usePages(path);
  const set = (name) => (value) => setForm((f) => ({ ...f, [name]: value }));
  function submit(event) {
    event.preventDefault();
    setError(null);
    const query = new URLSearchParams({ limit: "50" });
    if (form.q.trim()) query.set("q", form.q.trim());
    for (const name of ["status", "type", "priority"]) if (form[name]) query.set(name, form[name]);
    if (form.service.trim()) query.set("service", form.service.trim());
    setPath(`tickets?${query}`);
  }
  const problem = error || listError;
  const qError = fieldError(problem, "q");
  return html`<${ConsoleNav} current="search" />
    <h1>Search tickets</h1>
    <form class="card search-form" role="search" onSubmit=${submit} novalidate>
      <label for="search-q">Words in the number, title or description (optional)</label>
      <input id="search-q" type="search" value=${form.q} onInput=${(e) => set("q")(e.currentTarget.value)}
        aria-invalid=${qError ? "true" : "false"} aria-describedby=${qError ? "search-q-error" : "search-q-hint"} />
      <p class="hint" id="search-q-hint">Each word must begin a word of the ticket (3 characters or more, at most 5 words). Without words, the newest tickets that pass the filters.</p>
      ${qError && html`<p class="field-error" id="search-q-error">${qError}</p>`}
      <div class="filters">
        <${Select} id="search-status" label="Status" value=${form.status} onChange=${set("status")} any="any" options=${STATUSES.map((s) => [s, statusWords(s)])} />
        <${Select} id="search-type" label="Type" value=${form.type} onChange=${set("type")} any="any" options=${TYPES.map((s) => [s, s.replace(/_/g, " ")])} />
        <${Select} id="search-priority" label="Priority" value=${form.priority} onChange=${set("priority")} any="any" options=${["P1", "P2", "P3", "P4", "P5"].map((p) => [p, p])} />
        <div class="filter"><label for="search-service">Service</label>
          <input id="search-service" value=${form.service} onInput=${(e) => set("service")(e.currentTarget.value)} autocomplete="off" />
          ${fieldError(problem, "service") && html`<p class="field-error">${fieldError(problem, "service")}</p>`}</div>
      </div>
      <button type="submit">Search</button>
    </form>
    ${problem && !qError && html`<p class="error" role="alert">${formError(problem, ["q", "service"])}</p>`}
    ${tickets && html`<h2>Found</h2><${TicketList} tickets=${tickets} caption="Tickets found" idPrefix="found" narrow=${false} />`}
    ${cursor && html`<button type="button" onClick=${more}>Show more</button>`}`;
}

// -- the approvals inbox ---------------------------------------------------------------------

function ChangeSummary({ ticket }) {
  const change = ticket.change || {};
  const zone = ticket.local_times && ticket.local_times.zone;
  const risk = change.risk;
  return html`<dl class="facts">
    <div><dt>Model</dt><dd>${change.model || "not chosen"}</dd></div>
    <div><dt>Services</dt><dd>${(change.services || []).join(", ") || "\u2014"}</dd></div>
    <div><dt>Window</dt><dd>${change.window ? `${readerTime(change.window.start, zone)} to ${readerTime(change.window.end, zone)}` : "not set"}</dd></div>
    <div><dt>Risk</dt><dd>${risk ? `${risk.band} (${risk.likelihood} x ${risk.impact} = ${risk.level})` : "not rated"}</dd></div>
    <div><dt>Conflicts</dt><dd>${(change.conflicts || []).length ? change.conflicts.map((c) => `${c.number}: ${c.reason}`).join("; ") : "none"}</dd></div>
  </dl>`;
}

// The change's one approval: approve, or reject with a comment (the API requires it then).
export function Decision({ ticket, onDecided }) {
  const [comment, setComment] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const id = `decide-${ticket.number}`;
  async function decide(decision) {
    setBusy(true);
    setError(null);
    try {
      const body = { decision, version: ticket.version };
      if (comment.trim()) body.comment = comment;
      await api("POST", `tickets/${ticket.number}/approvals`, body);
      await onDecided(decision);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const problem = fieldError(error, "comment");
  return html`<form class="decision" onSubmit=${(e) => e.preventDefault()} novalidate>
    <label for=${id}>Comment on ${ticket.number} (required to reject)</label>
    <textarea id=${id} rows="2" value=${comment} onInput=${(e) => setComment(e.currentTarget.value)}
      aria-invalid=${problem ? "true" : "false"} aria-describedby=${problem ? id + "-error" : undefined}></textarea>
    ${problem && html`<p class="field-error" id=${id + "-error"}>${problem}</p>`}
    ${error && !problem && html`<p class="error" role="alert">${formError(error, ["comment"])}</p>`}
    <div class="moves">
      <button type="button" disabled=${busy} onClick=${() => decide("approve")}>Approve ${ticket.number}</button>
      <button type="button" class="secondary" disabled=${busy} onClick=${() => decide("reject")}>Reject ${ticket.number}</button>
    </div></form>`;
}

export function ApprovalsPage() {
  const [tickets, setTickets] = useState(null);
  const [error, setError] = useState(null);
  const [done, setDone] = useState([]);
  async function load() {
    try {
      setTickets((await api("GET", "approvals?limit=50")).tickets);
    } catch (err) {
      setError(err);
      setTickets([]);
    }
  }
  useEffect(() => { load(); }, []);
  return html`<${ConsoleNav} current="approvals" />
    <h1>Approvals</h1>
    <p class="hint">Changes awaiting your decision, oldest first.</p>
    ${error && html`<p class="error" role="alert">${formError(error, [])}</p>`}
    <div aria-live="polite">${done.map((d) => html`<p class="done" key=${d}>${d}</p>`)}</div>
    ${tickets === null && html`<p class="loading">Loading…</p>`}
    ${tickets && !tickets.length && html`<p>Nothing awaits your decision.</p>`}
    ${tickets && tickets.map((t) => html`<article class="card approval" key=${t.number} aria-labelledby=${"approval-" + t.number}>
      <h2 id=${"approval-" + t.number}><a href=${consoleTicketHref(t.number)}>${t.number}</a> ${t.title}</h2>
      <p class="hint">Requested by ${t.requester}; ${statusWords(t.status)}.</p>
      <${ChangeSummary} ticket=${t} />
      <${Decision} ticket=${t} onDecided=${async (decision) => {
        await load();
        setDone((d) => [...d, `${t.number} ${decision === "approve" ? "approved" : "rejected"}.`]);
      }} />
    </article>`)}`;
}

// -- the change calendar ---------------------------------------------------------------------

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function dayOf(iso, zone) {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone || "UTC", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));
  } catch {
    return iso.slice(0, 10);
  }
}

export function CalendarPage() {
  const today = new Date();
  const [range, setRange] = useState({ from: isoDay(today), to: isoDay(new Date(today.getTime() + 28 * 86400000)), service: "" });
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  async function load(event) {
    if (event) event.preventDefault();
    setError(null);
    try {
      const query = new URLSearchParams({ from: `${range.from}T00:00:00Z`, to: `${range.to}T00:00:00Z` });
      if (range.service.trim()) query.set("service", range.service.trim());
      setAnswer(await api("GET", `changes/calendar?${query}`));
    } catch (err) {
      setError(err);
    }
  }
  useEffect(() => { load(); }, []);
  const set = (name) => (e) => { const value = e.currentTarget.value; setRange((r) => ({ ...r, [name]: value })); };
  const days = useMemo(() => {
    const out = new Map();
    for (const c of (answer && answer.changes) || []) {
      const day = dayOf(c.window.start, zone);
      if (!out.has(day)) out.set(day, []);
      out.get(day).push(c);
    }
    return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  }, [answer]);
  const err = (f) => fieldError(error, f);
  return html`<${ConsoleNav} current="calendar" />
    <h1>Change calendar</h1>
    <form class="card filters" onSubmit=${load} novalidate>
      <div class="filter"><label for="cal-from">From</label><input id="cal-from" type="date" value=${range.from} onInput=${set("from")} />
        ${err("from") && html`<p class="field-error">${err("from")}</p>`}</div>
      <div class="filter"><label for="cal-to">To</label><input id="cal-to" type="date" value=${range.to} onInput=${set("to")} />
        ${err("to") && html`<p class="field-error">${err("to")}</p>`}</div>
      <div class="filter"><label for="cal-service">Service (optional)</label><input id="cal-service" value=${range.service} onInput=${set("service")} />
        ${err("service") && html`<p class="field-error">${err("service")}</p>`}</div>
      <button type="submit">Show</button>
    </form>
    ${error && html`<p class="error" role="alert">${formError(error, ["from", "to", "service"])}</p>`}
    ${answer && html`<section aria-labelledby="freezes-title"><h2 id="freezes-title">Freezes</h2>
      ${answer.freezes.length ? html`<ul>${answer.freezes.map((f) => html`<li key=${f.name}><strong>${f.name}</strong>:
        ${readerTime(f.start, zone)} to ${readerTime(f.end, zone)} (${(f.services || []).join(", ") || "every service"}) ${f.reason}</li>`)}</ul>`
        : html`<p>No freeze in these days.</p>`}</section>
      <section aria-labelledby="changes-title"><h2 id="changes-title">Changes</h2>
      ${days.length ? days.map(([day, changes]) => html`<h3 key=${day}>${day}</h3><ul class="calendar-day">
        ${changes.map((c) => html`<li key=${c.number}><a href=${consoleTicketHref(c.number)}>${c.number}</a>
          ${readerTime(c.window.start, zone)} to ${readerTime(c.window.end, zone)}, ${statusWords(c.status)}, on ${(c.services || []).join(", ")}</li>`)}
      </ul>`) : html`<p>No change scheduled in these days.</p>`}</section>`}`;
}
