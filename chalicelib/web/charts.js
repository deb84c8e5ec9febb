// Charts for the pages. Bars are small SVG drawn as Preact elements (html``, never markup built
// from text); time series are drawn by the vendored uPlot on a canvas. Every chart carries its
// text alternative: an aria-label that says in words what it shows, and its figures as a table.
import { html, useState, useEffect, useRef } from "./client.js";

const UPLOT_SCRIPT = "ui/vendor/uplot-1.6.32.iife.min.js";
const UPLOT_STYLE = "ui/vendor/uplot-1.6.32.min.css";

// Line colours of the time series (a canvas needs them as values), each also drawn differently
// (solid, dashed) so that colour is never the only difference.
const LINES = [
  { stroke: "#0b57d0", dash: undefined },
  { stroke: "#a04a00", dash: [6, 4] },
  { stroke: "#1e6b3a", dash: [2, 3] },
];
const AXIS_INK = "#4d5560";
const DAY_LABEL = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", day: "numeric", month: "short" });
const GRID = "#e3e6ea";

const loading = new Map();

function once(key, start) {
  if (!loading.has(key)) {
    const started = start().catch((err) => { loading.delete(key); throw err; });
    loading.set(key, started);
  }
  return loading.get(key);
}

// Adds a stylesheet of this origin to the page once; resolves when it has loaded.
export function stylesheet(href) {
  return once(href, () => new Promise((resolve, reject) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.addEventListener("load", () => resolve(), { once: true });
    link.addEventListener("error", () => { link.remove(); reject(new Error(`${href} did not load`)); }, { once: true });
    document.head.append(link);
  }));
}

// uPlot, loaded once when a chart first needs it. The package publishes its minified build as a
// classic script that defines the global ``uPlot``; a script element of this origin runs it
// under the pages' policy (script-src 'self').
export function loadUplot() {
  return once(UPLOT_SCRIPT, () => Promise.all([
    stylesheet(UPLOT_STYLE),
    new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = UPLOT_SCRIPT;
      script.addEventListener("load", () => resolve(window.uPlot), { once: true });
      script.addEventListener("error", () => { script.remove(); reject(new Error("the chart module did not load")); }, { once: true });
      document.head.append(script);
    }),
  ]).then(([, uPlot]) => uPlot));
}

// True once every stylesheet in ``hrefs`` has loaded (a screen waits for its own styles).
export function useStylesheets(hrefs) {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let gone = false;
    Promise.all(hrefs.map(stylesheet)).then(() => !gone && setReady(true), () => !gone && setReady(true));
    return () => { gone = true; };
  }, []);
  return ready;
}

// -- the figures as a table --------------------------------------------------------------------

// A chart's figures: ``columns`` (their headings) and ``rows`` [[cell, ...]] (cells are text or
// elements; the first is the row's heading), for the chart named ``label``. Folded under
// ``caption`` so the page stays short; a narrow screen scrolls the table, not the page.
export function FigureTable({ caption, label, columns, rows }) {
  return html`<details class="figures">
    <summary>${caption}</summary>
    <div class="table-scroll" tabindex="0" role="region" aria-label=${`${label}: the figures`}>
      <table class="figures-table">
        <thead><tr>${columns.map((c) => html`<th scope="col" key=${c}>${c}</th>`)}</tr></thead>
        <tbody>${rows.map((row, r) => html`<tr key=${r}>
          ${row.map((cell, i) => (i === 0 ? html`<th scope="row" key=${i}>${cell}</th>` : html`<td key=${i}>${cell}</td>`))}
        </tr>`)}</tbody>
      </table>
    </div>
  </details>`;
}

// -- bars ------------------------------------------------------------------------------------

const sum = (values) => values.reduce((a, b) => a + (b || 0), 0);

// Horizontal bars, one row per item. ``rows``: [{key, label, values: {series key: count}}];
// ``series``: [{key, label}], coloured by position (class series-0, series-1...). Stacked by
// default (the parts of one whole, with its total); ``grouped``: one bar per series (figures
// that are not parts of a whole), with each figure. Row labels and figures are text; each bar
// is an SVG of rectangles scaled to the largest; ``summary`` is the chart's accessible name,
// and the table under it holds every figure.
export function BarChart({ id, caption, summary, rows, series, keyHeading, empty, grouped = false }) {
  if (!rows.length) return html`<p class="hint">${empty}</p>`;
  const figure = (row, s) => row.values[s.key] || 0;
  const total = (row) => sum(series.map((s) => figure(row, s)));
  const largest = Math.max(1, ...rows.map((row) => (grouped ? Math.max(...series.map((s) => figure(row, s))) : total(row))));
  const height = grouped ? 5 * series.length : 10;
  const totals = !grouped && series.length > 1;
  return html`<figure class="chart" aria-labelledby=${id + "-caption"}>
    <figcaption id=${id + "-caption"}>${caption}</figcaption>
    <div class="bars" role="img" aria-label=${summary} id=${id}>
      ${rows.map((row) => {
        let x = 0;
        return html`<div class=${grouped ? "bar-row grouped" : "bar-row"} key=${row.key}>
          <span class="bar-label">${row.label}</span>
          <svg class="bar" viewBox=${`0 0 100 ${height}`} preserveAspectRatio="none" aria-hidden="true" focusable="false">
            ${series.map((s, i) => {
              const value = figure(row, s);
              const width = (100 * value) / largest;
              const at = grouped ? 0 : x;
              if (!grouped) x += width;
              return value ? html`<rect key=${s.key} class=${"series-" + i} x=${at} y=${grouped ? 5 * i : 0}
                width=${width} height=${grouped ? 4.5 : 10}><title>${row.label}, ${s.label}: ${value}</title></rect>` : null;
            })}
          </svg>
          <span class="bar-total">${grouped ? series.map((s) => figure(row, s)).join(" / ") : total(row)}</span>
        </div>`;
      })}
    </div>
    ${series.length > 1 && html`<ul class="legend">${series.map((s, i) => html`<li key=${s.key}>
      <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false"><rect class=${"series-" + i} width="10" height="10" /></svg>
      ${s.label}</li>`)}${grouped && html`<li>(figures: ${series.map((s) => s.label).join(" / ")})</li>`}</ul>`}
    <${FigureTable} caption="The figures as a table" label=${caption}
      columns=${[keyHeading, ...series.map((s) => s.label), ...(totals ? ["total"] : [])]}
      rows=${rows.map((row) => [row.label, ...series.map((s) => figure(row, s)), ...(totals ? [total(row)] : [])])} />
  </figure>`;
}

// -- time series -----------------------------------------------------------------------------

// Lines over days: ``days`` are ISO dates (each point's first day), ``series`` [{label, values}]
// with a number or null (no figure: a gap) per day; ``format`` writes a value for the axis.
// uPlot draws it on a canvas once loaded and follows the container's width; the container's
// ``summary`` is its accessible name, and ``table`` (a FigureTable's props) its figures.
export function TrendChart({ id, caption, summary, days, series, range, format, table }) {
  const box = useRef(null);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    let chart = null;
    let observer = null;
    let gone = false;
    loadUplot().then((uPlot) => {
      if (gone || !box.current) return;
      const widthOf = () => Math.max(200, Math.floor(box.current.clientWidth));
      const xs = days.map((d) => Date.parse(d + "T00:00:00Z") / 1000);
      const step = xs.length > 1 ? xs[1] - xs[0] : 86400;
      // One label per point where they fit (about 64 px each), else every second, third...
      const splits = (u) => {
        const every = Math.max(1, Math.ceil((xs.length * 64) / Math.max(1, u.bbox.width / devicePixelRatio)));
        return xs.filter((_, i) => (xs.length - 1 - i) % every === 0);
      };
      chart = new uPlot({
        width: widthOf(),
        height: 220,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        // The points are days, not instants: read them as dates, in no zone.
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
        scales: {
          x: { time: true, range: () => [xs[0] - step / 2, xs[xs.length - 1] + step / 2] },
          y: { range: () => range },
        },
        axes: [
          { stroke: AXIS_INK, grid: { stroke: GRID }, ticks: { stroke: GRID }, splits,
            values: (u, ticks) => ticks.map((t) => DAY_LABEL.format(new Date(t * 1e3))) },
          { stroke: AXIS_INK, grid: { stroke: GRID }, ticks: { stroke: GRID }, size: 56, values: (u, ticks) => ticks.map(format) },
        ],
        // Points shrink from one series to the next, so equal figures stay visible.
        series: [{}, ...series.map((s, i) => ({
          label: s.label, stroke: LINES[i % LINES.length].stroke, dash: LINES[i % LINES.length].dash, width: 2,
          points: { show: true, size: 11 - 4 * i, fill: LINES[i % LINES.length].stroke }, spanGaps: false,
        }))],
      }, [xs, ...series.map((s) => s.values)], box.current);
      let width = widthOf();
      observer = new ResizeObserver(() => {
        if (widthOf() !== width) { width = widthOf(); chart.setSize({ width, height: 220 }); }
      });
      observer.observe(box.current);
    }, (err) => !gone && setProblem(err));
    return () => {
      gone = true;
      if (observer) observer.disconnect();
      if (chart) chart.destroy();
    };
  }, [JSON.stringify([days, series.map((s) => [s.label, s.values])])]);  // drawn again only when the figures change
  return html`<figure class="chart" aria-labelledby=${id + "-caption"}>
    <figcaption id=${id + "-caption"}>${caption}</figcaption>
    <ul class="legend">${series.map((s, i) => html`<li key=${s.label}>
      <svg class="swatch" viewBox="0 0 20 10" aria-hidden="true" focusable="false">
        <line x1="0" y1="5" x2="20" y2="5" stroke=${LINES[i % LINES.length].stroke} stroke-width="2"
          stroke-dasharray=${LINES[i % LINES.length].dash ? LINES[i % LINES.length].dash.join(" ") : undefined} /></svg>
      ${s.label}</li>`)}</ul>
    ${problem ? html`<p class="error" role="alert">${String(problem.message || problem)}</p>`
      : html`<div class="trend" ref=${box} role="img" aria-label=${summary} id=${id}></div>`}
    <${FigureTable} label=${caption} ...${table} />
  </figure>`;
}

// -- words for figures -----------------------------------------------------------------------

// A fraction as a percentage ("93.3%"), or "no figure" for null.
export function percent(fraction) {
  return fraction === null || fraction === undefined ? "no figure" : `${Math.round(fraction * 1000) / 10}%`;
}

// A number of seconds in words: "45 s", "12 min", "3 h 20 min", "2 d 4 h".
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "no figure";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}
