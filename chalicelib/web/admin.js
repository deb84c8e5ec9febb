// The admin pages: the service catalog, support groups and agents, calendars and SLA policies.
// Each is a versioned document of the desk's JSON API (GET/POST admin/<collection>, GET/PUT
// admin/<collection>/<name>, ?version=N): a page lists them, shows one with its version and who
// saved it when, and saves an edit as the next version (sending the version it read). Whether
// the reader may edit a kind comes from GET admin/kinds; every check of a value is the API's,
// and its 400 is shown at the field it names. An SLA policy's page previews the policy being
// edited (POST admin/sla-policies/preview with the draft): the due times a sample ticket opened
// at a chosen instant would get.
import { html, useState, useEffect, api, ApiError, readerTime } from "./client.js";

// -- reading and writing document fields -------------------------------------------------------

function getPath(doc, path) {
  return path.split(".").reduce((value, key) => (value == null ? undefined : value[key]), doc);
}

function setPath(doc, path, value) {
  const keys = path.split(".");
  let node = doc;
  for (const key of keys.slice(0, -1)) {
    if (node[key] == null || typeof node[key] !== "object") node[key] = {};
    node = node[key];
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

// A number typed as digits is sent as a number; anything else is sent as typed, and the API's
// answer names the field and what it must be.
function numberOrText(text) {
  const t = text.trim();
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

const splitList = (text, separator) => text.split(separator).map((s) => s.trim()).filter(Boolean);

// How each kind of input shows a document's value (``read``) and puts it back (``write``).
const INPUTS = {
  text: { read: (v) => (v == null ? "" : String(v)), write: (t) => t },
  optional: { read: (v) => (v == null ? "" : String(v)), write: (t) => (t.trim() ? t : null) },
  textarea: { read: (v) => (v == null ? "" : String(v)), write: (t) => t },
  list: { read: (v) => (Array.isArray(v) ? v.join(", ") : ""), write: (t) => splitList(t, ",") },
  lines: { read: (v) => (Array.isArray(v) ? v.join("\n") : ""), write: (t) => splitList(t, "\n") },
  numbers: { read: (v) => (Array.isArray(v) ? v.join(", ") : ""), write: (t) => splitList(t, ",").map(numberOrText) },
  integer: { read: (v) => (v == null ? "" : String(v)), write: (t) => (t.trim() ? numberOrText(t) : undefined) },
  check: { read: (v, field) => (v == null ? field.default !== false : Boolean(v)), write: (b) => b },
  select: { read: (v, field) => (v == null ? field.options[0][0] : String(v)), write: (t, field) => (field.parse ? field.parse(t) : t) },
  // Working windows of one weekday: "08:00-12:00, 13:00-17:00".
  windows: {
    read: (v) => (Array.isArray(v) ? v.map((w) => (Array.isArray(w) ? w.join("-") : String(w))).join(", ") : ""),
    write: (t) => {
      const windows = splitList(t, ",").map((w) => w.split("-").map((s) => s.trim()));
      return windows.length ? windows : undefined;
    },
  },
  // One number of hours for every calendar, or "office=9, 24x7=24".
  hours: {
    read: (v) => (v == null ? "" : typeof v === "object" ? Object.entries(v).map(([k, h]) => `${k}=${h}`).join(", ") : String(v)),
    write: (t) => {
      if (!t.trim()) return undefined;
      if (!t.includes("=")) return numberOrText(t);
      return Object.fromEntries(splitList(t, ",").map((pair) => {
        const [name, hours = ""] = pair.split("=");
        return [name.trim(), numberOrText(hours)];
      }));
    },
  },
  // One SLA target: "30m", "2bd", "scheduled", optionally "@calendar"; empty: no target here.
  target: {
    read: (v) => {
      if (!v || typeof v !== "object") return "";
      const what = v.scheduled ? "scheduled" : String(v.duration ?? "");
      return v.calendar ? `${what} @${v.calendar}` : what;
    },
    write: (t) => {
      const match = /^(.*?)\s*(?:@\s*(\S+))?$/.exec(t.trim());
      const what = match[1];
      if (!what && !match[2]) return undefined;
      const target = what === "scheduled" ? { scheduled: true } : { duration: numberOrText(what) };
      if (match[2]) target.calendar = match[2];
      return target;
    },
  },
};

const LEVELS = [["high", "high"], ["medium", "medium"], ["low", "low"]];
const WEEKDAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"], ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"]];
const PRIORITY_KEYS = [["*", "Any priority (*)"], ["P1", "P1"], ["P2", "P2"], ["P3", "P3"], ["P4", "P4"], ["P5", "P5"]];
const CLOCKS = [["first_response", "First response"], ["resolution", "Resolution"], ["next_update", "Next update"]];
const TICKET_TYPES = [["incident", "incident"], ["service_request", "service request"], ["change_request", "change request"], ["problem", "problem"]];

const NAME = { path: "name", label: "Name", input: "text", hint: "Its key: it cannot change once saved." };

// The kinds these pages edit: the collection path, the words, the list's columns and the form.
export const SECTIONS = {
  services: {
    title: "Service catalog", one: "service",
    columns: [["Title", (d) => d.title], ["Support group", (d) => d.support_group], ["In use", (d) => (d.active === false ? "retired" : "yes")]],
    fields: [
      NAME,
      { path: "title", label: "Title", input: "text" },
      { path: "description", label: "Description", input: "textarea" },
      { path: "support_group", label: "Support group", input: "text", hint: "The group that works its tickets.", suggest: "groups" },
      { path: "default_impact", label: "Default impact", input: "select", options: [["medium", "medium"], ["high", "high"], ["low", "low"]] },
      { path: "aliases", label: "Aliases", input: "list", hint: "Other names people use, separated by commas." },
      { path: "keywords", label: "Keywords", input: "list", hint: "Words in a ticket that point to this service, separated by commas." },
      { path: "patterns", label: "Patterns", input: "lines", hint: "Regular expressions, one a line." },
      { path: "calendar", label: "Calendar", input: "optional", hint: "Empty: the desk's default.", suggest: "calendars" },
      { path: "sla_policy", label: "SLA policy", input: "optional", hint: "Empty: the desk's default.", suggest: "sla-policies" },
      { path: "supported", label: "The desk supports it", input: "check" },
      { path: "active", label: "In use (clear to retire it)", input: "check" },
    ],
  },
  groups: {
    title: "Support groups", one: "support group",
    columns: [["Title", (d) => d.title], ["Lead", (d) => d.lead], ["Tier", (d) => String(d.tier ?? "")], ["In use", (d) => (d.active === false ? "retired" : "yes")]],
    fields: [
      NAME,
      { path: "title", label: "Title", input: "text" },
      { path: "lead", label: "Lead", input: "text", hint: "The user name of the group's lead." },
      { path: "tier", label: "Tier", input: "select", options: [["1", "1"], ["2", "2"]], parse: Number },
      { path: "escalation_group", label: "Escalates to", input: "optional", hint: "Another group's name; empty: none.", suggest: "groups" },
      { path: "active", label: "In use (clear to retire it)", input: "check" },
    ],
  },
  agents: {
    title: "Agents", one: "agent",
    columns: [["Name shown", (d) => d.display_name], ["Groups", (d) => (d.groups || []).join(", ")], ["Capacity", (d) => String(d.max_open ?? "")], ["In use", (d) => (d.active === false ? "retired" : "yes")]],
    fields: [
      NAME,
      { path: "display_name", label: "Name shown", input: "text" },
      { path: "groups", label: "Groups", input: "list", hint: "Support groups, separated by commas." },
      { path: "skills", label: "Skills", input: "list", hint: "Separated by commas." },
      { path: "shift", label: "Shift calendar", input: "text", suggest: "calendars" },
      { path: "max_open", label: "Capacity: most open tickets at once", input: "integer" },
      { path: "active", label: "In use (clear to retire them)", input: "check" },
    ],
  },
  calendars: {
    title: "Calendars", one: "calendar",
    columns: [["Time zone", (d) => d.timezone], ["Working days", (d) => WEEKDAYS.filter(([k]) => (d.weekly_hours || {})[k]).map(([k]) => k).join(" ")], ["Holidays of", (d) => [d.holiday_country, d.holiday_subdivision].filter(Boolean).join("-")]],
    fields: [
      NAME,
      { path: "timezone", label: "Time zone", input: "text", hint: "An IANA name such as America/Chicago or Europe/Berlin.", suggest: "zones" },
      { group: "Business hours", hint: "Per weekday, windows of local time such as 08:00-12:00, 13:00-17:00; empty: closed.", path: "weekly_hours",
        fields: WEEKDAYS.map(([day, word]) => ({ path: `weekly_hours.${day}`, label: word, input: "windows" })) },
      { path: "holidays", label: "Holidays", input: "list", hint: "Dates YYYY-MM-DD, separated by commas." },
      { path: "recurring_holidays", label: "Holidays every year", input: "list", hint: "Month-days MM-DD, separated by commas." },
      { path: "holiday_country", label: "Public holidays of country", input: "optional", hint: "ISO code such as US or DE; empty: none." },
      { path: "holiday_subdivision", label: "and of its region", input: "optional", hint: "Such as IL or BY; empty: the whole country." },
    ],
  },
  "sla-policies": {
    title: "SLA policies", one: "SLA policy",
    columns: [["Applies to", (d) => (d.match && d.match.types && d.match.types.length ? d.match.types.join(", ") : "any ticket")], ["Precedence", (d) => String(d.precedence ?? 0)], ["Calendar", (d) => d.calendar]],
    fields: [
      NAME,
      { path: "description", label: "Description", input: "textarea" },
      { group: "Applies to", hint: "Every criterion given must hold; empty: any.", path: "match", fields: [
        { path: "match.types", label: "Ticket types", input: "list", hint: "incident, service_request, change_request, problem" },
        { path: "match.priorities", label: "Priorities", input: "list", hint: "P1 to P5" },
        { path: "match.services", label: "Services", input: "list" },
        { path: "match.business_units", label: "Business units", input: "list" },
        { path: "match.vip", label: "VIP requesters", input: "select", options: [["", "any"], ["true", "only VIPs"], ["false", "no VIPs"]], parse: (t) => (t === "" ? null : t === "true") },
      ] },
      { path: "precedence", label: "Precedence", input: "integer", hint: "Among matching policies the highest wins." },
      { path: "calendar", label: "Calendar", input: "text", hint: "The working time the targets count.", suggest: "calendars" },
      { path: "business_day_hours", label: "Hours in a business day", input: "hours", hint: "One number, or per calendar: office=9, 24x7=24." },
      { targets: true, path: "targets" },
      { path: "warn_at", label: "Warn at", input: "numbers", hint: "Fractions of the target, such as 0.5, 0.75." },
      { path: "on_priority_change", label: "When the priority changes", input: "select", options: [["carry", "carry the time used"], ["restart", "restart the clocks"]] },
    ],
  },
};

function leaves(fields) {
  return fields.flatMap((f) => (f.fields ? leaves(f.fields) : f.targets ? targetFields() : [f]));
}

function targetFields() {
  return PRIORITY_KEYS.flatMap(([key, word]) => CLOCKS.map(([clock, clockWord]) => ({
    path: `targets.${key}.${clock}`, input: "target", label: `${clockWord} target, ${word}`,
  })));
}

// The fields whose value differs between two versions, in the form's words.
function changedFields(section, before, after) {
  const a = formValues(section, before);
  const b = formValues(section, after);
  return leaves(section.fields).filter((f) => a[f.path] !== b[f.path]).map((f) => f.label || f.path);
}

function formValues(section, doc) {
  const values = {};
  for (const field of leaves(section.fields)) values[field.path] = INPUTS[field.input].read(getPath(doc, field.path), field);
  return values;
}

// The document to send: the one read (so fields without an input are kept) with the inputs' values.
function documentOf(section, doc, values) {
  const body = JSON.parse(JSON.stringify(doc || {}));
  delete body.created_at;
  delete body.created_by;
  if (section.fields.some((f) => f.targets)) body.targets = {};
  for (const f of section.fields) if (f.path === "weekly_hours") body.weekly_hours = {};
  for (const field of leaves(section.fields)) setPath(body, field.path, INPUTS[field.input].write(values[field.path], field));
  return body;
}

// -- the API's problems at their fields --------------------------------------------------------

function problemsOf(error) {
  if (!(error instanceof ApiError)) return [];
  if (Array.isArray(error.body.errors) && error.body.errors.length) return error.body.errors;
  return error.body.field ? [{ field: error.body.field, reason: error.message }] : [];
}

const atPath = (field, path) => field === path || field.startsWith(path + ".") || field.startsWith(path + "[");

// The reasons the API gave for ``path`` and anything inside it ("weekly_hours.mon[0]" is the
// Monday field's), each with the part of its field below ``path``.
function reasonsAt(error, path, exact = false) {
  return problemsOf(error)
    .filter((p) => (exact ? p.field === path : atPath(p.field, path)))
    .map((p) => (p.field === path ? p.reason : `${p.field.slice(path.length).replace(/^\./, "")}: ${p.reason}`))
    .join("; ");
}

function unplacedReasons(error, paths) {
  if (!error) return "";
  if (!(error instanceof ApiError)) return String(error.message || error);
  const problems = problemsOf(error);
  const rest = problems.filter((p) => !paths.some((path) => atPath(p.field, path)));
  if (problems.length && !rest.length) return "Please correct the marked fields.";
  return rest.length ? rest.map((p) => `${p.field}: ${p.reason}`).join("; ") : error.message;
}

const idOf = (path) => "f-" + path.replace(/\*/g, "any").replace(/[^A-Za-z0-9]+/g, "-");

// -- the inputs --------------------------------------------------------------------------------

function Input({ field, value, onChange, error, readOnly, suggestions }) {
  const id = idOf(field.path);
  const offered = field.suggest && suggestions && suggestions[field.suggest];
  const reason = reasonsAt(error, field.path);
  const describedBy = [field.hint && id + "-hint", reason && id + "-error"].filter(Boolean).join(" ") || undefined;
  const common = { id, name: field.path, "aria-invalid": reason ? "true" : "false", "aria-describedby": describedBy, disabled: readOnly };
  let control;
  if (field.input === "check") {
    return html`<div class=${reason ? "field has-error" : "field"}>
      <label class="option"><input type="checkbox" ...${common} checked=${value} onChange=${(e) => onChange(e.currentTarget.checked)} /> ${field.label}</label>
      ${field.hint && html`<p class="hint" id=${id + "-hint"}>${field.hint}</p>`}
      ${reason && html`<p class="field-error" id=${id + "-error"}>${reason}</p>`}</div>`;
  }
  if (field.input === "select") {
    control = html`<select ...${common} value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      ${field.options.map(([v, words]) => html`<option key=${v} value=${v}>${words}</option>`)}</select>`;
  } else if (field.input === "textarea" || field.input === "lines") {
    control = html`<textarea ...${common} rows="3" value=${value} onInput=${(e) => onChange(e.currentTarget.value)} />`;
  } else {
    control = html`<input ...${common} value=${value} autocomplete="off" inputmode=${field.input === "integer" ? "numeric" : undefined}
      list=${offered ? id + "-options" : undefined} onInput=${(e) => onChange(e.currentTarget.value)} />
      ${offered && html`<datalist id=${id + "-options"}>${offered.map((o) => html`<option key=${o} value=${o} />`)}</datalist>`}`;
  }
  return html`<div class=${reason ? "field has-error" : "field"}>
    <label for=${id}>${field.label}</label>
    ${field.hint && html`<p class="hint" id=${id + "-hint"}>${field.hint}</p>`}
    ${control}
    ${reason && html`<p class="field-error" id=${id + "-error"}>${reason}</p>`}</div>`;
}

// The targets of a policy: a row per priority key, a column per clock.
function TargetGrid({ values, set, error, readOnly }) {
  const whole = reasonsAt(error, "targets", true);
  return html`<fieldset class="targets">
    <legend>Targets</legend>
    <p class="hint" id="targets-hint">Working time on the calendar: 30m, 4h, 1h30m, 2bd (business days) or scheduled (the agent sets a due date); add @calendar to count on another calendar, e.g. 4h @24x7. Empty: no target (the * row fills what a priority leaves out).</p>
    ${whole && html`<p class="field-error">${whole}</p>`}
    <div class="table-scroll"><table class="target-grid">
      <thead><tr><th scope="col">Priority</th>${CLOCKS.map(([, word]) => html`<th scope="col" key=${word}>${word}</th>`)}</tr></thead>
      <tbody>${PRIORITY_KEYS.map(([key, word]) => html`<tr key=${key}><th scope="row">${word}</th>
        ${CLOCKS.map(([clock, clockWord]) => {
          const path = `targets.${key}.${clock}`;
          const id = idOf(path);
          const reason = reasonsAt(error, path);
          return html`<td key=${clock} class=${reason ? "has-error" : ""}>
            <input id=${id} name=${path} aria-label=${`${clockWord} target, ${word}`} value=${values[path]} disabled=${readOnly}
              aria-invalid=${reason ? "true" : "false"} aria-describedby=${reason ? id + "-error" : "targets-hint"}
              onInput=${(e) => set(path, e.currentTarget.value)} />
            ${reason && html`<p class="field-error" id=${id + "-error"}>${reason}</p>`}</td>`;
        })}</tr>`)}</tbody></table></div></fieldset>`;
}

function Fields({ fields, values, set, error, readOnly, creating, suggestions }) {
  return fields.map((field) => {
    if (field.targets) return html`<${TargetGrid} key="targets" values=${values} set=${set} error=${error} readOnly=${readOnly} />`;
    if (field.fields) {
      const whole = reasonsAt(error, field.path, true);
      return html`<fieldset key=${field.group}><legend>${field.group}</legend>
        ${field.hint && html`<p class="hint">${field.hint}</p>`}
        ${whole && html`<p class="field-error">${whole}</p>`}
        <${Fields} fields=${field.fields} values=${values} set=${set} error=${error} readOnly=${readOnly} suggestions=${suggestions} /></fieldset>`;
    }
    const locked = readOnly || (field === NAME && !creating);
    return html`<${Input} key=${field.path} field=${field} value=${values[field.path]} error=${error} readOnly=${locked} suggestions=${suggestions}
      onChange=${(v) => set(field.path, v)} />`;
  });
}

// -- shared bits -------------------------------------------------------------------------------

// The names an editable form's fields offer as they are typed: the stored documents of a
// collection, or the browser's list of time zones. Offers only: the API decides what is valid.
function useSuggestions(fields) {
  const [offered, setOffered] = useState({});
  const wanted = [...new Set(leaves(fields).map((f) => f.suggest).filter(Boolean))].join(" ");
  useEffect(() => {
    for (const source of wanted.split(" ").filter(Boolean)) {
      if (source === "zones") {
        const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
        setOffered((o) => ({ ...o, zones: ["UTC", ...zones] }));
      } else {
        api("GET", `admin/${source}`).then(
          (a) => setOffered((o) => ({ ...o, [source]: a.items.filter((d) => d.active !== false).map((d) => d.name) })),
          () => {},
        );
      }
    }
  }, [wanted]);
  return offered;
}

const READER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const docPath = (collection, name) => `admin/${collection}/${encodeURIComponent(name)}`;
const pageOf = (collection, name) => `#/admin/${collection}/${encodeURIComponent(name)}`;

function useKinds() {
  const [kinds, setKinds] = useState(null);
  useEffect(() => {
    api("GET", "admin/kinds").then((a) => setKinds(Object.fromEntries(a.kinds.map((k) => [k.collection, k]))), () => setKinds({}));
  }, []);
  return kinds;
}

function AdminNav({ current }) {
  return html`<nav class="admin-nav" aria-label="Administration">
    <a href="#/admin" aria-current=${current ? undefined : "page"}>Overview</a>
    ${Object.entries(SECTIONS).map(([c, s]) => html`<a key=${c} href=${`#/admin/${c}`} aria-current=${current === c ? "page" : undefined}>${s.title}</a>`)}
  </nav>`;
}

function Saved({ doc }) {
  return html`<p class="saved">Version ${doc.version}, saved by ${doc.created_by} on ${readerTime(doc.created_at, READER_ZONE)}</p>`;
}

// -- the pages ---------------------------------------------------------------------------------

export function AdminHome() {
  const kinds = useKinds();
  return html`<${AdminNav} />
    <h1>Administration</h1>
    <p>The desk's configuration is versioned: saving stores a new version, and tickets keep the version they run under.</p>
    <ul class="admin-sections">${Object.entries(SECTIONS).map(([c, s]) => html`<li key=${c}>
      <a href=${`#/admin/${c}`}>${s.title}</a>
      ${kinds && kinds[c] && html` <span class="hint">${kinds[c].editable ? "you may edit" : "read only for your role"}</span>`}</li>`)}
    </ul>`;
}

export function AdminList({ params }) {
  const [collection] = params;
  const section = SECTIONS[collection];
  const kinds = useKinds();
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api("GET", `admin/${collection}`).then((a) => setItems(a.items), setError);
  }, [collection]);
  const editable = kinds && kinds[collection] && kinds[collection].editable;
  return html`<${AdminNav} current=${collection} />
    <h1>${section.title}</h1>
    ${editable && html`<p><a class="button-link" href=${`#/admin/new/${collection}`}>New ${section.one}</a></p>`}
    ${kinds && !editable && html`<p class="hint">Your role may read these, not change them.</p>`}
    ${error && html`<p class="error" role="alert">${String(error.message || error)}</p>`}
    ${items === null && !error ? html`<p class="loading">Loading…</p>` : items && html`<div class="table-scroll"><table class="tickets documents">
      <caption class="sr-only">${section.title}: the latest version of each</caption>
      <thead><tr><th scope="col">Name</th>${section.columns.map(([word]) => html`<th scope="col" key=${word}>${word}</th>`)}<th scope="col">Version</th><th scope="col">Saved</th></tr></thead>
      <tbody>${items.map((d) => html`<tr key=${d.name}>
        <td data-label="Name"><a href=${pageOf(collection, d.name)}>${d.name}</a></td>
        ${section.columns.map(([word, value]) => html`<td key=${word} data-label=${word}>${value(d) || ""}</td>`)}
        <td data-label="Version">${d.version}</td>
        <td data-label="Saved">${d.created_by}, ${readerTime(d.created_at, READER_ZONE)}</td></tr>`)}</tbody></table></div>`}`;
}

export function AdminNew({ params }) {
  const [collection] = params;
  const kinds = useKinds();
  if (!kinds) return html`<p class="loading">Loading…</p>`;
  if (!(kinds[collection] && kinds[collection].editable)) {
    return html`<${AdminNav} current=${collection} /><h1>New ${SECTIONS[collection].one}</h1>
      <p>Your role may read these, not add them. <a href=${`#/admin/${collection}`}>Back to the list</a></p>`;
  }
  return html`<${DocumentForm} collection=${collection} doc=${null} editable=${true} />`;
}

// What the last save stored, shown once by the page it leads to (a new document's own page).
let justSaved = "";

export function AdminDocument({ params }) {
  const [collection, encoded, asked] = params;
  const name = decodeURIComponent(encoded);
  const kinds = useKinds();
  const [doc, setDoc] = useState(null);
  const [latest, setLatest] = useState(null);
  const [error, setError] = useState(null);
  const [status, setStatus] = useState(() => { const said = justSaved; justSaved = ""; return said; });
  const [reads, setReads] = useState(0);
  const [previous, setPrevious] = useState(null);
  useEffect(() => {
    (async () => {
      try {
        const newest = await api("GET", docPath(collection, name));
        setLatest(newest);
        const shown = asked && Number(asked) !== newest.version ? await api("GET", `${docPath(collection, name)}?version=${asked}`) : newest;
        setDoc(shown);
        setPrevious(shown.version > 1 ? await api("GET", `${docPath(collection, name)}?version=${shown.version - 1}`) : null);
      } catch (err) {
        setError(err);
      }
    })();
  }, [collection, name, asked, reads]);
  const section = SECTIONS[collection];
  if (error) return html`<${AdminNav} current=${collection} /><h1>${section.one} ${name}</h1><p class="error" role="alert">${String(error.message || error)}</p>`;
  if (!doc || !kinds) return html`<p class="loading">Loading…</p>`;
  const old = doc.version !== latest.version;
  const editable = Boolean(kinds[collection] && kinds[collection].editable) && !old;
  const saved = (stored) => { setPrevious(doc); setDoc(stored); setLatest(stored); setStatus(`Saved as version ${stored.version}.`); };
  const changed = previous && previous.version === doc.version - 1 ? changedFields(section, previous, doc) : null;
  return html`<${DocumentForm} key=${doc.version} collection=${collection} doc=${doc} latest=${latest} editable=${editable} changed=${changed}
    status=${status} onSaved=${saved} onReload=${() => { setStatus(""); setReads((n) => n + 1); }} />`;
}

function Versions({ collection, doc, latest }) {
  const first = Math.max(1, latest.version - 9);
  const shown = [];
  for (let v = latest.version; v >= first; v -= 1) shown.push(v);
  return html`<nav class="versions" aria-label="Versions">
    <span>Versions:</span>
    ${shown.map((v) => html`<a key=${v} href=${v === latest.version ? pageOf(collection, doc.name) : `${pageOf(collection, doc.name)}/v${v}`}
      aria-current=${v === doc.version ? "page" : undefined}>${v === latest.version ? `${v} (latest)` : v}</a>`)}
  </nav>`;
}

function DocumentForm({ collection, doc, latest, editable, changed, status, onSaved, onReload }) {
  const section = SECTIONS[collection];
  const creating = doc === null;
  const [values, setValues] = useState(() => formValues(section, doc || {}));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (path, value) => setValues((v) => ({ ...v, [path]: value }));
  const draft = () => documentOf(section, doc, values);
  const suggestions = useSuggestions(editable ? section.fields : []);
  const [refused, setRefused] = useState(0);
  // After a refused save, the keyboard continues at the first field the API named.
  useEffect(() => {
    if (refused) (document.querySelector("form.document [aria-invalid=true]") || document.querySelector("form.document .error") || { focus() {} }).focus();
  }, [refused]);
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = draft();
      const saved = creating
        ? await api("POST", `admin/${collection}`, body)
        : await api("PUT", docPath(collection, doc.name), { ...body, version: doc.version });
      if (creating) {
        justSaved = `Saved as version ${saved.version}.`;
        location.hash = pageOf(collection, saved.name);
      } else {
        onSaved(saved);
      }
    } catch (err) {
      setError(err);
      setBusy(false);
      setRefused((n) => n + 1);
    }
  }
  const paths = leaves(section.fields).map((f) => f.path).concat(section.fields.filter((f) => f.fields || f.targets).map((f) => f.path));
  const rest = unplacedReasons(error, paths);
  const title = creating ? `New ${section.one}` : `${section.one[0].toUpperCase()}${section.one.slice(1)} ${doc.name}`;
  return html`<${AdminNav} current=${collection} />
    <h1>${title}</h1>
    ${!creating && html`<${Saved} doc=${doc} /><${Versions} collection=${collection} doc=${doc} latest=${latest} />`}
    ${changed && html`<p class="changed">Changed from version ${doc.version - 1}: ${changed.length ? changed.join(", ") : "nothing in these fields"}.</p>`}
    ${!creating && doc.version !== latest.version && html`<p class="notice">An earlier version, kept as it was. <a href=${pageOf(collection, doc.name)}>See the latest</a>.</p>`}
    ${!creating && doc.version === latest.version && !editable && html`<p class="hint">Your role may read this, not change it.</p>`}
    <p role="status" class="status">${status || ""}</p>
    <form class="card document" onSubmit=${submit} novalidate aria-label=${title}>
      <${Fields} fields=${section.fields} values=${values} set=${set} error=${error} readOnly=${!editable} creating=${creating}
        suggestions=${suggestions} />
      ${rest && html`<p class="error" role="alert" tabindex="-1">${rest}</p>`}
      ${error && error.status === 409 && !creating && html`<p>Someone saved a newer version meanwhile: your changes were not stored.
        <button type="button" class="link" onClick=${onReload}>Load the latest version</button> and make them again.</p>`}
      ${editable && html`<button type="submit" disabled=${busy}>${creating ? `Save ${section.one}` : `Save as version ${doc.version + 1}`}</button>`}
    </form>
    ${collection === "sla-policies" && html`<${PolicyPreview} draft=${draft} onPolicyError=${setError} />`}`;
}

// -- previewing a policy -----------------------------------------------------------------------

// A local date-time typed in the reader's zone ("2026-11-23T09:00") as an instant (ISO, UTC).
function instantOf(local) {
  const when = new Date(local);
  return Number.isNaN(when.getTime()) ? local : when.toISOString();
}

const SAMPLE_FIELDS = ["type", "priority", "service", "vip", "business_unit", "opened_at"];

function PolicyPreview({ draft, onPolicyError }) {
  const [sample, setSample] = useState({ type: "incident", priority: "P3", service: "", vip: false, business_unit: "", opened_at: "" });
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (name) => (e) => setSample((s) => ({ ...s, [name]: e.currentTarget.type === "checkbox" ? e.currentTarget.checked : e.currentTarget.value }));
  async function run(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body = { type: sample.type, priority: sample.priority, vip: sample.vip, policy: draft() };
    if (sample.service.trim()) body.service = sample.service.trim();
    if (sample.business_unit.trim()) body.business_unit = sample.business_unit.trim();
    if (sample.opened_at) body.opened_at = instantOf(sample.opened_at);
    try {
      setAnswer(await api("POST", "admin/sla-policies/preview", body));
      onPolicyError(null);
    } catch (err) {
      setAnswer(null);
      const problems = problemsOf(err);
      const policyProblems = problems.filter((p) => p.field === "policy" || p.field.startsWith("policy."));
      if (policyProblems.length) {
        // The draft's own problems belong at the policy's fields above.
        onPolicyError(new ApiError(err.status, { ...err.body, field: policyProblems[0].field.replace(/^policy\.?/, "") || "body",
          errors: policyProblems.map((p) => ({ ...p, field: p.field.replace(/^policy\.?/, "") || "body" })) }));
        setError(new Error("The policy has problems: see the fields marked above."));
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  }
  const at = (name) => reasonsAt(error, name);
  const describe = (name, hint) => [hint && `preview-${name}-hint`, at(name) && `preview-${name}-error`].filter(Boolean).join(" ") || undefined;
  const problem = (name) => at(name) && html`<p class="field-error" id=${`preview-${name}-error`}>${at(name)}</p>`;
  const rest = error && unplacedReasons(error, SAMPLE_FIELDS);
  return html`<section class="card preview" aria-labelledby="preview-title">
    <h2 id="preview-title">Preview this policy</h2>
    <p class="hint">The due times the policy as shown above (saved or not) would give a ticket opened at a chosen moment.</p>
    <form onSubmit=${run} novalidate>
      <div class="preview-sample">
        <div class="field"><label for="preview-type">Ticket type</label>
          <select id="preview-type" value=${sample.type} onChange=${set("type")} aria-invalid=${at("type") ? "true" : "false"} aria-describedby=${describe("type")}>
            ${TICKET_TYPES.map(([v, w]) => html`<option key=${v} value=${v}>${w}</option>`)}</select>${problem("type")}</div>
        <div class="field"><label for="preview-priority">Priority</label>
          <select id="preview-priority" value=${sample.priority} onChange=${set("priority")} aria-invalid=${at("priority") ? "true" : "false"} aria-describedby=${describe("priority")}>
            ${PRIORITY_KEYS.slice(1).map(([v]) => html`<option key=${v} value=${v}>${v}</option>`)}</select>${problem("priority")}</div>
        <div class="field"><label for="preview-service">Service (optional)</label>
          <input id="preview-service" value=${sample.service} onInput=${set("service")} aria-invalid=${at("service") ? "true" : "false"} aria-describedby=${describe("service")} />${problem("service")}</div>
        <div class="field"><label for="preview-business-unit">Business unit (optional)</label>
          <input id="preview-business-unit" value=${sample.business_unit} onInput=${set("business_unit")} aria-invalid=${at("business_unit") ? "true" : "false"} aria-describedby=${describe("business_unit")} />${problem("business_unit")}</div>
        <div class="field"><label for="preview-opened-at">Opened at</label>
          <p class="hint" id="preview-opened_at-hint">Your time (${READER_ZONE}); empty: now.</p>
          <input id="preview-opened-at" type="datetime-local" value=${sample.opened_at} onInput=${set("opened_at")} aria-invalid=${at("opened_at") ? "true" : "false"} aria-describedby=${describe("opened_at", true)} />${problem("opened_at")}</div>
        <div class="field"><label class="option"><input type="checkbox" id="preview-vip" checked=${sample.vip} onChange=${set("vip")} /> The requester is a VIP</label></div>
      </div>
      ${rest && html`<p class="error" role="alert">${rest}</p>`}
      <button type="submit" disabled=${busy}>Preview</button>
    </form>
    <div aria-live="polite">${answer && html`<${PreviewAnswer} answer=${answer} />`}</div>
  </section>`;
}

const CLOCK_WORDS = Object.fromEntries(CLOCKS);

function PreviewAnswer({ answer }) {
  const clocks = Object.entries(answer.clocks);
  return html`<div class="preview-answer">
    <p>Opened ${readerTime(answer.opened_at, READER_ZONE)}. ${answer.policy && (answer.policy.matches
      ? "This policy applies to such a ticket (unless a policy of higher precedence does too)."
      : "This policy's criteria do not select such a ticket; these are the times it would give.")}</p>
    <div class="table-scroll"><table class="tickets preview-clocks">
      <caption class="sr-only">Due times</caption>
      <thead><tr><th scope="col">Clock</th><th scope="col">Target</th><th scope="col">Calendar</th><th scope="col">Due</th><th scope="col">Warnings</th></tr></thead>
      <tbody>${clocks.map(([name, c]) => html`<tr key=${name}>
        <th scope="row" data-label="Clock">${CLOCK_WORDS[name] || name}</th>
        <td data-label="Target">${c.target ? (c.target.scheduled ? "as scheduled" : String(c.target.duration)) : "none"}</td>
        <td data-label="Calendar">${c.calendar || ""}</td>
        <td data-label="Due">${c.due_at ? readerTime(c.due_at, READER_ZONE) : c.state === "awaiting_schedule" ? "when the agent sets a date" : name === "next_update" ? "counted from the first response" : "no due time"}</td>
        <td data-label="Warnings">${(c.warning_at || []).map((w) => readerTime(w, READER_ZONE)).join("; ")}</td></tr>`)}</tbody></table></div>
  </div>`;
}
