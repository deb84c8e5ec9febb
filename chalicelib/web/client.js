// The pages' shared client: the signed-in session, calls to the desk's JSON API, errors shown
// at their field, times in the reader's zone, and the plain words for the desk's values.
// Every screen module imports from here (and its Preact/htm from ./vendor); none keeps a rule
// of the desk: what a ticket may do next comes from the API (GET tickets/{n}/moves).
export { html, render, useState, useEffect, useRef, useMemo, useCallback } from "./vendor/htm-preact-standalone-3.1.1.js";

const TOKEN_KEY = "desk.token";
const WHO_KEY = "desk.who";

// -- the session: the token lives in sessionStorage only (never a URL, never kept on disk) ----

export const session = {
  token() { return sessionStorage.getItem(TOKEN_KEY); },
  who() {
    try { return JSON.parse(sessionStorage.getItem(WHO_KEY) || "null"); } catch { return null; }
  },
  signIn(token, who) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(WHO_KEY, JSON.stringify(who));
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(WHO_KEY);
  },
};

// The user and role of a token, read from its payload (display only: the API verifies it).
export function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
    const groups = Array.isArray(claims["cognito:groups"]) ? claims["cognito:groups"] : [];
    const roles = ["requester", "agent", "manager", "admin"];
    return {
      user: claims.sub && (claims["cognito:username"] || claims.email || claims.sub),
      role: claims.role || groups.find((g) => roles.includes(g)) || "requester",
    };
  } catch {
    return { user: "?", role: "requester" };
  }
}

// -- the API ---------------------------------------------------------------------------------

// An answer of the API that was not 2xx: ``status``, the API's ``code``, its message and
// ``fields``: {field: reason} from the 400's ``errors`` (or its single ``field``).
export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.message || body.error)) || `the desk answered ${status}`);
    this.status = status;
    this.code = body && body.error;
    this.body = body || {};
    this.fields = {};
    for (const e of (body && body.errors) || []) {
      if (e.field && !(e.field in this.fields)) this.fields[e.field] = e.reason;
    }
    if (body && body.field && !(body.field in this.fields)) this.fields[body.field] = body.message || body.error;
  }
}

// Calls the desk at a path relative to the page's base (so a stage prefix is kept), with the
// session's token as a bearer header. A 401 signs out and shows the sign-in page.
export async function api(method, path, body, extraHeaders = {}) {
  const headers = { Accept: "application/json", ...extraHeaders };
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(new URL(path, document.baseURI), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  if (response.status === 401 && token) {
    session.signOut();
    location.hash = "#/signin";
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Posts a file to S3 with an upload form from POST tickets/{n}/attachments.
export async function uploadFile(number, file) {
  const form = await api("POST", `tickets/${encodeURIComponent(number)}/attachments`, {
    filename: file.name,
    content_type: file.type || "application/octet-stream",
    size: file.size,
  });
  const data = new FormData();
  for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
  data.append("file", file);
  const response = await fetch(form.url, { method: "POST", body: data, credentials: "omit" });
  if (!response.ok) throw new ApiError(response.status, { error: "upload_refused", message: `the file store refused ${file.name}` });
  return form;
}

// -- errors at their field -------------------------------------------------------------------

// The message of ``error`` for ``field`` (or for any of ``aliases``), or "".
export function fieldError(error, field, ...aliases) {
  if (!(error instanceof ApiError)) return "";
  for (const name of [field, ...aliases]) if (error.fields[name]) return error.fields[name];
  return "";
}

// The part of ``error`` not shown at any of ``shownFields``.
export function formError(error, shownFields) {
  if (!error) return "";
  if (!(error instanceof ApiError)) return String(error.message || error);
  const rest = Object.entries(error.fields).filter(([f]) => !shownFields.includes(f));
  if (Object.keys(error.fields).length && !rest.length) return "Please correct the fields marked below.";
  return rest.length ? rest.map(([f, r]) => `${f}: ${r}`).join("; ") : error.message;
}

// -- times in the reader's zone --------------------------------------------------------------

// An instant as the reader reads it in ``zone`` (the API's ``local_times.zone``).
export function readerTime(iso, zone) {
  if (!iso) return "";
  try {
    return new Intl.DateTimeFormat("en-US", {
      timeZone: zone || "UTC", weekday: "short", day: "numeric", month: "short",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
    }).format(new Date(iso));
  } catch {
    return iso;
  }
}

// The reader's text of a ticket's instant ``name``: the API's local_times without the UTC part.
export function ticketTime(ticket, name) {
  const shown = ticket.local_times && ticket.local_times[name];
  return shown ? shown.replace(/\s*\([^)]*\)$/, "") : "";
}

// -- plain words -----------------------------------------------------------------------------

export const PROCESSES = {
  incident: { title: "Something we promised is not working", short: "Report a problem", word: "incident" },
  service_request: { title: "I need information or routine work", short: "Ask for something", word: "service request" },
  change_request: { title: "I need something new or changed", short: "Request a change", word: "change request" },
};

export function statusWords(status) {
  return ({
    new: "received", assigned: "assigned to someone", in_progress: "being worked on",
    waiting_on_requester: "waiting for you", resolved: "resolved: please confirm", closed: "closed",
    cancelled: "cancelled", assessment: "being assessed", authorization: "awaiting approval",
    scheduled: "scheduled", implementing: "being implemented", review: "being reviewed", rejected: "rejected: needs rework",
  })[status] || String(status || "").replace(/_/g, " ");
}

// The SLA state of a ticket's summary (its ``sla``) in words: missed when any clock breached,
// else the state of its resolution clock (else its first one).
const CLOCK_WORDS = {
  running: "on track", paused: "paused while we wait for you", awaiting_schedule: "to be scheduled",
  pending: "not started", met: "target met", cancelled: "no target",
};

export function slaWords(sla) {
  const clocks = (sla && sla.clocks) || {};
  const all = Object.values(clocks);
  if (!all.length) return "no target";
  if (all.some((c) => c.breached)) return "target missed";
  const main = clocks.resolution || all[0];
  return CLOCK_WORDS[main.state] || String(main.state || "no target");
}

// When the ticket is due: its resolution clock's due time, else its nearest deadline (ISO).
export function dueAt(ticket) {
  const clocks = (ticket.sla && ticket.sla.clocks) || {};
  const resolution = clocks.resolution;
  if (resolution && resolution.due_at && !["met", "cancelled"].includes(resolution.state)) return resolution.due_at;
  return ticket.next_deadline || null;
}

// A requester's moves in their words (the word of the move, from GET tickets/{n}/moves).
export const MOVE_WORDS = {
  cancel: "Cancel this ticket", confirm: "Yes, it is resolved", close: "Yes, it is resolved",
  reopen: "No, reopen it", rework: "Rework the change",
};
