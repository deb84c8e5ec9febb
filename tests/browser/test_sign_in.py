"""Signing in on a deployed stage (Cognito hosted UI, authorization code with PKCE), tested in
the browser against a stub of Cognito's token endpoint: no Cognito is reachable from here."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PageProblems

pytestmark = pytest.mark.browser

#: RFC 7636, appendix B: this verifier's S256 challenge.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

COGNITO = {
    "authorize_url": "https://desk.auth.example.test/oauth2/authorize",
    "token_url": "https://desk.auth.example.test/oauth2/token",
    "client_id": "client-123",
    "scopes": "openid email profile",
}

#: A token's shape only (the stub's answer; the browser never verifies tokens, the API does).
ID_TOKEN = (
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJzdWIiOiJ1LTEiLCJjb2duaXRvOnVzZXJuYW1lIjoicml0YSIsImNvZ25pdG86Z3JvdXBzIjpbImFnZW50Il19.c2ln"
)

WALK = """async ([cognito, idToken, rfcVerifier]) => {
  const m = await import("./ui/auth.js");
  const rfc = await m.challengeOf(rfcVerifier);
  const url = new URL(await m.authorizeUrl(cognito));
  const params = Object.fromEntries(url.searchParams);
  const pending = JSON.parse(sessionStorage.getItem("desk.pkce"));
  const own = await m.challengeOf(pending.verifier);

  // Cognito sends the browser back with the code and the state.
  history.replaceState(null, "", "./?code=the-code&state=" + encodeURIComponent(pending.state));
  const sent = [];
  const stub = async (target, init) => {
    sent.push({ target, body: Object.fromEntries(new URLSearchParams(init.body)), method: init.method });
    return new Response(JSON.stringify({ id_token: idToken, access_token: "a", token_type: "Bearer" }),
      { status: 200, headers: { "Content-Type": "application/json" } });
  };
  const done = await m.finishSignIn(cognito, location.search, stub);
  const after = { search: location.search, token: sessionStorage.getItem("desk.token"),
                  who: JSON.parse(sessionStorage.getItem("desk.who")), pkce: sessionStorage.getItem("desk.pkce") };

  // A forged answer (another state) is refused and starts no session.
  sessionStorage.clear();
  await m.authorizeUrl(cognito);
  history.replaceState(null, "", "./?code=stolen&state=not-mine");
  let refused = null;
  try { await m.finishSignIn(cognito, location.search, stub); } catch (e) { refused = e.message; }
  const nothing = await m.finishSignIn(cognito, "", stub);
  const tokenAfterForgery = sessionStorage.getItem("desk.token");
  const redirect = m.redirectUri();
  return { rfc, params, pending, own, done, sent, after, refused, tokenAfterForgery, nothing, redirect };
}"""


def test_pkce_sign_in_and_the_redirect_back(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    tab, problems = page
    tab.goto(desk_url)
    tab.get_by_label("Your user name").wait_for()
    out = tab.evaluate(WALK, [COGNITO, ID_TOKEN, RFC_VERIFIER])

    assert out["rfc"] == RFC_CHALLENGE
    params = out["params"]
    assert params["response_type"] == "code" and params["client_id"] == "client-123"
    assert params["code_challenge_method"] == "S256" and params["code_challenge"] == out["own"]
    assert params["state"] == out["pending"]["state"] and params["scope"] == "openid email profile"
    assert params["redirect_uri"] == desk_url == out["redirect"]
    assert len(out["pending"]["verifier"]) == 43 and "verifier" not in str(params)

    assert out["done"] is True
    [exchange] = out["sent"]
    assert exchange["target"] == COGNITO["token_url"] and exchange["method"] == "POST"
    assert exchange["body"] == {
        "grant_type": "authorization_code",
        "client_id": "client-123",
        "code": "the-code",
        "redirect_uri": desk_url,
        "code_verifier": out["pending"]["verifier"],
    }
    assert out["after"]["search"] == ""  # the code leaves the address bar
    assert out["after"]["token"] == ID_TOKEN and out["after"]["pkce"] is None
    assert out["after"]["who"] == {"user": "rita", "role": "agent"}

    assert "does not match" in out["refused"] and out["tokenAfterForgery"] is None
    assert out["nothing"] is False
    assert problems.errors == []


def test_a_deployed_stage_offers_only_the_hosted_ui(desk_url: str, page: tuple[Any, PageProblems]) -> None:
    """The page follows GET session/config: not local and Cognito configured, it shows no name
    and role fields, and its button goes to the authorize URL with a PKCE challenge."""
    tab, _ = page
    config = {"stage": "prod", "local": False, "roles": [], "cognito": COGNITO}
    tab.route("**/session/config", lambda route: route.fulfill(json=config))
    hosted_ui = "https://desk.auth.example.test/**"
    tab.route(hosted_ui, lambda route: route.fulfill(body="hosted UI", content_type="text/plain"))
    tab.goto(desk_url)
    tab.get_by_role("button", name="Sign in").wait_for()
    assert tab.get_by_label("Your user name").count() == 0
    with tab.expect_request("https://desk.auth.example.test/oauth2/authorize**") as going:
        tab.get_by_role("button", name="Sign in").click()
    assert "code_challenge_method=S256" in going.value.url
