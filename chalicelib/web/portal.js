// The requester portal: the start page (what is known broken, the three processes), one form per
// process, "my tickets" and a ticket's page. Every value shown comes from the desk's JSON API;
// user-written text is always rendered as text (Preact text nodes, never markup).
import {
  html, useState, useEffect, useMemo, api, uploadFile, fieldError, formError, readerTime, ticketTime,
  PROCESSES, statusWords, slaWords, dueAt, MOVE_WORDS,
} from "./client.js";

// -- the banner: what is already known to be broken ------------------------------------------

export function KnownBroken() {
  const [issues, setIssues] = useState(null);
  useEffect(() => {
    api("GET", "portal/known-broken").then((a) => setIssues(a.issues), () => setIssues([]));
  }, []);
  if (issues === null) return null;
  if (!issues.length) return html`<p class="all-well">Nothing is known to be broken right now.</p>`;
  return html`<section class="banner" aria-labelledby="known-title">
    <h2 id="known-title">Known problems right now</h2>
    <ul>${issues.map((i) => html`<li key=${i.kind + i.service}>${i.summary} <span class="since">Since ${i.since_local.replace(/\s*\([^)]*\)$/, "")}.</span></li>`)}</ul>
    <p>The desk is already on these: no need to report them again.</p>
  </section>`;
}

// -- what may already answer it: known errors and public answers ------------------------------

function useSuggestions(text, service) {
  const [found, setFound] = useState(null);
  useEffect(() => {
    const q = text.trim();
    if (q.length < 8) { setFound(null); return undefined; }
    const timer = setTimeout(() => {
      const params = new URLSearchParams({ q });
      if (service) params.set("service", service);
      api("GET", `portal/suggestions?${params}`).then(setFound, () => setFound(null));
    }, 400);
    return () => clearTimeout(timer);
  }, [text, service]);
  return found;
}

export function Suggestions({ found, heading }) {
  if (!found || (!found.known_errors.length && !found.articles.length)) return null;
  return html`<section class="suggestions" aria-live="polite" aria-labelledby="suggestions-title">
    <h2 id="suggestions-title">${heading}</h2>
    ${found.known_errors.length > 0 && html`<ul class="known-errors">${found.known_errors.map((k) => html`<li key=${k.title}>
      <strong>${k.title}</strong>${k.workaround && html`<span> Until it is fixed: ${k.workaround}</span>`}</li>`)}</ul>`}
    ${found.articles.length > 0 && html`<ul class="articles">${found.articles.map((a) => html`<li key=${a.name}>
      <strong>${a.question}</strong> <span>${a.answer}</span></li>`)}</ul>`}
  </section>`;
}

function AnswerSearch() {
  const [text, setText] = useState("");
  const found = useSuggestions(text, "");
  return html`<section class="card answer-search">
    <label for="answer-search">Search the answers we already have</label>
    <input id="answer-search" type="search" value=${text} placeholder="e.g. reset my password"
      onInput=${(ev) => setText(ev.currentTarget.value)} />
    <${Suggestions} found=${found} heading="What we already know" />
  </section>`;
}

export function StartPage() {
  return html`<${KnownBroken} />
    <${AnswerSearch} />
    <h1>How can we help?</h1>
    <ul class="processes">
      ${Object.entries(PROCESSES).map(([type, p]) => html`<li key=${type}>
        <a class="process" href=${`#/new/${type}`}>
          <span class="process-title">${p.title}</span>
          <span class="process-word">${p.short} (${p.word})</span>
        </a></li>`)}
    </ul>
    <p><a href="#/tickets">See my tickets</a></p>`;
}

// -- one form per process --------------------------------------------------------------------

const LEVELS = ["high", "medium", "low"];
const FORMS = {
  incident: {
    heading: "Something we promised is not working",
    intro: "Tell us what is broken. We answer urgent problems first.",
    title: ["What is not working?", "One line, e.g. \u201cVPN drops every few minutes\u201d."],
    description: ["What happens?", "What you see, since when, what you tried, any error message."],
    service: "Which service is not working?",
    impact: ["Who is affected?", { high: "Many people: a whole team, site or customers", medium: "A few people, or one important task", low: "Only me" }],
    urgency: ["How much does it stop the work?", { high: "Work has stopped and cannot wait", medium: "Work is slowed; there is a way around it for now", low: "A nuisance; it can wait" }],
  },
  service_request: {
    heading: "I need information or routine work",
    intro: "Ask for access, equipment, information or a routine task.",
    title: ["What do you need?", "One line, e.g. \u201cAccess to the finance share\u201d."],
    description: ["Details", "What exactly, for whom, and by when."],
    service: "Which service is it about?",
    impact: ["Who needs it?", { high: "A large part of the company", medium: "My team", low: "Just me" }],
    urgency: ["When is it needed?", { high: "Today: work waits on it", medium: "This week", low: "No hurry" }],
  },
  change_request: {
    heading: "I need something new or changed",
    intro: "Propose something new or a change to what exists. The implementing team plans, approves and schedules it.",
    title: ["What should be new or changed?", "One line, e.g. \u201cUpgrade the ERP database\u201d."],
    description: ["What change, and why does the business need it?", "What should change, the benefit or the cost of not doing it, and any date it must meet."],
    service: "Which service would change?",
    impact: ["Who will the change touch?", { high: "Many people or a critical system", medium: "One team or system", low: "Few people" }],
    urgency: ["By when is it needed?", { high: "As soon as possible: business is held up", medium: "Within weeks", low: "Whenever it fits" }],
  },
};

function Field({ id, label, hint, error, children }) {
  return html`<div class=${error ? "field has-error" : "field"}>
    <label for=${id}>${label}</label>
    ${hint && html`<p class="hint" id=${id + "-hint"}>${hint}</p>`}
    ${children}
    ${error && html`<p class="field-error" id=${id + "-error"}>${error}</p>`}
  </div>`;
}

function described(id, hint, error) {
  return [hint && id + "-hint", error && id + "-error"].filter(Boolean).join(" ") || undefined;
}

// Plain-word choice of impact or urgency; "not sure" leaves it to the desk.
function LevelChoice({ name, legend, words, value, onChange, error }) {
  return html`<fieldset class=${error ? "choice has-error" : "choice"}>
    <legend>${legend}</legend>
    ${LEVELS.map((level) => html`<label class="option" key=${level}>
      <input type="radio" name=${name} value=${level} checked=${value === level} onChange=${() => onChange(level)} />
      ${words[level]}</label>`)}
    <label class="option"><input type="radio" name=${name} value="" checked=${!value} onChange=${() => onChange("")} />
      I am not sure</label>
    ${error && html`<p class="field-error">${error}</p>`}
  </fieldset>`;
}

const OTHER = "__not_in_catalog";

// The catalog search: a filter over the catalog, the matches as choices, "I don't know" (the
// desk decides) and "not in the catalog" (its name is sent and recorded as out of catalog).
function ServicePicker({ legend, value, other, onChange, onOther, error }) {
  const [services, setServices] = useState([]);
  const [query, setQuery] = useState("");
  useEffect(() => { api("GET", "portal/services").then((a) => setServices(a.services), () => setServices([])); }, []);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    const hits = services.filter((s) => !q || [s.title, s.name, s.description, ...s.aliases].some((t) => (t || "").toLowerCase().includes(q)));
    const top = hits.slice(0, 8);
    const chosen = services.find((s) => s.name === value);
    return chosen && !top.includes(chosen) ? [chosen, ...top] : top;
  }, [services, query, value]);
  return html`<fieldset class=${error ? "choice has-error" : "choice"}>
    <legend>${legend}</legend>
    <label for="service-search">Search the service catalog</label>
    <input id="service-search" type="search" value=${query} onInput=${(e) => setQuery(e.currentTarget.value)} autocomplete="off" />
    <div class="services" aria-live="polite">
      ${shown.map((s) => html`<label class="option" key=${s.name}>
        <input type="radio" name="service" value=${s.name} checked=${value === s.name} onChange=${() => onChange(s.name)} />
        <span><strong>${s.title}</strong>${s.description ? html` <span class="hint">${s.description}</span>` : ""}</span></label>`)}
      ${!shown.length && html`<p class="hint">No service matches \u201c${query}\u201d.</p>`}
    </div>
    <label class="option"><input type="radio" name="service" value="" checked=${!value} onChange=${() => onChange("")} />
      I don't know: let the desk find it</label>
    <label class="option"><input type="radio" name="service" value=${OTHER} checked=${value === OTHER} onChange=${() => onChange(OTHER)} />
      It is not in the catalog</label>
    ${value === OTHER && html`<label for="service-other">What is it called?</label>
      <input id="service-other" value=${other} onInput=${(e) => onOther(e.currentTarget.value)} />`}
    ${error && html`<p class="field-error">${error}</p>`}
  </fieldset>`;
}

export function NewTicketPage({ params }) {
  const type = params[0];
  const form = FORMS[type];
  const [values, setValues] = useState({ title: "", description: "", service: "", other: "", impact: "", urgency: "" });
  const [files, setFiles] = useState([]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(() => crypto.randomUUID());
  const set = (name) => (value) => setValues((v) => ({ ...v, [name]: value }));
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const body = { type, title: values.title, description: values.description };
    const service = values.service === OTHER ? values.other.trim() : values.service;
    if (service) body.service = service;
    if (values.impact) body.impact = values.impact;
    if (values.urgency) body.urgency = values.urgency;
    try {
      const ticket = await api("POST", "tickets", body, { "Idempotency-Key": key });
      for (const file of files) await uploadFile(ticket.number, file);
      location.hash = `#/tickets/${ticket.number}`;
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }
  const e = (f) => fieldError(error, f);
  const typed = `${values.title}\n${values.description}`;
  const found = useSuggestions(typed, values.service === OTHER ? "" : values.service);
  return html`<h1>${form.heading}</h1>
    <p>${form.intro}</p>
    <form class="card ticket-form" onSubmit=${submit} novalidate>
      <${Field} id="title" label=${form.title[0]} hint=${form.title[1]} error=${e("title")}>
        <input id="title" name="title" maxlength="200" required value=${values.title}
          aria-describedby=${described("title", form.title[1], e("title"))} aria-invalid=${e("title") ? "true" : "false"}
          onInput=${(ev) => set("title")(ev.currentTarget.value)} />
      <//>
      <${Field} id="description" label=${form.description[0]} hint=${form.description[1]} error=${e("description")}>
        <textarea id="description" name="description" rows="6" required value=${values.description}
          aria-describedby=${described("description", form.description[1], e("description"))} aria-invalid=${e("description") ? "true" : "false"}
          onInput=${(ev) => set("description")(ev.currentTarget.value)}></textarea>
      <//>
      <${Suggestions} found=${found} heading="This may already be known" />
      <${ServicePicker} legend=${form.service} value=${values.service} other=${values.other}
        onChange=${set("service")} onOther=${set("other")} error=${e("service")} />
      <p class="hint">How widely and how badly it matters sets the priority, and so how fast the desk answers.
        Say what it costs the business in your description; the desk may correct these.</p>
      <${LevelChoice} name="impact" legend=${form.impact[0]} words=${form.impact[1]} value=${values.impact} onChange=${set("impact")} error=${e("impact")} />
      <${LevelChoice} name="urgency" legend=${form.urgency[0]} words=${form.urgency[1]} value=${values.urgency} onChange=${set("urgency")} error=${e("urgency")} />
      <${Field} id="files" label="Attach files (optional)" hint="Screenshots, logs, documents: PDF, images, text, CSV, ZIP, Word, Excel." error=${e("content_type") || e("size") || e("filename")}>
        <input id="files" type="file" multiple aria-describedby="files-hint" onChange=${(ev) => setFiles([...ev.currentTarget.files])} />
      <//>
      ${error && html`<p class="error" role="alert">${formError(error, ["title", "description", "service", "impact", "urgency", "content_type", "size", "filename"])}</p>`}
      <button type="submit" disabled=${busy}>Send</button>
    </form>`;
}

// -- my tickets ------------------------------------------------------------------------------

export function MyTicketsPage({ who }) {
  const [tickets, setTickets] = useState(null);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  async function load(after) {
    try {
      const query = new URLSearchParams({ requester: who.user, limit: "25" });
      if (after) query.set("cursor", after);
      const page = await api("GET", `tickets?${query}`);
      setTickets((t) => [...(after ? t || [] : []), ...page.tickets]);
      setCursor(page.cursor);
    } catch (err) {
      setError(err);
    }
  }
  useEffect(() => { load(null); }, []);
  return html`<h1>My tickets</h1>
    ${error && html`<p class="error" role="alert">${formError(error, [])}</p>`}
    ${tickets && !tickets.length && html`<p>You have no tickets yet. <a href="#/">Open one</a>.</p>`}
    ${tickets && tickets.length > 0 && html`<table class="tickets">
      <caption class="sr-only">Your tickets, newest first</caption>
      <thead><tr><th scope="col">Ticket</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Target</th><th scope="col">Due</th></tr></thead>
      <tbody>${tickets.map((t) => html`<tr key=${t.number}>
        <td data-label="Ticket"><a href=${`#/tickets/${t.number}`}>${t.number}</a></td>
        <td data-label="Title">${t.title}</td>
        <td data-label="Status">${statusWords(t.status)}</td>
        <td data-label="Target">${slaWords(t.sla)}</td>
        <td data-label="Due">${readerTime(dueAt(t), t.local_times && t.local_times.zone) || "\u2014"}</td>
      </tr>`)}</tbody></table>`}
    ${cursor && html`<button type="button" onClick=${() => load(cursor)}>Show older tickets</button>`}`;
}

// -- a ticket --------------------------------------------------------------------------------

function Conversation({ ticket, events, zone }) {
  const said = events.filter((e) => (e.kind === "commented" && e.after.visibility === "public") || (e.kind === "status_changed" && e.note));
  return html`<section aria-labelledby="conversation-title">
    <h2 id="conversation-title">Conversation</h2>
    <ol class="conversation">
      <li class="message"><p class="meta">${ticket.requester}, ${readerTime(ticket.created_at, zone)}</p>
        <p class="body">${ticket.description}</p></li>
      ${said.map((e) => html`<li class="message" key=${e.seq}>
        <p class="meta">${e.actor}, ${readerTime(e.at, zone)}${e.kind === "status_changed" ? ` (${statusWords(e.after.status)})` : ""}</p>
        <p class="body">${e.kind === "commented" ? e.after.body : e.note}</p></li>`)}
    </ol></section>`;
}

function TextForm({ id, label, submitLabel, required, onSend, fieldName }) {
  const [text, setText] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onSend(text);
      setText("");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const problem = fieldError(error, fieldName, "body", "reason");
  return html`<form class="text-form" onSubmit=${submit} novalidate>
    <label for=${id}>${label}</label>
    <textarea id=${id} rows="3" value=${text} required=${required} aria-invalid=${problem ? "true" : "false"}
      aria-describedby=${problem ? id + "-error" : undefined} onInput=${(e) => setText(e.currentTarget.value)}></textarea>
    ${problem && html`<p class="field-error" id=${id + "-error"}>${problem}</p>`}
    ${error && !problem && html`<p class="error" role="alert">${formError(error, [fieldName])}</p>`}
    <button type="submit" disabled=${busy}>${submitLabel}</button></form>`;
}

function Attachments({ number, files, onChange }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function download(file) {
    try {
      const link = await api("GET", `tickets/${number}/attachments/${file.id}`);
      location.assign(link.url);
    } catch (err) {
      setError(err);
    }
  }
  async function attach(event) {
    const chosen = [...event.currentTarget.files];
    event.currentTarget.value = "";
    setBusy(true);
    setError(null);
    try {
      for (const file of chosen) await uploadFile(number, file);
      onChange();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const problem = fieldError(error, "content_type", "size", "filename");
  return html`<section aria-labelledby="files-title">
    <h2 id="files-title">Files</h2>
    ${files.length ? html`<ul class="files">${files.map((f) => html`<li key=${f.id}>
      <button type="button" class="link" onClick=${() => download(f)}>Download ${f.filename}</button>
      <span class="hint"> ${Math.max(1, Math.round(f.size / 1024))} KB</span></li>`)}</ul>` : html`<p class="hint">No files attached.</p>`}
    <label for="attach">Attach a file</label>
    <input id="attach" type="file" multiple disabled=${busy} onChange=${attach} aria-describedby=${problem ? "attach-error" : undefined} />
    ${problem && html`<p class="field-error" id="attach-error">${problem}</p>`}
    ${error && !problem && html`<p class="error" role="alert">${formError(error, [])}</p>`}
  </section>`;
}

function Moves({ ticket, moves, onMoved }) {
  const [chosen, setChosen] = useState(null);
  const held = ticket.closure_gate && ticket.closure_gate.holds && ticket.closure_gate.confirmed_at;
  if (held) {
    return html`<section aria-labelledby="moves-title"><h2 id="moves-title">What next</h2>
      <p class="held">You confirmed it is resolved. It closes by itself once the problem behind it is fixed.</p>
    </section>`;
  }
  if (!moves.moves.length) return null;
  async function send(reason) {
    const body = { to: chosen.word, version: ticket.version };
    if (reason.trim()) body.reason = reason;
    await api("POST", `tickets/${ticket.number}/transitions`, body);
    setChosen(null);
    onMoved();
  }
  return html`<section aria-labelledby="moves-title"><h2 id="moves-title">What next</h2>
    <div class="moves">${moves.moves.map((m) => html`<button type="button" key=${m.word}
      aria-pressed=${chosen && chosen.word === m.word ? "true" : "false"}
      onClick=${() => setChosen(m)}>${MOVE_WORDS[m.word] || m.word}</button>`)}</div>
    ${chosen && html`<${TextForm} id="move-reason" key=${chosen.word}
      label=${chosen.needs_reason ? "Why? (required)" : "Anything to add? (optional)"}
      submitLabel=${MOVE_WORDS[chosen.word] || chosen.word} required=${chosen.needs_reason} fieldName="reason" onSend=${send} />`}
  </section>`;
}

// -- the requester's rating of a resolution ----------------------------------------------------

const RATING_WORDS = { 1: "very dissatisfied", 2: "dissatisfied", 3: "neutral", 4: "satisfied", 5: "very satisfied" };

// The rating form while the ticket's resolution may be rated (the API's ``can_rate``), else the
// rating given; nothing when there is neither.
function Rating({ number, rating, onRated }) {
  const [score, setScore] = useState(null);
  const [comment, setComment] = useState("");
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  if (!rating.can_rate) {
    const given = rating.rating;
    if (!given) return null;
    return html`<section aria-labelledby="rating-title"><h2 id="rating-title">Your rating</h2>
      <p class="rated">You rated how it was handled ${given.rating} of ${rating.scale.max} (${RATING_WORDS[given.rating] || ""})${given.comment ? `: “${given.comment}”` : ""}. Thank you.</p>
    </section>`;
  }
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { rating: score };
      if (comment.trim()) body.comment = comment;
      await api("POST", `tickets/${number}/rating`, body);
      await onRated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  const scoreProblem = fieldError(error, "rating");
  const commentProblem = fieldError(error, "comment");
  const scale = [];
  for (let n = rating.scale.min; n <= rating.scale.max; n += 1) scale.push(n);
  return html`<section aria-labelledby="rating-title"><h2 id="rating-title">How did we do?</h2>
    <form class="rating-form" onSubmit=${submit} novalidate>
      <fieldset aria-describedby=${scoreProblem ? "rating-error" : undefined}>
        <legend>How satisfied are you with how this was handled? From ${rating.scale.min} (very dissatisfied) to ${rating.scale.max} (very satisfied)</legend>
        ${scale.map((n) => html`<label class="option" key=${n}>
          <input type="radio" name="rating" value=${n} checked=${score === n} onChange=${() => setScore(n)} />
          <span>${n}: ${RATING_WORDS[n] || ""}</span></label>`)}
        ${scoreProblem && html`<p class="field-error" id="rating-error">${scoreProblem}</p>`}
      </fieldset>
      <label for="rating-comment">Anything you want to tell us? (optional)</label>
      <textarea id="rating-comment" rows="3" maxlength=${rating.comment_max} value=${comment}
        aria-invalid=${commentProblem ? "true" : "false"} aria-describedby=${commentProblem ? "rating-comment-error" : undefined}
        onInput=${(e) => setComment(e.currentTarget.value)}></textarea>
      ${commentProblem && html`<p class="field-error" id="rating-comment-error">${commentProblem}</p>`}
      ${error && !scoreProblem && !commentProblem && html`<p class="error" role="alert">${formError(error, ["rating", "comment"])}</p>`}
      <button type="submit" disabled=${busy}>Send my rating</button></form></section>`;
}

export function TicketPage({ params }) {
  const number = params[0];
  const [state, setState] = useState(null);
  const [error, setError] = useState(null);
  async function load() {
    try {
      const [ticket, history, moves, files, rating] = await Promise.all([
        api("GET", `tickets/${number}`),
        api("GET", `tickets/${number}/events`),
        api("GET", `tickets/${number}/moves`),
        api("GET", `tickets/${number}/attachments`),
        api("GET", `tickets/${number}/rating`),
      ]);
      setState({ ticket, events: history.events, moves, files: files.attachments, rating });
    } catch (err) {
      setError(err);
    }
  }
  useEffect(() => { load(); }, [number]);
  if (error && !state) return html`<h1>${number}</h1><p class="error" role="alert">${error.status === 404 ? "There is no such ticket of yours." : formError(error, [])}</p>`;
  if (!state) return html`<p class="loading">Loading ${number}…</p>`;
  const { ticket, events, moves, files, rating } = state;
  const zone = ticket.local_times && ticket.local_times.zone;
  const service = ticket.out_of_catalog
    ? `${ticket.service || "something"} (not in the catalog)`
    : ticket.service || "not decided yet";
  const open = ["open", "waiting"].includes(moves.phase);
  return html`<p><a href="#/tickets">\u2190 My tickets</a></p>
    <h1><span class="number">${ticket.number}</span> ${ticket.title}</h1>
    <dl class="facts">
      <div><dt>Process</dt><dd>${(PROCESSES[ticket.type] || { word: ticket.type }).word}</dd></div>
      <div><dt>Status</dt><dd>${statusWords(ticket.status)}</dd></div>
      <div><dt>Priority</dt><dd>${ticket.priority}</dd></div>
      <div><dt>Service</dt><dd>${service}</dd></div>
      <div><dt>Target</dt><dd>${slaWords(ticket.sla)}</dd></div>
      <div><dt>Due</dt><dd>${readerTime(dueAt(ticket), zone) || "\u2014"}</dd></div>
      <div><dt>Opened</dt><dd>${ticketTime(ticket, "created_at")}</dd></div>
      ${ticket.triage && html`<div><dt>Classification</dt><dd>being checked by the service desk</dd></div>`}
    </dl>
    <${Conversation} ticket=${ticket} events=${events} zone=${zone} />
    ${moves.phase !== "closed" && moves.phase !== "cancelled" && html`<${TextForm} id="reply" label="Your reply" submitLabel="Send reply" required=${true} fieldName="body"
      onSend=${async (text) => { await api("POST", `tickets/${number}/comments`, { body: text, visibility: "public" }); await load(); }} />`}
    <${Moves} ticket=${ticket} moves=${moves} onMoved=${load} />
    <${Rating} number=${number} rating=${rating} onRated=${load} />
    <${Attachments} number=${number} files=${files} onChange=${load} />
    ${open && html`<details class="contest"><summary>This ticket is filed wrongly</summary>
      <p class="hint">Say what is wrong (the process, the service, how urgent it is): the service desk checks it again.</p>
      <${TextForm} id="contest" label="What is wrong with how it is filed?" submitLabel="Ask the desk to check" required=${true} fieldName="reason"
        onSend=${async (text) => { await api("POST", `tickets/${number}/classification/contest`, { reason: text }); await load(); }} /></details>`}`;
}
