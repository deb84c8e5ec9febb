// Signing in on a deployed stage: the Cognito hosted UI, OAuth2 authorization code with PKCE
// (RFC 7636). The verifier and state wait in sessionStorage between the redirect out and back;
// the code comes back in the query string and is exchanged for tokens at Cognito's token
// endpoint; the ID token (it carries cognito:groups and the app client as audience) becomes the
// session's token and the query is removed from the address bar.
import { session, claimsOf } from "./client.js";

const PENDING_KEY = "desk.pkce";

function base64url(bytes) {
  let text = "";
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// A code verifier: 32 random bytes, base64url (43 characters, RFC 7636 section 4.1).
export function newVerifier() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

// The S256 challenge of ``verifier``: base64url(SHA-256(verifier)).
export async function challengeOf(verifier) {
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

// Where Cognito sends the browser back: this page, without query or fragment.
export function redirectUri() {
  const here = new URL(document.baseURI);
  here.search = "";
  here.hash = "";
  return here.toString();
}

// The authorize URL for ``cognito`` (from GET session/config), remembering verifier and state.
export async function authorizeUrl(cognito) {
  const verifier = newVerifier();
  const state = newVerifier();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(cognito.authorize_url);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: cognito.client_id,
    redirect_uri: redirectUri(),
    scope: cognito.scopes,
    state,
    code_challenge_method: "S256",
    code_challenge: await challengeOf(verifier),
  }).toString();
  return url.toString();
}

// Finishes a sign-in when ``search`` (location.search) carries Cognito's answer: true when a
// session was started; throws with Cognito's error or a state mismatch; false when there is none.
export async function finishSignIn(cognito, search, fetchImpl = fetch) {
  const params = new URLSearchParams(search);
  if (!params.has("code") && !params.has("error")) return false;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || "null");
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, "", redirectUri() + "#/");
  if (params.has("error")) throw new Error(`sign-in refused: ${params.get("error_description") || params.get("error")}`);
  if (!pending || params.get("state") !== pending.state) throw new Error("sign-in answer does not match this browser's request; please sign in again");
  const response = await fetchImpl(cognito.token_url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: cognito.client_id,
      code: params.get("code"),
      redirect_uri: redirectUri(),
      code_verifier: pending.verifier,
    }).toString(),
    credentials: "omit",
  });
  if (!response.ok) throw new Error(`the sign-in service answered ${response.status}`);
  const tokens = await response.json();
  const token = tokens.id_token;
  if (!token) throw new Error("the sign-in service gave no ID token");
  session.signIn(token, claimsOf(token));
  return true;
}
