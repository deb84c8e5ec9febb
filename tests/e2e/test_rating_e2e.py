"""Over HTTP against the desk as ``make run`` starts it: a requester rates a resolution by the
completion notice's rate link, sent as the link page's form; sent again, it acts once."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from tests.conftest import LocalDesk


def _send(url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
          ) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _api(base: str, method: str, path: str, token: str | None, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    status, answer = _send(f"{base}/{path}", method, json.dumps(body).encode() if body is not None else None, headers)
    assert status in (200, 201), (path, status, answer)
    return json.loads(answer)


def test_the_rate_link_over_http_rates_once(local_desk: LocalDesk) -> None:
    base = local_desk.url
    requester = _api(base, "POST", "session/local", None, {"user": "ria.e2e", "role": "requester"})["token"]
    agent = _api(base, "POST", "session/local", None, {"user": "ann", "role": "agent"})["token"]
    body = {"type": "service_request", "title": "A second monitor", "description": "For the new desk."}
    number = _api(base, "POST", "tickets", requester, body)["number"]
    version = _api(base, "GET", f"tickets/{number}", agent)["version"]
    _api(base, "POST", f"tickets/{number}/transitions", agent, {"to": "resolve", "version": version})

    day = datetime.now(ZoneInfo("UTC")).date().isoformat()
    notices = _api(base, "GET", f"admin/outbox?day={day}&limit=200", agent)["notices"]
    completion = next(n for n in notices if n["kind"] == "completion" and n["ticket"] == number)
    link = base + urlparse(completion["data"]["rate_link"]).path

    status, page = _send(link)
    assert status == 200 and b'name="rating"' in page and b'<label for="comment">' in page
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert _send(link, "POST", b"rating=4&comment=set+up+in+an+hour", form)[0] == 200
    status, again = _send(link, "POST", b"rating=4&comment=set+up+in+an+hour", form)
    assert status == 409 and b"already used" in again

    events = _api(base, "GET", f"tickets/{number}/events", requester)["events"]
    rated = [e["after"] for e in events if e["kind"] == "rated"]
    assert [(r["rating"], r["comment"], r["source"]) for r in rated] == [(4, "set up in an hour", "link")]
    state = _api(base, "GET", f"tickets/{number}/rating", requester)
    assert state["can_rate"] is False and state["rating"]["rating"] == 4
