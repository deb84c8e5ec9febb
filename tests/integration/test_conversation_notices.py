"""Escalation tells the agent it takes a ticket from and the group it moves to; the requester's
acknowledgement shows targets in their zone. Through the real desk on moto."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib import wiring
from tests.conftest import auth
from tests.unit.fakes import FakeClock

# Monday 23 November 2026, 09:00 in Chicago: a P3 incident's first response breaches at 13:00.
OPENED = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock_start() -> datetime:
    return OPENED


def _outbox(client: Any, kind: str) -> list[dict[str, Any]]:
    notices = client.http.get("/admin/outbox?day=2026-11-23&limit=200", headers=auth("ann", "agent")).json_body
    return [n for n in notices["notices"] if n["kind"] == kind and n["channel"] == "outbox"]


def test_escalation_tells_the_agent_it_took_the_ticket_from_and_the_tier2_lead_once(
    client: Any, clock: FakeClock
) -> None:
    body = {"type": "incident", "title": "Printer offline", "description": "Floor 3 printer", "service": "printing"}
    t = client.http.post("/tickets", headers=auth(), body=json.dumps(body)).json_body
    r = client.http.post(
        f"/tickets/{t['number']}/assignment",
        headers=auth("ann", "agent"),
        body=json.dumps({"version": t["version"], "assignee": "chloe", "group": "service-desk"}),
    )
    assert r.status_code == 200, r.body
    clock.now = OPENED + timedelta(hours=4, minutes=30)
    wiring.desk().sla_sweep.run()
    wiring.desk().sla_sweep.run()  # a second sweep tells nobody again
    moved = client.http.get(f"/tickets/{t['number']}", headers=auth("ann", "agent")).json_body
    assert moved["group"] == "service-desk-tier2" and moved["assignee"] is None
    away = _outbox(client, "reassigned_away")
    assert [n["recipient"] for n in away] == ["chloe@example.com"]
    assert "taken from you" in away[0]["text"] and "service-desk-tier2" in away[0]["text"]
    handover = _outbox(client, "group_handover")
    assert [n["recipient"] for n in handover] == ["tomas@example.com"]
    assert "waits for an assignee" in handover[0]["text"]


def test_the_acknowledgement_shows_targets_in_the_readers_zone_with_the_instant(client: Any, clock: Any) -> None:
    body = {"type": "incident", "title": "Printer offline", "description": "Floor 3 printer"}
    t = client.http.post("/tickets", headers=auth(), body=json.dumps(body)).json_body
    ack = next(n for n in _outbox(client, "acknowledgement") if n["ticket"] == t["number"])
    assert "CST (2026-11-2" in ack["text"] and "+00:00" not in ack["text"], ack["text"]
