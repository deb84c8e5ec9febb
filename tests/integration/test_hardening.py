"""Security headers on every answer, CORS for configured origins only, and 429 with Retry-After."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from chalice.app import Request, Response

from chalicelib.api.hardening import SECURITY_HEADERS, secure
from tests.conftest import auth
from tests.unit.fakes import FakeClock

ORIGIN = "https://desk.example.com"


def _headers(response: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


@pytest.fixture
def configured(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    from chalicelib import wiring
    from chalicelib.config import get_settings

    monkeypatch.setenv("CORS_ORIGINS", f"{ORIGIN},https://other.example.com")
    monkeypatch.setenv("RATE_LIMITS", "POST /tickets=2")
    get_settings.cache_clear()
    clock = FakeClock(datetime(2026, 11, 23, 15, 0, 30, tzinfo=timezone.utc))
    wiring.install(wiring.bootstrap(clock=clock))
    yield clock
    wiring.install(None)


def test_every_answer_carries_the_security_headers(client: Any) -> None:
    for r in (client.http.get("/health"), client.http.get("/tickets/INC-999999", headers=auth()),
              client.http.get("/openapi.json")):
        headers = _headers(r)
        for name, value in SECURITY_HEADERS.items():
            assert headers[name.lower()] == value
        assert "access-control-allow-origin" not in headers


def test_a_routes_own_headers_win_and_no_csp_is_added() -> None:
    own = {"Content-Security-Policy": "default-src 'self'", "referrer-policy": "same-origin"}
    request = Request({"headers": {}, "multiValueQueryStringParameters": None, "pathParameters": {}, "body": None,
                       "requestContext": {"httpMethod": "GET", "resourcePath": "/"}, "stageVariables": {}})
    headers = secure(Response(body="<p>", headers=dict(own)), request).headers
    assert headers["Content-Security-Policy"] == "default-src 'self'"
    assert headers["referrer-policy"] == "same-origin" and "Referrer-Policy" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in secure(Response(body={}), request).headers


def test_cors_answers_a_configured_origin_only(client: Any, configured: FakeClock) -> None:
    r = client.http.get("/health", headers={"Origin": ORIGIN})
    assert _headers(r)["access-control-allow-origin"] == ORIGIN
    assert _headers(r)["vary"] == "Origin"
    r = client.http.get("/health", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in _headers(r)


def test_a_preflight_from_a_configured_origin_is_answered_others_refused(client: Any, configured: FakeClock) -> None:
    r = client.http.request("OPTIONS", "/tickets", headers={"Origin": ORIGIN})
    assert r.status_code == 204
    assert _headers(r)["access-control-allow-methods"] == "GET, POST"
    assert "Authorization" in _headers(r)["access-control-allow-headers"]
    r = client.http.request("OPTIONS", "/tickets", headers={"Origin": "https://evil.example.com"})
    assert r.status_code == 403
    assert json.loads(r.body)["field"] == "Origin"


def _open(client: Any, user: str = "alice") -> Any:
    body = {"type": "incident", "title": "Disk full", "description": "/var is at 100%"}
    return client.http.post("/tickets", headers=auth(user), body=json.dumps(body))


def test_one_requester_flooding_intake_gets_429_with_retry_after(client: Any, configured: FakeClock) -> None:
    assert [_open(client).status_code for _ in range(2)] == [201, 201]
    refused = _open(client)
    assert refused.status_code == 429
    assert _headers(refused)["retry-after"] == "30"
    body = json.loads(refused.body)
    assert body["error"] == "too_many_requests" and body["field"] == "rate"
    assert _open(client, "bob").status_code == 201  # another caller
    assert client.http.get("/tickets", headers=auth()).status_code == 200  # another route
    configured.advance(seconds=30)
    assert _open(client).status_code == 201  # the next window


def test_a_path_parameter_over_its_stated_limit_is_refused_naming_it(client: Any) -> None:
    r = client.http.get("/tickets/" + "9" * 501, headers=auth("ann", "agent"))
    assert r.status_code == 400
    assert json.loads(r.body)["errors"] == [{"field": "number", "reason": "longer than 500 characters"}]
    assert client.http.get("/tickets/" + "9" * 500, headers=auth("ann", "agent")).status_code in (400, 404)
