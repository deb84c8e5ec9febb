// The manager's dashboard: the morning patrol as a page, and one page of the desk's figures -
// key figures, SLA compliance over time, backlog by age and priority, breaches by service, load
// per agent, triage, problem candidates and this week's changes. Everything comes from the JSON
// API (reports/patrol, reports/measures, reports/sla, triage, problems/candidates,
// changes/calendar); "today" is the desk's (the patrol's date), never the browser's clock.
import { html, useState, useEffect, useMemo, api, formError, readerTime, ticketTime, statusWords } from "./client.js";
import { BarChart, TrendChart, loadUplot, percent, duration, useStylesheets } from "./charts.js";

const STYLES = ["ui/dashboard.css"];
const DAY_MS = 86400000;

// -- days ------------------------------------------------------------------------------------

const dayMs = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10));
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (iso, n) => isoDay(dayMs(iso) + n * DAY_MS);
export const mondayOf = (iso) => addDays(iso, -((new Date(dayMs(iso)).getUTCDay() + 6) % 7));

// A date as words ("Mon 30 Nov"), read as a date in no zone.
export function dayWords(iso) {
  return new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" })
    .format(new Date(dayMs(iso)));
}

function zoneOffsetMs(ms, zone) {
  const parts = {};
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
    hour: "numeric", minute: "numeric", second: "numeric",
  });
  for (const p of format.formatToParts(new Date(ms))) parts[p.type] = +p.value;
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

// The instant (ISO, UTC) a day starts in ``zone``, daylight saving time included.
export function zonedMidnight(iso, zone) {
  const wall = dayMs(iso);
  const first = wall - zoneOffsetMs(wall, zone);
  return new Date(wall - zoneOffsetMs(first, zone)).toISOString();
}

// The periods a manager can look at: points of one day or one week (weeks from Monday; the
// last one ends today), and the whole period they cover.
export const RANGES = {
  "14d": { label: "The last 14 days, day by day", unit: "day", count: 14 },
  "8w": { label: "The last 8 weeks, week by week", unit: "week", count: 8 },
  "13w": { label: "The last 13 weeks, week by week", unit: "week", count: 13 },
};

export function pointsOf(rangeKey, today) {
  const range = RANGES[rangeKey];
  const points = [];
  for (let i = range.count - 1; i >= 0; i--) {
    if (range.unit === "day") {
      const day = addDays(today, -i);
      points.push({ from: day, to: day, label: dayWords(day) });
    } else {
      const from = addDays(mondayOf(today), -7 * i);
      const to = i === 0 ? today : addDays(from, 6);
      points.push({ from, to, label: `week of ${dayWords(from)}${i === 0 ? " (so far)" : ""}` });
    }
  }
  return points;
}

// -- loading ---------------------------------------------------------------------------------

// One API answer for a component: {data, error}, both null while ``path`` (re)loads.
function useAnswer(path) {
  return useAnswers(path ? [path] : [], (answers) => answers[0]);
}

// The answers to several paths at once: {data: shape(answers), error}; only ever the answers
// to the paths asked for in this render (never those of the previous ones while they reload).
function useAnswers(paths, shape = (answers) => answers) {
  const key = paths.join(" ");
  const [state, setState] = useState({ key: null, data: null, error: null });
  useEffect(() => {
    if (!paths.length) return undefined;
    let gone = false;
    Promise.all(paths.map((p) => api("GET", p))).then(
      (answers) => !gone && setState({ key, data: shape(answers), error: null }),
      (error) => !gone && setState({ key, data: null, error }),
    );
    return () => { gone = true; };
  }, [key]);
  return state.key === key ? state : { key, data: null, error: null };
}

function report(kind, from, to, by) {
  const query = new URLSearchParams({ from, to });
  if (by) query.set("by", by);
  return `reports/${kind}?${query}`;
}

function Loading({ state, children }) {
  if (state.error) return html`<p class="error" role="alert">${formError(state.error, [])}</p>`;
  if (!state.data) return html`<p class="loading">Loading…</p>`;
  return children(state.data);
}

const ticketLink = (number) => html`<a href=${`#/tickets/${number}`}>${number}</a>`;

function Section({ id, title, wide, children }) {
  return html`<section class=${wide ? "card dash-section wide" : "card dash-section"} aria-labelledby=${id + "-title"}>
    <h2 id=${id + "-title"}>${title}</h2>
    ${children}
  </section>`;
}

// -- the dashboard ---------------------------------------------------------------------------

export function DashboardPage() {
  const ready = useStylesheets(STYLES);
  const patrol = useAnswer("reports/patrol");
  const [rangeKey, setRangeKey] = useState("8w");
  const today = patrol.data && patrol.data.patrol_date;
  const points = today ? pointsOf(rangeKey, today) : [];
  // The trend's points cover the whole period: the key figures' compliance is their sum.
  const trend = useAnswers(points.map((p) => report("sla", p.from, p.to)));
  // The chart module loads while the patrol says which day it is.
  useEffect(() => { loadUplot().catch(() => null); }, []);
  if (!ready) return html`<h1>Manager's dashboard</h1><p class="loading">Loading…</p>`;
  const zone = patrol.data && patrol.data.timezone;
  const from = today && points[0].from;
  // Triage and the problem candidates need no day: they load at once, beside the patrol.
  return html`<h1>Manager's dashboard</h1>
    ${patrol.error && html`<p class="error" role="alert">${formError(patrol.error, [])}</p>`}
    ${!today && !patrol.error && html`<p class="loading">Loading…</p>`}
    ${today && html`<div class="dash-period">
        <label for="dash-range">Period</label>
        <select id="dash-range" value=${rangeKey} onChange=${(e) => setRangeKey(e.currentTarget.value)}>
          ${Object.entries(RANGES).map(([key, r]) => html`<option value=${key} key=${key}>${r.label}</option>`)}
        </select>
        <p class="hint">From ${dayWords(from)} to ${dayWords(today)} (${zone}); open tickets as of now.</p>
      </div>
      <${PatrolSummary} digest=${patrol.data} />
      <${KeyFigures} from=${from} to=${today} trend=${trend} />`}
    <div class="dash-grid">
      ${today && html`<${SlaTrend} key="trend" points=${points} unit=${RANGES[rangeKey].unit} trend=${trend} />
        <${Backlog} key="backlog" from=${from} to=${today} />
        <${BreachesByService} key="breaches" from=${from} to=${today} />
        <${AgentLoad} key="agents" from=${from} to=${today} />`}
      <${Triage} key="triage" />
      <${Candidates} key="candidates" />
      ${today && html`<${ChangesThisWeek} key="changes" today=${today} zone=${zone} />`}
    </div>`;
}

function PatrolSummary({ digest }) {
  const shown = digest.sections.filter((s) => s.count);
  return html`<section class="card patrol-summary" aria-labelledby="patrol-summary-title">
    <h2 id="patrol-summary-title">Morning patrol of ${dayWords(digest.patrol_date)}</h2>
    <p>${digest.ticket_count} ticket${digest.ticket_count === 1 ? "" : "s"} to look at;
      ${" "}${digest.management_brief.length} to brief management on.</p>
    ${shown.length > 0 && html`<ul class="counts">${shown.map((s) => html`<li key=${s.key}>${s.title}: <strong>${s.count}</strong></li>`)}</ul>`}
    <p><a href="#/dashboard/patrol">Open the morning patrol</a></p>
  </section>`;
}

function KeyFigures({ from, to, trend }) {
  const measures = useAnswer(report("measures", from, to));
  return html`<section class="key-figures" aria-labelledby="key-figures-title">
    <h2 id="key-figures-title" class="sr-only">Key figures</h2>
    <${Loading} state=${measures}>${(m) => {
      const row = m.rows[0] || { opened: 0, resolved: 0, backlog: { total: 0 }, time_to_resolve: {}, fcr_rate: null, reopen_rate: null };
      const met = (clock) => (trend.data ? percent(compliance(trend.data, clock)) : "…");
      return html`<dl class="tiles">
        <div class="tile"><dt>Opened</dt><dd data-figure="opened">${row.opened}</dd></div>
        <div class="tile"><dt>Resolved</dt><dd data-figure="resolved">${row.resolved}</dd></div>
        <div class="tile"><dt>Open now</dt><dd data-figure="backlog">${row.backlog.total}</dd></div>
        <div class="tile"><dt>Median time to resolve</dt><dd>${duration(row.time_to_resolve.median_s)}</dd></div>
        <div class="tile"><dt>First response on time</dt><dd data-figure="first-response">${met("first_response")}</dd></div>
        <div class="tile"><dt>Resolution on time</dt><dd data-figure="resolution">${met("resolution")}</dd></div>
        <div class="tile"><dt>Resolved at first contact</dt><dd>${percent(row.fcr_rate)}</dd></div>
        <div class="tile"><dt>Reopened</dt><dd>${percent(row.reopen_rate)}</dd></div>
      </dl>`;
    }}<//>
  </section>`;
}

// -- SLA compliance over time ----------------------------------------------------------------

const CLOCKS = [["first_response", "First response"], ["resolution", "Resolution"]];

// The compliance of ``clock`` over the points' answers together: met / (met + breached) of the
// clocks decided in any of them (a clock is decided on one day), or null when none was.
export function compliance(answers, clock) {
  let met = 0;
  let breached = 0;
  for (const answer of answers) {
    for (const row of answer.rows) if (row.clock === clock) { met += row.met; breached += row.breached; }
  }
  return met + breached ? met / (met + breached) : null;
}

// Compliance per point and clock: met / (met + breached) of the clocks decided in it.
export function trendOf(points, answers) {
  return CLOCKS.map(([clock, label]) => {
    const rows = answers.map((a) => a.rows.find((r) => r.clock === clock) || { met: 0, breached: 0, compliance: null });
    return { clock, label, rows, values: rows.map((r) => (r.compliance === null ? null : Math.round(r.compliance * 1000) / 10)) };
  });
}

function trendSummary(points, series, unit) {
  const parts = series.map((s) => {
    const known = s.values.map((v, i) => [v, points[i]]).filter(([v]) => v !== null);
    if (!known.length) return `${s.label}: no clock decided`;
    const [last, point] = known[known.length - 1];
    const low = known.reduce((a, b) => (b[0] < a[0] ? b : a));
    return `${s.label}: ${last}% in the ${point.label}, lowest ${low[0]}% in the ${low[1].label}`;
  });
  return `SLA compliance per ${unit} from the ${points[0].label} to the ${points[points.length - 1].label}. ${parts.join(". ")}.`;
}

function SlaTrend({ points, unit, trend }) {
  return html`<${Section} id="sla-trend" title="SLA compliance over time" wide=${true}>
    <${Loading} state=${trend}>${(answers) => {
      const series = trendOf(points, answers);
      return html`<${TrendChart} id="sla-trend-chart" caption=${`Share of clocks met, per ${unit} (the clocks decided in it)`}
        summary=${trendSummary(points, series, unit)} days=${points.map((p) => p.from)}
        series=${series} range=${[0, 100]} format=${(v) => `${v}%`}
        table=${{
          caption: "The figures as a table",
          columns: [unit === "day" ? "Day" : "Week", ...series.map((s) => `${s.label} met`)],
          rows: points.map((p, i) => [p.label, ...series.map((s) => (s.values[i] === null ? "no clock decided"
            : `${s.values[i]}% (${s.rows[i].met} of ${s.rows[i].met + s.rows[i].breached})`))]),
        }} />`;
    }}<//>
  <//>`;
}

// -- backlog by age and priority -------------------------------------------------------------

const AGE_BANDS = [["<1d", "under 1 day"], ["1-3d", "1 to 3 days"], ["3-7d", "3 to 7 days"], ["7-30d", "7 to 30 days"], [">30d", "over 30 days"]];

function Backlog({ from, to }) {
  const answer = useAnswer(report("measures", from, to, "priority"));
  return html`<${Section} id="backlog" title="Backlog by age and priority">
    <${Loading} state=${answer}>${(m) => {
      const rows = m.rows.filter((r) => r.backlog.total > 0).map((r) => ({
        key: r.key, label: r.key === "(none)" ? "no priority" : r.key,
        values: Object.fromEntries(AGE_BANDS.map(([band]) => [band, r.backlog[band]])),
      }));
      const total = rows.reduce((a, r) => a + AGE_BANDS.reduce((b, [band]) => b + r.values[band], 0), 0);
      const oldest = AGE_BANDS.filter(([band]) => rows.some((r) => r.values[band])).pop();
      const summary = `Open tickets by priority and age: ${total} open. `
        + rows.map((r) => `${r.label}: ${AGE_BANDS.map(([band, words]) => `${r.values[band]} ${words}`).join(", ")}`).join("; ")
        + (oldest ? `. The oldest are ${oldest[1]} old.` : ".");
      return html`<${BarChart} id="backlog-chart" caption="Open tickets per priority, by how long they have been open"
        summary=${summary} rows=${rows} keyHeading="Priority" empty="No ticket is open."
        series=${AGE_BANDS.map(([key, label]) => ({ key, label }))} />`;
    }}<//>
  <//>`;
}

// -- breaches by service ---------------------------------------------------------------------

function BreachesByService({ from, to }) {
  const answer = useAnswer(report("sla", from, to, "service"));
  return html`<${Section} id="breaches" title="Breaches by service">
    <${Loading} state=${answer}>${(s) => {
      const byService = new Map();
      for (const r of s.rows) {
        if (!byService.has(r.key)) byService.set(r.key, { key: r.key, label: r.key === "(none)" ? "no service" : r.key, values: {} });
        byService.get(r.key).values[r.clock] = (byService.get(r.key).values[r.clock] || 0) + r.breached;
      }
      const total = (row) => CLOCKS.reduce((a, [clock]) => a + (row.values[clock] || 0), 0);
      const rows = [...byService.values()].filter((row) => total(row) > 0).sort((a, b) => total(b) - total(a) || a.key.localeCompare(b.key));
      const summary = `Breached SLA clocks per service: ${rows.map((r) => `${r.label} ${total(r)} (${CLOCKS.map(([c, l]) => `${l.toLowerCase()} ${r.values[c] || 0}`).join(", ")})`).join("; ")}.`;
      return html`<${BarChart} id="breaches-chart" caption="Clocks breached in the period, per service"
        summary=${summary} rows=${rows} keyHeading="Service" empty="No clock breached in this period."
        series=${CLOCKS.map(([key, label]) => ({ key, label }))} />`;
    }}<//>
  <//>`;
}

// -- load per agent --------------------------------------------------------------------------

function AgentLoad({ from, to }) {
  const answer = useAnswer(report("measures", from, to, "agent"));
  return html`<${Section} id="agents" title="Load per agent">
    <${Loading} state=${answer}>${(m) => {
      const agents = m.rows.filter((r) => r.key !== "(none)" && (r.handled || r.resolved))
        .sort((a, b) => b.handled - a.handled || b.resolved - a.resolved || a.key.localeCompare(b.key));
      const rows = agents.map((r) => ({ key: r.key, label: r.key, values: { handled: r.handled, resolved: r.resolved } }));
      const summary = `Tickets assigned to and resolved by each agent: ${agents.map((r) => `${r.key} ${r.handled} assigned, ${r.resolved} resolved`).join("; ")}.`;
      return html`<${BarChart} id="agents-chart" caption="Tickets assigned to each agent, and resolved by them, in the period"
        summary=${summary} rows=${rows} keyHeading="Agent" empty="No ticket was assigned or resolved in this period."
        series=${[{ key: "handled", label: "assigned" }, { key: "resolved", label: "resolved" }]} grouped=${true} />`;
    }}<//>
  <//>`;
}

// -- triage ----------------------------------------------------------------------------------

function Triage() {
  const answer = useAnswer("triage?limit=25");
  return html`<${Section} id="triage" title="Awaiting triage">
    <${Loading} state=${answer}>${(t) => (t.tickets.length
      ? html`<ul class="entries">${t.tickets.map((ticket) => html`<li key=${ticket.number}>
          ${ticketLink(ticket.number)} <span class="badge">${ticket.priority}</span> ${ticket.title}
          <span class="hint"> opened ${ticketTime(ticket, "created_at")}${ticket.triage_reasons && ticket.triage_reasons.length ? `: ${ticket.triage_reasons[0]}` : ""}</span>
        </li>`)}</ul>${t.cursor && html`<p class="hint">More are waiting than shown here.</p>`}`
      : html`<p class="all-well">Nothing awaits triage.</p>`)}<//>
  <//>`;
}

// -- problem candidates ----------------------------------------------------------------------

function Candidates() {
  const answer = useAnswer("problems/candidates");
  return html`<${Section} id="candidates" title="Problem candidates">
    <${Loading} state=${answer}>${(c) => (c.candidates.length
      ? html`<ul class="entries">${c.candidates.map((cand) => html`<li key=${cand.id}>
          <strong>${cand.why.reason}</strong>
          ${cand.why.shared_words.length > 0 && html`<span class="hint"> (shared words: ${cand.why.shared_words.join(", ")})</span>`}
          <span class="links">${cand.incidents.map((n, i) => html`${i ? ", " : " "}${ticketLink(n)}`)}</span>
        </li>`)}</ul>`
      : html`<p class="all-well">No incidents look alike right now.</p>`)}<//>
  <//>`;
}

// -- changes this week -----------------------------------------------------------------------

function ChangesThisWeek({ today, zone }) {
  const monday = mondayOf(today);
  const path = useMemo(() => `changes/calendar?${new URLSearchParams({
    from: zonedMidnight(monday, zone), to: zonedMidnight(addDays(monday, 7), zone),
  })}`, [monday, zone]);
  const answer = useAnswer(path);
  return html`<${Section} id="changes" title=${`Changes this week (from ${dayWords(monday)})`}>
    <${Loading} state=${answer}>${(cal) => html`
      ${cal.changes.length
        ? html`<ul class="entries">${cal.changes.map((c) => html`<li key=${c.number}>
            ${ticketLink(c.number)} <span class="badge">${statusWords(c.status)}</span>${" "}
            ${readerTime(c.window.start, zone)} to ${readerTime(c.window.end, zone)}
            <span class="hint"> on ${c.services.join(", ")}</span></li>`)}</ul>`
        : html`<p>No change is scheduled this week.</p>`}
      ${cal.freezes.length > 0 && html`<p><strong>Change freezes:</strong></p><ul class="entries">${cal.freezes.map((f) => html`<li key=${f.name}>
          ${f.name}: ${readerTime(f.start, zone)} to ${readerTime(f.end, zone)}</li>`)}</ul>`}`}<//>
  <//>`;
}

// -- the morning patrol as a page ------------------------------------------------------------

export function PatrolPage() {
  const ready = useStylesheets(STYLES);
  const [day, setDay] = useState("");
  const answer = useAnswer(day ? `reports/patrol?${new URLSearchParams({ date: day })}` : "reports/patrol");
  const digest = answer.data;
  return html`<h1>Morning patrol${digest ? ` of ${dayWords(digest.patrol_date)}` : ""}</h1>
    <p><a href="#/dashboard">Back to the dashboard</a></p>
    <div class="dash-period">
      <label for="patrol-date">Patrol of the day</label>
      <input id="patrol-date" type="date" value=${day || (digest ? digest.patrol_date : "")}
        onChange=${(e) => e.currentTarget.value && setDay(e.currentTarget.value)} />
    </div>
    ${!ready ? html`<p class="loading">Loading…</p>` : html`<${Loading} state=${answer}>${(d) => html`<${PatrolDigest} digest=${d} />`}<//>`}`;
}

function PatrolDigest({ digest }) {
  const full = digest.sections.filter((s) => s.count);
  const empty = digest.sections.filter((s) => !s.count);
  const zone = digest.timezone;
  return html`<p>${digest.ticket_count} ticket${digest.ticket_count === 1 ? "" : "s"} to look at
      ${digest.previous_patrol ? ` since the last patrol (${readerTime(digest.previous_patrol, zone)})` : ""}.
      <span class="hint"> Made ${readerTime(digest.generated_at, zone)}.</span></p>
    <section class="card patrol-section" aria-labelledby="brief-title">
      <h2 id="brief-title">Brief management (${digest.management_brief.length})</h2>
      ${digest.management_brief.length
        ? html`<ul class="entries">${digest.management_brief.map((b) => html`<li key=${b.number}>
            ${ticketLink(b.number)} <span class="badge">${b.priority}</span> ${b.title}
            <span class="hint">: ${b.reasons.join("; ")}</span></li>`)}</ul>`
        : html`<p class="all-well">Nothing to brief management on.</p>`}
    </section>
    ${full.map((s) => html`<section class="card patrol-section" key=${s.key} aria-labelledby=${"patrol-" + s.key}>
      <h2 id=${"patrol-" + s.key}>${s.title} (${s.count})</h2>
      <ul class="entries">${s.entries.map((e) => html`<li key=${e.number}>
        ${ticketLink(e.number)} <span class="badge">${e.priority}</span> ${e.title}
        ${e.brief_management && html` <span class="badge brief">brief management</span>`}
        <span class="reason">${e.reason}</span></li>`)}</ul>
    </section>`)}
    ${empty.length > 0 && html`<p class="hint">Nothing in: ${empty.map((s) => s.title).join(", ")}.</p>`}
    <section class="card patrol-section" aria-labelledby="patrol-candidates">
      <h2 id="patrol-candidates">New problem candidates (${digest.problem_candidates.length})</h2>
      ${digest.problem_candidates.length
        ? html`<ul class="entries">${digest.problem_candidates.map((c) => html`<li key=${c.id}>
            ${(c.why && c.why.reason) || c.id}: ${(c.incidents || []).map((n, i) => html`${i ? ", " : ""}${ticketLink(n)}`)}</li>`)}</ul>`
        : html`<p class="all-well">None.</p>`}
    </section>`;
}

