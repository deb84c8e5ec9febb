// The agent console's ticket page: every SLA clock ticking live against the server's time, the
// timeline of why, the conversation (public and internal), assignment and transfer, the moves
// the ticket's lifecycle offers, classification correction, links, the change and problem
// panels, and keyboard shortcuts. What may happen next always comes from the API.
import {
  html, useState, useEffect, useRef, api, fieldError, formError, readerTime, ticketTime, statusWords,
} from "./client.js";
import { ConsoleNav, Decision, consoleTicketHref, useSend, Input, filled } from "./console.js";
import { ChangePanel, ProblemPanel } from "./console-change.js";

// -- the server's time -----------------------------------------------------------------------

// The offset (ms) of the server's clock from the browser's: the server's ``now`` of an answer
// (the SLA replay's ``computed_at``) minus the browser's clock when the answer arrived. The
// browser's clock alone never decides whether a clock breached; the server's, advanced by the
// browser's ticking since, does.
export function serverOffset(serverNowIso, browserNowMs) {
  const server = Date.parse(serverNowIso || "");
  return Number.isFinite(server) ? server - browserNowMs : 0;
}

function useServerNow(offset) {
  const [now, setNow] = useState(() => Date.now() + offset);
  useEffect(() => {
    setNow(Date.now() + offset);
    const timer = setInterval(() => setNow(Date.now() + offset), 1000);
    return () => clearInterval(timer);
  }, [offset]);
  return now;
}

function span(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return `${d ? d + "d " : ""}${d || h ? h + "h " : ""}${pad(m)}m ${pad(sec)}s`;
}

const CLOCK_NAMES = { first_response: "First response", resolution: "Resolution", next_update: "Next update" };

// One clock's live state: a running clock counts down to its due instant, reads "warning" once
// the server's time passes one of its warning instants and "breached" once it passes the due
// instant; paused, met, pending and stopped clocks stand still.
export function clockState(clock, nowMs) {
  if (clock.breached_at) return { word: "breached", text: `breached ${readerTimeShort(clock.breached_at)}`, bad: true };
  if (clock.met_at || clock.state === "met") return { word: "met", text: "target met", bad: false };
  if (clock.paused || clock.state === "paused") return { word: "paused", text: "paused", bad: false };
  if (clock.state !== "running" || !clock.due_at) return { word: clock.state, text: String(clock.state).replace(/_/g, " "), bad: false };
  const left = Date.parse(clock.due_at) - nowMs;
  if (left <= 0) return { word: "breached", text: `breached ${span(-left)} ago`, bad: true };
  const warned = (clock.warning_at || []).some((at) => at && Date.parse(at) <= nowMs);
  if (warned) return { word: "warning", text: `${span(left)} left: warning`, bad: false, warn: true };
  return { word: "running", text: `${span(left)} left`, bad: false };
}

function readerTimeShort(iso) {
  return readerTime(iso, Intl.DateTimeFormat().resolvedOptions().timeZone);
}

function Clocks({ sla, offset, zone }) {
  const now = useServerNow(offset);
  const clocks = Object.entries((sla && sla.clocks) || {});
  if (!clocks.length) return html`<p>No SLA clock runs on this ticket.</p>`;
  return html`<ul class="clocks">${clocks.map(([name, c]) => {
    const live = clockState(c, now);
    return html`<li key=${name} class=${live.bad ? "clock bad" : live.warn ? "clock warn" : "clock"} data-clock=${name}>
      <strong>${CLOCK_NAMES[name] || name}</strong>
      <span class="timer" role="timer" aria-live="off" data-state=${live.word}>${live.text}</span>
      <span class="hint">${c.target_seconds ? `target ${c.target} on ${c.calendar}; ` : ""}${c.due_at ? `due ${readerTime(c.due_at, zone)}` : "no due time"}</span>
    </li>`;
  })}</ul>`;
}

// -- the timeline of why ---------------------------------------------------------------------

function scalar(v) {
  if (v === null || v === undefined || v === "") return "\u2014";
  if (typeof v === "object") return Array.isArray(v) ? v.join(", ") : "\u2026";
  return String(v);
}

function eventText(e) {
  if (e.kind === "commented") return `${e.after.visibility} reply`;
  const keys = [...new Set([...Object.keys(e.before || {}), ...Object.keys(e.after || {})])]
    .filter((k) => typeof (e.after || {})[k] !== "object" || (e.after || {})[k] === null);
  const changes = keys.slice(0, 4).map((k) => (k in (e.before || {}) ? `${k}: ${scalar(e.before[k])} \u2192 ${scalar(e.after[k])}` : `${k}: ${scalar(e.after[k])}`));
  return changes.join("; ");
}

function Timeline({ events, sla, zone }) {
  const clocks = Object.entries((sla && sla.clocks) || {});
  return html`<section aria-labelledby="timeline-title">
    <h2 id="timeline-title">Timeline</h2>
    <ol class="timeline">${events.map((e) => html`<li key=${e.seq}>
      <span class="when">${readerTime(e.at, zone)}</span> <strong>${e.kind.replace(/_/g, " ")}</strong> by ${e.actor}
      ${eventText(e) && html`<span class="hint"> ${eventText(e)}</span>`}
      ${e.note && html`<p class="body">${e.note}</p>`}
    </li>`)}</ol>
    ${clocks.map(([name, c]) => html`<details key=${name} class="why"><summary>Why the ${(CLOCK_NAMES[name] || name).toLowerCase()} clock stands where it does</summary>
      <p class="hint">${c.used_seconds !== undefined ? `${span(c.used_seconds * 1000)} of working time used` : ""}${c.paused_seconds ? `, ${span(c.paused_seconds * 1000)} paused` : ""}</p>
      <ol>${(c.timeline || []).map((t, i) => html`<li key=${i}><span class="when">${readerTime(t.at, zone)}</span> ${t.what}: ${t.detail}</li>`)}</ol>
    </details>`)}
  </section>`;
}

// -- conversation ----------------------------------------------------------------------------

function Conversation({ ticket, events, zone, onSent, replyRef }) {
  // What was said: replies and notes, and the notes given with moves (the requester sees those too).
  const said = events.filter((e) => e.kind === "commented" || (e.kind === "status_changed" && e.note));
  const [body, setBody] = useState("");
  const [visibility, setVisibility] = useState("public");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    replyRef.current = { focus: (v) => { setVisibility(v); document.getElementById("reply-body").focus(); } };
  });
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("POST", `tickets/${ticket.number}/comments`, { body, visibility });
      setBody("");
      await onSent();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const problem = fieldError(error, "body");
  return html`<section aria-labelledby="conversation-title">
    <h2 id="conversation-title">Conversation</h2>
    <ol class="conversation">
      <li class="message"><p class="meta">${ticket.requester}, ${readerTime(ticket.created_at, zone)}</p><p class="body">${ticket.description}</p></li>
      ${said.map((e) => html`<li key=${e.seq} class=${e.after.visibility === "internal" ? "message internal" : "message"}>
        <p class="meta">${e.actor}, ${readerTime(e.at, zone)}${e.after.visibility === "internal" ? " (internal note)" : ""}${e.kind === "status_changed" ? ` (${statusWords(e.after.status)})` : ""}</p>
        <p class="body">${e.kind === "commented" ? e.after.body : e.note}</p></li>`)}
    </ol>
    <form class="text-form" onSubmit=${submit} novalidate>
      <fieldset class="choice"><legend>Who sees it</legend>
        <label class="option"><input type="radio" name="visibility" value="public" checked=${visibility === "public"} onChange=${() => setVisibility("public")} /> Reply to the requester (public)</label>
        <label class="option"><input type="radio" name="visibility" value="internal" checked=${visibility === "internal"} onChange=${() => setVisibility("internal")} /> Internal note (staff only)</label>
      </fieldset>
      <label for="reply-body">${visibility === "public" ? "Reply" : "Internal note"}</label>
      <textarea id="reply-body" rows="4" value=${body} onInput=${(e) => setBody(e.currentTarget.value)}
        aria-invalid=${problem ? "true" : "false"} aria-describedby=${problem ? "reply-body-error" : undefined}></textarea>
      ${problem && html`<p class="field-error" id="reply-body-error">${problem}</p>`}
      ${error && !problem && html`<p class="error" role="alert">${formError(error, ["body"])}</p>`}
      <button type="submit" disabled=${busy}>${visibility === "public" ? "Send reply" : "Add internal note"}</button>
    </form>
  </section>`;
}

// The active agents and groups, offered as suggestions where a name is typed (GET admin/agents,
// admin/groups; read once a page).
function Directory() {
  const [names, setNames] = useState({ agents: [], groups: [] });
  useEffect(() => {
    const active = (answer) => answer.items.filter((i) => i.active !== false).map((i) => i.name);
    Promise.all([api("GET", "admin/agents"), api("GET", "admin/groups")])
      .then(([agents, groups]) => setNames({ agents: active(agents), groups: active(groups) }), () => {});
  }, []);
  return html`<datalist id="desk-agents">${names.agents.map((n) => html`<option key=${n} value=${n} />`)}</datalist>
    <datalist id="desk-groups">${names.groups.map((n) => html`<option key=${n} value=${n} />`)}</datalist>`;
}

// -- assignment and transfer -----------------------------------------------------------------

function Assignment({ ticket, who, onDone, takeRef }) {
  const [values, setValues] = useState({ assignee: "", group: "", monitor: "", reason: "" });
  const { error, busy, send } = useSend(async () => { setValues({ assignee: "", group: "", monitor: "", reason: "" }); await onDone(); });
  const set = (k) => (v) => setValues((x) => ({ ...x, [k]: v }));
  const take = () => send("POST", `tickets/${ticket.number}/assignment`, { version: ticket.version, assignee: who.user });
  useEffect(() => { takeRef.current = ticket.assignee === who.user ? null : take; });
  const e = (f) => fieldError(error, f);
  return html`<section aria-labelledby="assign-title">
    <h2 id="assign-title">Who works on it</h2>
    <dl class="facts">
      <div><dt>Resolves it</dt><dd>${ticket.assignee || "nobody yet"}</dd></div>
      <div><dt>Group</dt><dd>${ticket.group || "\u2014"}</dd></div>
      <div><dt>Monitors it</dt><dd>${ticket.monitor || "nobody"}</dd></div>
    </dl>
    ${ticket.assignee !== who.user && html`<button type="button" disabled=${busy} onClick=${take}>Take it (assign to me)</button>`}
    <details class="panel-form"><summary>Assign or transfer</summary>
      <form onSubmit=${(ev) => { ev.preventDefault(); send("POST", `tickets/${ticket.number}/assignment`, { version: ticket.version, ...filled(values) }); }} novalidate>
        <${Input} id="assign-assignee" label="Who resolves it (agent)" value=${values.assignee} onInput=${set("assignee")} error=${e("assignee")} autocomplete="off" list="desk-agents" />
        <${Input} id="assign-group" label="Group" value=${values.group} onInput=${set("group")} error=${e("group")} autocomplete="off" list="desk-groups" />
        <${Input} id="assign-monitor" label="Who monitors it" value=${values.monitor} onInput=${set("monitor")} error=${e("monitor")} autocomplete="off" list="desk-agents" />
        <${Input} id="assign-reason" label="Why (optional)" value=${values.reason} onInput=${set("reason")} error=${e("reason")} />
        ${error && html`<p class="error" role="alert">${formError(error, ["assignee", "group", "monitor", "reason"])}</p>`}
        <button type="submit" disabled=${busy}>Assign</button>
      </form></details>
  </section>`;
}

// -- moves from the ticket's lifecycle -------------------------------------------------------

const OUTCOMES = ["successful", "successful_with_issues", "failed", "backed_out"];

function Moves({ ticket, moves, onDone }) {
  const [chosen, setChosen] = useState(null);
  const [reason, setReason] = useState("");
  const [outcome, setOutcome] = useState("");
  const { error, busy, send } = useSend(async () => { setChosen(null); setReason(""); setOutcome(""); await onDone(); });
  // A move chosen: the keyboard continues in its form.
  useEffect(() => { if (chosen) document.getElementById("move-reason").focus(); }, [chosen]);
  if (!moves.moves.length) return html`<section aria-labelledby="moves-title"><h2 id="moves-title">Moves</h2><p>No move is open to you now.</p></section>`;
  function submit(ev) {
    ev.preventDefault();
    send("POST", `tickets/${ticket.number}/transitions`, { to: chosen.word, version: ticket.version, ...filled({ reason, outcome }) });
  }
  const e = (f) => fieldError(error, f);
  return html`<section aria-labelledby="moves-title"><h2 id="moves-title">Moves</h2>
    <div class="moves" id="moves">${moves.moves.map((m) => html`<button type="button" key=${m.word}
      aria-pressed=${chosen && chosen.word === m.word ? "true" : "false"} onClick=${() => setChosen(m)}>${m.word.replace(/_/g, " ")}</button>`)}</div>
    ${chosen && html`<form class="text-form" onSubmit=${submit} novalidate>
      <${Input} id="move-reason" type="textarea" label=${chosen.needs_reason ? "Why? (required)" : "Note (optional)"} value=${reason} onInput=${setReason} error=${e("reason")} />
      ${ticket.status === "implementing" && html`<div class="field"><label for="move-outcome">Outcome of the implementation</label>
        <select id="move-outcome" value=${outcome} onChange=${(ev) => setOutcome(ev.currentTarget.value)}>
          <option value="">not given</option>${OUTCOMES.map((o) => html`<option key=${o} value=${o}>${o.replace(/_/g, " ")}</option>`)}</select>
        ${e("outcome") && html`<p class="field-error">${e("outcome")}</p>`}</div>`}
      ${error && html`<p class="error" role="alert">${formError(error, ["reason", "outcome"])}${error.body && error.body.missing ? `: ${error.body.missing.join("; ")}` : ""}</p>`}
      <button type="submit" disabled=${busy}>Confirm: ${chosen.word.replace(/_/g, " ")}</button>
    </form>`}
  </section>`;
}

// -- classification correction ---------------------------------------------------------------

const LEVELS = ["high", "medium", "low"];

function Classification({ ticket, onDone }) {
  const blank = { type: "", service: "", group: "", assignee: "", impact: "", urgency: "", reason: "" };
  const [values, setValues] = useState(blank);
  const { error, busy, send } = useSend(async () => { setValues(blank); await onDone(); });
  const set = (k) => (v) => setValues((x) => ({ ...x, [k]: v }));
  const e = (f) => fieldError(error, f);
  const choose = (id, label, key, options) => html`<div class="field"><label for=${id}>${label}</label>
    <select id=${id} value=${values[key]} onChange=${(ev) => set(key)(ev.currentTarget.value)}>
      <option value="">keep ${ticket[key] || "as is"}</option>${options.map((o) => html`<option key=${o} value=${o}>${o.replace(/_/g, " ")}</option>`)}</select>
    ${e(key) && html`<p class="field-error">${e(key)}</p>`}</div>`;
  return html`<details class="panel-form" id="classification"><summary>Correct the classification</summary>
    ${ticket.triage && html`<p class="hint">In triage: ${(ticket.triage_reasons || []).map((r) => r.reason || r).join("; ") || "to be checked"}.</p>`}
    <form onSubmit=${(ev) => { ev.preventDefault(); send("POST", `tickets/${ticket.number}/classification`, { version: ticket.version, ...filled(values) }); }} novalidate>
      ${choose("class-type", "Process", "type", ["incident", "service_request", "change_request"])}
      <${Input} id="class-service" label="Service" value=${values.service} onInput=${set("service")} error=${e("service")} hint=${`now ${ticket.service || "none"}`} />
      <${Input} id="class-group" label="Group" value=${values.group} onInput=${set("group")} error=${e("group")} hint=${`now ${ticket.group || "none"}`} list="desk-groups" autocomplete="off" />
      <${Input} id="class-assignee" label="Assignee" value=${values.assignee} onInput=${set("assignee")} error=${e("assignee")} list="desk-agents" autocomplete="off" />
      ${choose("class-impact", "Impact", "impact", LEVELS)}
      ${choose("class-urgency", "Urgency", "urgency", LEVELS)}
      <${Input} id="class-reason" type="textarea" label="Why (required; kept as a labelled example)" value=${values.reason} onInput=${set("reason")} error=${e("reason")} />
      ${error && html`<p class="error" role="alert">${formError(error, Object.keys(blank))}</p>`}
      <button type="submit" disabled=${busy}>Correct</button>
    </form></details>`;
}

// -- links -----------------------------------------------------------------------------------

const LINK_KINDS = ["related", "caused_by", "caused", "fixed_by", "fixes", "problem", "incidents", "duplicate_of", "duplicates", "superseded_by", "supersedes"];

function Links({ ticket, onDone }) {
  const [kind, setKind] = useState("related");
  const [target, setTarget] = useState("");
  const { error, busy, send } = useSend(async () => { setTarget(""); await onDone(); });
  const e = (f) => fieldError(error, f);
  return html`<section aria-labelledby="links-title"><h2 id="links-title">Links</h2>
    ${ticket.links.length ? html`<ul class="links">${ticket.links.map((l) => html`<li key=${l.kind + l.target}>
      ${l.kind.replace(/_/g, " ")} <a href=${consoleTicketHref(l.target)}>${l.target}</a>
      <button type="button" class="link" disabled=${busy} onClick=${() => send("DELETE", `tickets/${ticket.number}/links/${l.kind}/${l.target}`)}>Remove link to ${l.target}</button></li>`)}</ul>`
      : html`<p class="hint">No links.</p>`}
    <form class="inline-form" onSubmit=${(ev) => { ev.preventDefault(); send("POST", `tickets/${ticket.number}/links`, { kind, target: target.trim(), version: ticket.version }); }} novalidate>
      <div class="field"><label for="link-kind">Link kind</label>
        <select id="link-kind" value=${kind} onChange=${(ev) => setKind(ev.currentTarget.value)}>${LINK_KINDS.map((k) => html`<option key=${k} value=${k}>${k.replace(/_/g, " ")}</option>`)}</select>
        ${e("kind") && html`<p class="field-error">${e("kind")}</p>`}</div>
      <${Input} id="link-target" label="Other ticket (e.g. INC-000002)" value=${target} onInput=${setTarget} error=${e("target")} />
      ${error && html`<p class="error" role="alert">${formError(error, ["kind", "target"])}</p>`}
      <button type="submit" disabled=${busy}>Link</button>
    </form></section>`;
}

// -- files -----------------------------------------------------------------------------------

function Files({ number }) {
  const [files, setFiles] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { api("GET", `tickets/${number}/attachments`).then((a) => setFiles(a.attachments), setError); }, [number]);
  async function download(file) {
    try {
      location.assign((await api("GET", `tickets/${number}/attachments/${file.id}`)).url);
    } catch (err) {
      setError(err);
    }
  }
  return html`<section aria-labelledby="files-title"><h2 id="files-title">Files</h2>
    ${error && html`<p class="error" role="alert">${formError(error, [])}</p>`}
    ${files && (files.length ? html`<ul class="files">${files.map((f) => html`<li key=${f.id}>
      <button type="button" class="link" onClick=${() => download(f)}>Download ${f.filename}</button>
      <span class="hint"> ${Math.max(1, Math.round(f.size / 1024))} KB</span></li>`)}</ul>` : html`<p class="hint">No files attached.</p>`)}
  </section>`;
}

// -- keyboard shortcuts ----------------------------------------------------------------------

export const SHORTCUTS = [
  ["?", "show or hide these shortcuts"], ["r", "write a public reply"], ["n", "write an internal note"],
  ["t", "take the ticket (assign it to me)"], ["m", "go to the moves"], ["c", "correct the classification"],
  ["q", "back to my queues"],
];

function typing(target) {
  return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

function useShortcuts(actions) {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    function pressed(event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      const act = latest.current[event.key];
      if (act) {
        event.preventDefault();
        act();
      }
    }
    document.addEventListener("keydown", pressed);
    return () => document.removeEventListener("keydown", pressed);
  }, []);
}

function Shortcuts({ open, onToggle }) {
  return html`<details class="shortcuts" open=${open} onToggle=${(e) => onToggle(e.currentTarget.open)}>
    <summary>Keyboard shortcuts (press ?)</summary>
    <dl>${SHORTCUTS.map(([key, what]) => html`<div key=${key}><dt><kbd>${key}</kbd></dt><dd>${what}</dd></div>`)}</dl>
    <p class="hint">They work while no text field has the focus.</p>
  </details>`;
}

// -- the page --------------------------------------------------------------------------------

export function StaffTicketPage({ params, who }) {
  const number = params[0];
  const [state, setState] = useState(null);
  const [error, setError] = useState(null);
  const [help, setHelp] = useState(false);
  const replyRef = useRef(null);
  const takeRef = useRef(null);
  async function load() {
    try {
      const [ticket, history, moves, sla] = await Promise.all([
        api("GET", `tickets/${number}`),
        api("GET", `tickets/${number}/events`),
        api("GET", `tickets/${number}/moves`),
        api("GET", `tickets/${number}/sla`),
      ]);
      setState({ ticket, events: history.events, moves, sla, offset: serverOffset(sla.computed_at, Date.now()) });
      setError(null);
    } catch (err) {
      setError(err);
    }
  }
  useEffect(() => { load(); }, [number]);
  const focus = (id) => () => { const el = document.getElementById(id); if (el) { if (el.tagName === "DETAILS") el.open = true; (el.querySelector("button, select, input, summary") || el).focus(); } };
  useShortcuts({
    "?": () => setHelp((h) => !h),
    r: () => replyRef.current && replyRef.current.focus("public"),
    n: () => replyRef.current && replyRef.current.focus("internal"),
    t: () => takeRef.current && takeRef.current(),
    m: focus("moves"),
    c: focus("classification"),
    q: () => { location.hash = "#/console"; },
  });
  if (error && !state) return html`<${ConsoleNav} /><h1>${number}</h1><p class="error" role="alert">${error.status === 404 ? "There is no such ticket." : formError(error, [])}</p>`;
  if (!state) return html`<p class="loading">Loading ${number}…</p>`;
  const { ticket, events, moves, sla, offset } = state;
  const zone = ticket.local_times && ticket.local_times.zone;
  return html`<${ConsoleNav} />
    <h1><span class="number">${ticket.number}</span> ${ticket.title}</h1>
    <${Shortcuts} open=${help} onToggle=${setHelp} />
    ${error && html`<p class="error" role="alert">${formError(error, [])}</p>`}
    <dl class="facts">
      <div><dt>Process</dt><dd>${ticket.type.replace(/_/g, " ")}</dd></div>
      <div><dt>Status</dt><dd>${statusWords(ticket.status)}${ticket.triage ? " (in triage)" : ""}</dd></div>
      <div><dt>Priority</dt><dd>${ticket.priority} (impact ${ticket.impact}, urgency ${ticket.urgency})</dd></div>
      <div><dt>Service</dt><dd>${ticket.service || "none"}${ticket.out_of_catalog ? " (not in the catalog)" : ""}</dd></div>
      <div><dt>Requester</dt><dd>${ticket.requester}${ticket.vip ? " (VIP)" : ""}</dd></div>
      <div><dt>Opened</dt><dd>${ticketTime(ticket, "created_at")}</dd></div>
    </dl>
    <section aria-labelledby="clocks-title"><h2 id="clocks-title">SLA clocks</h2>
      <${Clocks} sla=${sla} offset=${offset} zone=${zone} /></section>
    <${Moves} ticket=${ticket} moves=${moves} onDone=${load} />
    <${Conversation} ticket=${ticket} events=${events} zone=${zone} onSent=${load} replyRef=${replyRef} />
    <${Assignment} ticket=${ticket} who=${who} onDone=${load} takeRef=${takeRef} />
    <section aria-labelledby="class-title"><h2 id="class-title">Classification</h2>
      <${Classification} ticket=${ticket} onDone=${load} /></section>
    ${ticket.type === "change_request" && html`<${ChangePanel} ticket=${ticket} onDone=${load} />`}
    ${ticket.status === "authorization" && html`<section aria-labelledby="decide-title"><h2 id="decide-title">Approval</h2>
      <${Decision} ticket=${ticket} onDecided=${load} /></section>`}
    <${ProblemPanel} ticket=${ticket} onDone=${load} />
    <${Links} ticket=${ticket} onDone=${load} />
    <${Files} number=${number} />
    <${Timeline} events=${events} sla=${sla} zone=${zone} />
    <${Directory} />`;
}
