"""What a requester sees of their ticket, and who the audit trail says acted: the desk's own
decisions (classification, routing, the SLA policy, sweeps, auto-close) carry the actor ``desk``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.conftest import auth
from tests.unit.fakes import FakeClock

# Monday 23 November 2026, 09:00 in Chicago.
OPENED = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
CORRECTION_REASON = "misfiled: Bob's laptop again, see HR case 4411"
#: Words of intake's and routing's working that no requester answer may contain.
STAFF_ONLY = (
    "scores",
    "workload",
    "skill_score",
    "skills_matched",
    "on shift",
    "rules_fired",
    "model_version",
    "explanation",
    "confidence",
    "triage_reasons",
    "monitor",
    "escalation",
    CORRECTION_REASON,
)


@pytest.fixture
def clock(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClock]:
    from chalicelib import wiring
    from chalicelib.config import get_settings

    monkeypatch.setenv("NOTIFY_CHANNELS", "outbox")  # notices stay in the outbox
    get_settings.cache_clear()
    fake = FakeClock(OPENED)
    wiring.install(wiring.bootstrap(clock=fake))
    yield fake
    wiring.install(None)


def _open(client: Any, urgency: str = "high") -> dict[str, Any]:
    body = {"type": "incident", "title": "VPN down", "description": "The VPN tunnel drops", "urgency": urgency}
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(body))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def _events(client: Any, number: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = client.http.get(f"/tickets/{number}/events", headers=headers)
    assert r.status_code == 200, r.body
    return list(r.json_body["events"])


def _staff_words(view: Any) -> list[str]:
    text = json.dumps(view)
    return [word for word in STAFF_ONLY if word in text]


def test_a_requester_sees_their_ticket_without_the_desks_working(client: Any, clock: FakeClock) -> None:
    opened = _open(client)
    number = opened["number"]
    staff = client.http.get(f"/tickets/{number}", headers=auth("ann", "agent")).json_body
    assert staff["routing"]["scores"] and staff["classification"]["service"]["explanation"]
    assert staff["assignee"], "the VPN ticket is routed to someone"

    for view in (opened, client.http.get(f"/tickets/{number}", headers=auth()).json_body):
        assert _staff_words(view) == []
        assert view["status"] == staff["status"] and view["priority"] == staff["priority"]
        assert view["assignee"] == staff["assignee"] and view["group"] == staff["group"]
        assert view["routing"] == {"assignee": staff["assignee"], "group": staff["group"]}
        assert view["classification"]["service"] == {
            "value": staff["classification"]["service"]["value"],
            "source": staff["classification"]["service"]["source"],
        }
    listed = client.http.get("/tickets", headers=auth()).json_body["tickets"]
    assert listed and _staff_words(listed) == []


def test_a_requester_sees_no_staff_reasons_in_the_audit_trail(client: Any, clock: FakeClock) -> None:
    number = _open(client)["number"]
    ticket = client.http.get(f"/tickets/{number}", headers=auth("ann", "agent")).json_body
    r = client.http.post(
        f"/tickets/{number}/classification",
        headers=auth("max", "manager"),
        body=json.dumps({"version": ticket["version"], "reason": CORRECTION_REASON, "impact": "high"}),
    )
    assert r.status_code == 200, r.body
    assert _staff_words(r.json_body["classification"]) != []  # staff see the reason
    assert _staff_words(client.http.get(f"/tickets/{number}", headers=auth()).json_body) == []

    staff_trail = _events(client, number, auth("ann", "agent"))
    mine = _events(client, number, auth())
    assert CORRECTION_REASON in json.dumps(staff_trail)
    assert [e["kind"] for e in mine] == [e["kind"] for e in staff_trail]
    assert _staff_words(mine) == []
    corrected = [e for e in mine if e["kind"] == "classified"][-1]
    assert corrected["after"] == {"impact": "high", "source": "correction"} and corrected["note"] is None
    assert corrected["actor"] == "max"


def test_the_desks_own_decisions_at_intake_carry_the_actor_desk(client: Any, clock: FakeClock) -> None:
    number = _open(client)["number"]
    actors = {(e["kind"], e["actor"]) for e in _events(client, number, auth("ann", "agent"))}
    assert ("opened", "alice") in actors
    assert ("classified", "desk") in actors and ("sla_applied", "desk") in actors
    assert ("assigned", "desk") in actors
    assert not any(actor == "alice" for kind, actor in actors if kind != "opened")


def test_sweeps_and_auto_close_act_as_the_desk(client: Any, clock: FakeClock) -> None:
    from dataclasses import replace

    from app import app
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from tests.integration.test_delivery import _scheduled

    # A desk whose closure gate holds no priority: this P2 incident auto-closes like any other.
    wiring.install(wiring.bootstrap(replace(get_settings(), problem_gate_priorities=()), clock=clock))
    number = _open(client)["number"]
    clock.now = OPENED + timedelta(days=1)
    app.handler_map["sla_sweep"](_scheduled(), None)
    swept = [e for e in _events(client, number, auth("ann", "agent")) if e["kind"].startswith(("sla_", "escalated"))]
    assert {"sla_breached", "escalated"} <= {e["kind"] for e in swept}
    assert {e["actor"] for e in swept if e["kind"] != "sla_applied"} == {"desk"}

    ticket = client.http.get(f"/tickets/{number}", headers=auth("ann", "agent")).json_body
    r = client.http.post(
        f"/tickets/{number}/transitions",
        headers=auth("ann", "agent"),
        body=json.dumps({"to": "resolved", "version": ticket["version"]}),
    )
    assert r.status_code == 200, r.body
    clock.now += timedelta(days=14)
    assert app.handler_map["auto_close"](_scheduled(), None)["closed"] == [number]
    closing = _events(client, number, auth("ann", "agent"))[-1]
    assert (closing["kind"], closing["after"]["status"], closing["actor"]) == ("status_changed", "closed", "desk")
    seen = _events(client, number, auth())
    assert _staff_words(seen) == []
