// The ticket page's change and problem panels: a change's plan, risk, approvals, conflicts and
// freezes (edited with PUT tickets/{n}/change); a problem's statement, root causes, workaround
// and incidents (PUT tickets/{n}/problem); an incident's problem and matching known errors.
import { html, useState, readerTime, fieldError, formError } from "./client.js";
import { useSend, Input, filled, consoleTicketHref } from "./console.js";

function words(v) {
  return String(v || "").replace(/_/g, " ");
}

// A datetime-local value (the reader's wall time) as an aware ISO instant, or "".
function instant(local) {
  if (!local) return "";
  const at = new Date(local);
  return Number.isNaN(at.getTime()) ? local : at.toISOString();
}

const PLAN_TEXTS = [
  ["implementation_plan", "Implementation plan"], ["backout_plan", "Back-out plan"],
  ["test_plan", "Test plan"], ["communication", "Communication"],
];

export function ChangePanel({ ticket, onDone }) {
  const change = ticket.change || {};
  const zone = ticket.local_times && ticket.local_times.zone;
  const blank = { model: "", services: "", start: "", end: "", likelihood: "", impact: "", implementer_group: "",
    implementation_plan: "", backout_plan: "", test_plan: "", communication: "" };
  const [values, setValues] = useState(blank);
  const { error, busy, send } = useSend(async () => { setValues(blank); await onDone(); });
  const set = (k) => (v) => setValues((x) => ({ ...x, [k]: v }));
  const e = (f) => fieldError(error, f);
  function submit(ev) {
    ev.preventDefault();
    const body = { version: ticket.version, ...filled({
      model: values.model, implementer_group: values.implementer_group,
      implementation_plan: values.implementation_plan, backout_plan: values.backout_plan,
      test_plan: values.test_plan, communication: values.communication,
    }) };
    if (values.services.trim()) body.services = values.services.split(",").map((s) => s.trim()).filter(Boolean);
    if (values.start || values.end) body.window = { start: instant(values.start), end: instant(values.end) };
    if (values.likelihood || values.impact) body.risk = { likelihood: Number(values.likelihood), impact: Number(values.impact) };
    send("PUT", `tickets/${ticket.number}/change`, body);
  }
  const risk = change.risk;
  const scale = ["", "1", "2", "3", "4", "5"];
  return html`<section aria-labelledby="change-title" class="panel"><h2 id="change-title">Change</h2>
    <dl class="facts">
      <div><dt>Model</dt><dd>${change.model || "not chosen"}</dd></div>
      <div><dt>Services</dt><dd>${(change.services || []).join(", ") || "\u2014"}</dd></div>
      <div><dt>Window</dt><dd>${change.window ? `${readerTime(change.window.start, zone)} to ${readerTime(change.window.end, zone)}` : "not set"}</dd></div>
      <div><dt>Risk</dt><dd>${risk ? `${risk.band} (likelihood ${risk.likelihood} x impact ${risk.impact} = ${risk.level})` : "not rated"}</dd></div>
      <div><dt>Implementer group</dt><dd>${change.implementer_group || "\u2014"}</dd></div>
      <div><dt>Outcome</dt><dd>${words(change.outcome) || "\u2014"}</dd></div>
    </dl>
    ${PLAN_TEXTS.map(([k, label]) => change[k] && html`<div key=${k}><h3>${label}</h3><p class="body">${change[k]}</p></div>`)}
    <h3>Approvals</h3>
    ${(change.approvals || []).length ? html`<ul>${change.approvals.map((a, i) => html`<li key=${i}>${a.by}: ${a.decision}${a.comment ? ` \u2014 ${a.comment}` : ""}</li>`)}</ul>` : html`<p class="hint">None yet.</p>`}
    <h3>Conflicts and freezes</h3>
    ${(change.conflicts || []).length || (change.freezes || []).length ? html`<ul class="conflicts">
      ${(change.conflicts || []).map((c) => html`<li key=${c.number}>Conflicts with <a href=${consoleTicketHref(c.number)}>${c.number}</a>: ${c.reason}</li>`)}
      ${(change.freezes || []).map((f) => html`<li key=${f}>In the freeze ${f}</li>`)}</ul>` : html`<p class="hint">None.</p>`}
    <details class="panel-form"><summary>Edit the plan</summary>
      <form onSubmit=${submit} novalidate>
        <div class="field"><label for="chg-model">Model</label><select id="chg-model" value=${values.model} onChange=${(ev) => set("model")(ev.currentTarget.value)}>
          <option value="">keep ${change.model || "unset"}</option>${["standard", "normal", "emergency"].map((m) => html`<option key=${m} value=${m}>${m}</option>`)}</select>
          ${e("model") && html`<p class="field-error">${e("model")}</p>`}</div>
        <${Input} id="chg-services" label="Services (comma-separated)" value=${values.services} onInput=${set("services")} error=${e("services")} />
        <${Input} id="chg-start" type="datetime-local" label="Window start (your time)" value=${values.start} onInput=${set("start")} error=${e("window.start") || e("window")} />
        <${Input} id="chg-end" type="datetime-local" label="Window end (your time)" value=${values.end} onInput=${set("end")} error=${e("window.end")} />
        ${[["likelihood", "Risk likelihood (1-5)"], ["impact", "Risk impact (1-5)"]].map(([k, label]) => html`<div class="field" key=${k}>
          <label for=${"chg-" + k}>${label}</label><select id=${"chg-" + k} value=${values[k]} onChange=${(ev) => set(k)(ev.currentTarget.value)}>
          ${scale.map((n) => html`<option key=${n} value=${n}>${n || "keep"}</option>`)}</select>
          ${e("risk." + k) && html`<p class="field-error">${e("risk." + k)}</p>`}</div>`)}
        <${Input} id="chg-group" label="Implementer group" value=${values.implementer_group} onInput=${set("implementer_group")} error=${e("implementer_group")} />
        ${PLAN_TEXTS.map(([k, label]) => html`<${Input} key=${k} id=${"chg-" + k} type="textarea" label=${label} value=${values[k]} onInput=${set(k)} error=${e(k)} />`)}
        ${error && html`<p class="error" role="alert">${formError(error, ["model", "services", "window", "window.start", "window.end", "risk.likelihood", "risk.impact", "implementer_group", ...PLAN_TEXTS.map(([k]) => k)])}</p>`}
        <button type="submit" disabled=${busy}>Save the plan</button>
      </form></details>
  </section>`;
}

// -- problems --------------------------------------------------------------------------------

const CATEGORIES = ["software", "hardware", "network", "configuration", "capacity", "change", "supplier", "process", "human-error", "security"];

function ProblemRecordPanel({ ticket, onDone }) {
  const record = ticket.problem || {};
  const [values, setValues] = useState({ statement: "", workaround: "", cause: "", category: "software" });
  const { error, busy, send } = useSend(async () => { setValues({ statement: "", workaround: "", cause: "", category: "software" }); await onDone(); });
  const set = (k) => (v) => setValues((x) => ({ ...x, [k]: v }));
  const e = (f) => fieldError(error, f);
  function submit(ev) {
    ev.preventDefault();
    const body = { version: ticket.version, ...filled({ statement: values.statement, workaround: values.workaround }) };
    if (values.cause.trim()) body.root_causes = [...(record.root_causes || []), { description: values.cause, category: values.category }];
    send("PUT", `tickets/${ticket.number}/problem`, body);
  }
  return html`<section aria-labelledby="problem-title" class="panel"><h2 id="problem-title">Problem</h2>
    <dl class="facts">
      <div><dt>Statement</dt><dd>${record.statement || "\u2014"}</dd></div>
      <div><dt>Workaround</dt><dd>${record.workaround || "none yet"}</dd></div>
    </dl>
    <h3>Root causes</h3>
    ${(record.root_causes || []).length ? html`<ul>${record.root_causes.map((c, i) => html`<li key=${i}>${c.category}: ${c.description}</li>`)}</ul>` : html`<p class="hint">None found yet.</p>`}
    <h3>Incidents</h3>
    ${(ticket.incidents || []).length ? html`<ul>${ticket.incidents.map((i) => html`<li key=${i.number}><a href=${consoleTicketHref(i.number)}>${i.number}</a> ${i.title} (${words(i.status)}, ${i.priority})</li>`)}</ul>` : html`<p class="hint">No incident linked.</p>`}
    ${record.workaround && html`<${Publish} ticket=${ticket} />`}
    <details class="panel-form"><summary>Edit the problem record</summary>
      <form onSubmit=${submit} novalidate>
        <${Input} id="prb-statement" type="textarea" label="Statement" value=${values.statement} onInput=${set("statement")} error=${e("statement")} />
        <${Input} id="prb-workaround" type="textarea" label="Workaround" value=${values.workaround} onInput=${set("workaround")} error=${e("workaround")} />
        <${Input} id="prb-cause" type="textarea" label="Add a root cause" value=${values.cause} onInput=${set("cause")} error=${e("root_causes")} />
        <div class="field"><label for="prb-category">Root cause category</label><select id="prb-category" value=${values.category} onChange=${(ev) => set("category")(ev.currentTarget.value)}>
          ${CATEGORIES.map((c) => html`<option key=${c} value=${c}>${c}</option>`)}</select></div>
        ${error && html`<p class="error" role="alert">${formError(error, ["statement", "workaround", "root_causes"])}</p>`}
        <button type="submit" disabled=${busy}>Save the problem</button>
      </form></details>
  </section>`;
}

// The workaround as a public reply on every open linked incident (once each).
function Publish({ ticket }) {
  const [result, setResult] = useState(null);
  const { error, busy, send } = useSend(async (answer) => setResult(answer));
  return html`<div><button type="button" disabled=${busy} onClick=${() => send("POST", `tickets/${ticket.number}/workaround/publish`, {})}>Publish the workaround to its open incidents</button>
    <div aria-live="polite">${result && html`<p class="done">${result.published.length ? `Published to ${result.published.join(", ")}.` : "Every open incident already has it."}</p>`}</div>
    ${error && html`<p class="error" role="alert">${formError(error, [])}</p>`}</div>`;
}

// An incident's problem (or a button opening one from it) and the known errors its text matched
// at intake.
function IncidentProblem({ ticket }) {
  const problem = ticket.problem;
  const known = ticket.known_errors || [];
  const { error, busy, send } = useSend(async () => {});
  async function openProblem() {
    const opened = await send("POST", `tickets/${ticket.number}/problem-from`, {});
    if (opened && opened.number) location.hash = consoleTicketHref(opened.number);
  }
  return html`<section aria-labelledby="known-title" class="panel"><h2 id="known-title">Problem and known errors</h2>
    ${!problem && html`<button type="button" disabled=${busy} onClick=${openProblem}>Open a problem from this incident</button>`}
    ${error && html`<p class="error" role="alert">${formError(error, [])}</p>`}
    ${problem && html`<p>Linked problem <a href=${consoleTicketHref(problem.number)}>${problem.number}</a> (${words(problem.status)})${problem.workaround ? `: until it is fixed, ${problem.workaround}` : ""}</p>`}
    ${ticket.closure_gate && ticket.closure_gate.holds && html`<p class="hint">${ticket.closure_gate.why}</p>`}
    ${!known.length && html`<p class="hint">No known error matched it.</p>`}
    ${known.length > 0 && html`<ul>${known.map((k) => html`<li key=${k.problem}><a href=${consoleTicketHref(k.problem)}>${k.problem}</a>
      ${k.workaround ? ` \u2014 ${k.workaround}` : ""} <span class="hint">(matched ${(k.matched || []).join(", ")})</span></li>`)}</ul>`}
  </section>`;
}

export function ProblemPanel({ ticket, onDone }) {
  if (ticket.type === "problem") return html`<${ProblemRecordPanel} ticket=${ticket} onDone=${onDone} />`;
  if (ticket.type === "incident") return html`<${IncidentProblem} ticket=${ticket} />`;
  return null;
}
