"""On-call rotas through the API (moto, seeded): the rota documents, ``GET /oncall`` and the page
an incident nobody on shift can take sends at intake."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from tests.conftest import auth
from tests.unit.fakes import FakeClock

# Tuesday 24 November 2026, 05:07 in Chicago (11:07 UTC): nobody of the office groups on shift.
TUESDAY_0507_CHICAGO = datetime(2026, 11, 24, 11, 7, tzinfo=timezone.utc)


def agent() -> dict[str, str]:
    return auth("ann", "agent")


@pytest.fixture
def clock_start() -> datetime:
    return TUESDAY_0507_CHICAGO


def _oncall(client: Any, query: str, headers: dict[str, str] | None = None) -> Any:
    return client.http.get(f"/oncall?{query}", headers=headers or agent())


def _open(client: Any, headers: dict[str, str] | None = None, **body: Any) -> Any:
    payload = {
        "type": "incident",
        "title": "VPN down for the whole site",
        "description": "AnyConnect cannot reach the VPN gateway; nobody can connect",
        "impact": "high",
        "urgency": "high",
        **body,
    }
    r = client.http.post("/tickets", headers=headers or auth(), body=json.dumps(payload))
    assert r.status_code in (200, 201), r.body
    return r.json_body


def _pages(client: Any) -> list[dict[str, Any]]:
    r = client.http.get("/admin/outbox?day=2026-11-24&limit=200", headers=agent())
    assert r.status_code == 200, r.body
    return [n for n in r.json_body["notices"] if n["kind"] == "page"]


def _events(client: Any, number: str) -> list[dict[str, Any]]:
    return list(client.http.get(f"/tickets/{number}/events", headers=agent()).json_body["events"])


# -- GET /oncall -------------------------------------------------------------------------------


def test_oncall_answers_from_the_seeded_rota_at_an_instant(client: Any) -> None:
    r = _oncall(client, "group=network&at=2025-01-06T15:00:00Z")  # the first handover, 09:00 CST
    assert r.status_code == 200, r.body
    body = r.json_body
    assert (body["person"], body["source"], body["rota"], body["rota_version"]) == ("nadia", "rotation", "network", 1)
    assert body["until"] == "2025-01-13T15:00:00+00:00"
    assert _oncall(client, "group=network&at=2025-01-13T15:00:00Z").json_body["person"] == "noah"


def test_an_override_stored_through_the_admin_api_wins(client: Any) -> None:
    rota = client.http.get("/admin/oncall-rotas/network", headers=agent()).json_body
    rota["overrides"] = [
        {"person": "nils", "from": "2025-01-07T00:00:00Z", "until": "2025-01-08T00:00:00Z", "reason": "swap"}
    ]
    r = client.http.put("/admin/oncall-rotas/network", headers=auth("max", "manager"), body=json.dumps(rota))
    assert r.status_code == 200, r.body
    body = _oncall(client, "group=network&at=2025-01-07T12:00:00%2B00:00").json_body
    assert (body["person"], body["source"], body["reason"], body["rota_version"]) == ("nils", "override", "swap", 2)


def test_a_group_without_a_rota_falls_back_to_the_on_call_setting(client: Any) -> None:
    group = {"name": "night-ops", "title": "Night operations", "lead": "ann"}
    assert client.http.post("/admin/groups", headers=auth("root", "admin"), body=json.dumps(group)).status_code == 201
    body = _oncall(client, "group=night-ops").json_body
    assert (body["person"], body["source"], body["rota"]) == ("on-call", "fallback", None)


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("at=2025-01-06T15:00:00Z", 400, "group"),
        ("group=&at=2025-01-06T15:00:00Z", 400, "group"),
        ("group=network&at=yesterday", 400, "at"),
        ("group=network&at=2025-01-06T15:00:00", 400, "at"),
        ("group=network&at=9999-12-31T23:59:59-01:00", 400, "at"),
        ("group=network&at=0001-01-01T00:00:00%2B01:00", 400, "at"),
        ("group=no-such-group", 404, "group"),
    ],
)
def test_bad_oncall_questions_name_the_field(client: Any, query: str, status: int, field: str) -> None:
    r = _oncall(client, query)
    assert r.status_code == status, r.body
    assert r.json_body["field"] == field


def test_oncall_is_for_staff(client: Any) -> None:
    assert _oncall(client, "group=network", auth("alice", "requester")).status_code == 403
    assert client.http.get("/oncall?group=network").status_code == 401


def test_a_bad_rota_document_is_a_400_naming_the_field(client: Any) -> None:
    rota = {
        "name": "network-2",
        "timezone": "Europe/Nowhere",
        "people": ["nadia"],
        "handover_weekday": "monday",
        "handover_time": "09:00",
        "start": "2025-01-06",
    }
    r = client.http.post("/admin/oncall-rotas", headers=auth("root", "admin"), body=json.dumps(rota))
    assert r.status_code == 400
    assert r.json_body["field"] == "timezone"
    rota["timezone"] = "UTC"
    r = client.http.post("/admin/oncall-rotas", headers=auth("root", "admin"), body=json.dumps(rota))
    assert r.status_code == 400 and r.json_body["field"] == "name"  # no such group


# -- the page at intake --------------------------------------------------------------------------


def test_a_p1_incident_at_0507_with_nobody_on_shift_pages_the_rota_once(client: Any, clock: FakeClock) -> None:
    on_call = _oncall(client, "group=network").json_body["person"]
    assert on_call == "nils"
    headers = {**auth(), "Idempotency-Key": "vpn-down-0507"}
    ticket = _open(client, headers)
    assert (ticket["priority"], ticket["group"], ticket["assignee"]) == ("P1", "network", None)
    paged = [e for e in _events(client, ticket["number"]) if e["kind"] == "paged"]
    assert len(paged) == 1
    assert paged[0]["after"]["recipient"] == on_call
    assert paged[0]["after"]["rota"] == "network" and paged[0]["after"]["source"] == "rotation"
    assert "nobody on shift in network" in paged[0]["after"]["why"]
    pages = _pages(client)
    assert {(p["recipient"], p["urgent"], p["ticket"]) for p in pages} == {(on_call, True, ticket["number"])}
    channels = [p["channel"] for p in pages]
    assert "outbox" in channels and len(channels) == len(set(channels))  # one page per channel
    # A retried request is the same ticket, and pages nobody again.
    again = _open(client, headers)
    assert again["number"] == ticket["number"]
    assert len(_pages(client)) == len(pages)


def test_a_p3_incident_on_the_office_calendar_waits_for_the_shift(client: Any, clock: FakeClock) -> None:
    ticket = _open(client, impact="medium", urgency="medium")
    assert ticket["priority"] == "P3"
    assert not [e for e in _events(client, ticket["number"]) if e["kind"] == "paged"]
    assert _pages(client) == []


def test_a_p1_incident_in_office_hours_is_routed_and_pages_nobody(client: Any, clock: FakeClock) -> None:
    clock.advance(hours=5)  # 10:07 in Chicago
    ticket = _open(client)
    assert ticket["assignee"] in ("nadia", "noah", "nils")
    assert _pages(client) == []
