"""The completion notice's confirm and reopen links: signed, expiring, single-use, no bearer token."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlparse

from tests.conftest import MONDAY_9AM_CHICAGO, auth
from tests.unit.fakes import FakeClock


def agent() -> dict[str, str]:
    return auth("ann", "agent")




def _resolved(client: Any) -> tuple[str, dict[str, str]]:
    """A resolved ticket of alice's and its completion notice's links (paths)."""
    body = {"type": "incident", "title": "Printer jam", "description": "Tray 2 is stuck"}
    t = client.http.post("/tickets", headers=auth(), body=json.dumps(body)).json_body
    r = client.http.post(
        f"/tickets/{t['number']}/transitions",
        headers=agent(),
        body=json.dumps({"to": "resolved", "version": t["version"], "reason": "new roller"}),
    )
    assert r.status_code == 200, r.body
    day = MONDAY_9AM_CHICAGO.date().isoformat()
    notices = client.http.get(f"/admin/outbox?day={day}&limit=200", headers=agent()).json_body["notices"]
    completion = next(n for n in notices if n["kind"] == "completion" and n["ticket"] == t["number"])
    data = completion["data"]
    return t["number"], {k: urlparse(data[f"{k}_link"]).path for k in ("confirm", "reopen")}


def _ticket(client: Any, number: str) -> dict[str, Any]:
    return dict(client.http.get(f"/tickets/{number}", headers=agent()).json_body)


def test_opening_a_link_shows_what_it_will_do_without_a_token_and_changes_nothing(client: Any, clock: Any) -> None:
    number, links = _resolved(client)
    page = client.http.get(links["confirm"])
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.body.decode()
    assert f"Confirm {number} is resolved?" in html and '<form method="post" action="">' in html
    as_json = client.http.get(links["reopen"], headers={"Accept": "application/json"}).json_body
    assert as_json["question"] == f"Reopen {number}?" and as_json["method"] == "POST"
    assert _ticket(client, number)["status"] == "resolved"


def test_confirming_closes_the_ticket_as_the_requester_once(client: Any, clock: Any) -> None:
    number, links = _resolved(client)
    r = client.http.post(links["confirm"], headers={"Content-Type": "application/x-www-form-urlencoded"}, body="")
    assert r.status_code == 200, r.body
    assert "is closed" in r.body.decode()
    t = _ticket(client, number)
    assert t["status"] == "closed"
    last = client.http.get(f"/tickets/{number}/events", headers=agent()).json_body["events"][-1]
    assert (last["kind"], last["actor"], last["after"]["status"]) == ("status_changed", "alice", "closed")
    again = client.http.post(links["confirm"], headers={"Accept": "application/json"}, body="")
    assert again.status_code == 409 and again.json_body["error"] == "link_used"
    other = client.http.post(links["reopen"], headers={"Accept": "application/json"}, body="")
    assert other.status_code == 409 and "can no longer be used" in other.json_body["message"]
    assert _ticket(client, number)["version"] == t["version"]


def test_reopen_link_reopens(client: Any, clock: Any) -> None:
    number, links = _resolved(client)
    r = client.http.post(links["reopen"], headers={"Accept": "application/json"}, body="")
    assert r.status_code == 200, r.body
    t = _ticket(client, number)
    assert t["status"] == "in_progress" and t["reopen_count"] == 1


def test_an_expired_link_is_gone(client: Any, clock: FakeClock) -> None:
    number, links = _resolved(client)
    clock.advance(days=7, seconds=1)
    r = client.http.get(links["confirm"], headers={"Accept": "application/json"})
    assert r.status_code == 410 and "expired" in r.json_body["message"]
    r = client.http.post(links["confirm"], body="")
    assert r.status_code == 410 and "expired" in r.body.decode()
    assert _ticket(client, number)["status"] == "resolved"


def test_a_tampered_link_is_refused(client: Any, clock: Any) -> None:
    import base64

    number, links = _resolved(client)
    payload, signature = links["reopen"].rsplit("/", 1)[1].split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["a"] = "confirm"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    for token in (f"{forged}.{signature}", "not-a-token", f"{payload}.{signature[:-2]}xx"):
        r = client.http.post(f"/links/{token}", headers={"Accept": "application/json"}, body="")
        assert r.status_code == 403 and r.json_body["error"] == "link_invalid", token
    assert _ticket(client, number)["status"] == "resolved"


def test_a_link_for_an_earlier_resolution_does_not_confirm_a_later_one(client: Any, clock: Any) -> None:
    number, first = _resolved(client)
    assert client.http.post(first["reopen"], body="").status_code == 200
    t = _ticket(client, number)
    r = client.http.post(
        f"/tickets/{number}/transitions", headers=agent(), body=json.dumps({"to": "resolved", "version": t["version"]})
    )
    assert r.status_code == 200
    stale = client.http.post(first["confirm"], headers={"Accept": "application/json"}, body="")
    assert stale.status_code == 409
    assert _ticket(client, number)["status"] == "resolved"
