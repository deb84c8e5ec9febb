"""The morning patrol digest over ticket views. Pure."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.domain.patrol import (
    AT_RISK,
    AWAITING_TRIAGE,
    BREACHED,
    OPEN_P1_P2,
    OUT_OF_CATALOG,
    REOPENED,
    SECTION_KEYS,
    UNASSIGNED,
    VIP,
    WAITING_TOO_LONG,
    PatrolSettings,
    digest_sections,
    morning_patrol,
)

PATROL_DAY = date(2026, 11, 24)  # a Tuesday
NOW = datetime(2026, 11, 24, 13, 30, tzinfo=UTC)  # 07:30 in Chicago
PREVIOUS = NOW - timedelta(days=1)
SETTINGS = PatrolSettings(timezone="America/Chicago")


def iso(moment: datetime) -> str:
    return moment.isoformat()


def clock(state: str, due: datetime | None, breached: bool = False, **extra: Any) -> dict[str, Any]:
    return {
        "state": state,
        "due_at": None if due is None else iso(due),
        "breached": breached,
        "cycle": 1,
        "left_seconds": 0,
        **extra,
    }


def view(number: str, **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "number": number,
        "type": "incident" if number.startswith("INC") else "service_request",
        "title": f"title of {number}",
        "status": "in_progress",
        "priority": "P3",
        "requester": "bob",
        "assignee": "ann",
        "group": "network",
        "created_at": iso(NOW - timedelta(hours=2)),
        "updated_at": iso(NOW - timedelta(hours=1)),
        "resolved_at": None,
        "reopen_count": 0,
        "vip": False,
        "sla": {"breached": False, "clocks": {}},
    }
    doc.update(changes)
    return doc


def sla(**clocks: dict[str, Any]) -> dict[str, Any]:
    return {"policy": "incident-default", "breached": any(c["breached"] for c in clocks.values()), "clocks": clocks}


TICKETS = [
    view(
        "INC-000042",
        title="Printer offline",
        priority="P2",
        sla=sla(resolution=clock("breached", datetime(2026, 11, 23, 20, 5, tzinfo=UTC), breached=True)),
    ),
    view("INC-000050", sla=sla(first_response=clock("running", datetime(2026, 11, 24, 16, 0, tzinfo=UTC)))),
    view("INC-000051", sla=sla(first_response=clock("running", datetime(2026, 11, 25, 16, 0, tzinfo=UTC)))),
    view(
        "REQ-000010",
        priority="P4",
        status="new",
        assignee=None,
        group=None,
        created_at=iso(datetime(2026, 11, 23, 14, 0, tzinfo=UTC)),
        triage=True,
        out_of_catalog=True,
    ),
    view(
        "REQ-000011",
        status="waiting_on_requester",
        status_since=iso(NOW - timedelta(days=4, hours=2)),
        updated_at=iso(NOW - timedelta(hours=1)),
    ),
    view(
        "REQ-000012",
        status="waiting_on_requester",
        updated_at=iso(NOW - timedelta(days=1)),
    ),
    view(
        "INC-000060",
        priority="P1",
        reopen_count=2,
        status_since=iso(datetime(2026, 11, 23, 15, 0, tzinfo=UTC)),
        sla=sla(
            first_response=clock("breached", datetime(2026, 11, 20, 15, 0, tzinfo=UTC), breached=True),
            resolution=clock("breached", datetime(2026, 11, 21, 15, 0, tzinfo=UTC), breached=True),
        ),
    ),
    view(
        "REQ-000020",
        vip=True,
        sla=sla(first_response=clock("breached", datetime(2026, 11, 24, 1, 0, tzinfo=UTC), breached=True)),
    ),
    view("CHG-000001", type="change_request", status="closed", reopen_count=1),
    view("REQ-000030", status="resolved", reopen_count=1, assignee="cy", group=None),
]


def patrol(tickets: list[dict[str, Any]] | None = None, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"patrol_date": PATROL_DAY, "previous_patrol": PREVIOUS, "now": NOW, "settings": SETTINGS}
    options.update(kwargs)
    return morning_patrol(TICKETS if tickets is None else tickets, **options)


def test_sections_hold_the_right_tickets() -> None:
    digest = patrol()
    assert [s.key for s in digest.sections] == list(SECTION_KEYS)
    assert digest.numbers(BREACHED) == ["INC-000042", "REQ-000020"]
    assert digest.numbers(AT_RISK) == ["INC-000050"]
    assert digest.numbers(OPEN_P1_P2) == ["INC-000060", "INC-000042"]
    assert digest.numbers(UNASSIGNED) == ["REQ-000010"]
    assert digest.numbers(WAITING_TOO_LONG) == ["REQ-000011"]
    assert digest.numbers(REOPENED) == ["INC-000060", "REQ-000030"]
    assert digest.numbers(OUT_OF_CATALOG) == ["REQ-000010"]
    assert digest.numbers(AWAITING_TRIAGE) == ["REQ-000010"]
    assert digest.numbers(VIP) == ["REQ-000020"]
    # The fixture holds no change request (``change_conflicts``: tests/unit/test_conflicts.py) and
    # no rating (``low_ratings``: tests/unit/test_satisfaction.py).
    assert digest_sections(digest) == [key for key in SECTION_KEYS if key not in ("change_conflicts", "low_ratings")]


def test_reasons_are_readable() -> None:
    digest = patrol()
    breached = {e.number: e for e in digest.section(BREACHED).entries}
    assert breached["INC-000042"].reason == "resolution breached at 14:05 yesterday, assigned to ann (network)"
    assert breached["REQ-000020"].reason == "first response breached at 19:00 yesterday, assigned to ann (network)"
    (risk,) = digest.section(AT_RISK).entries
    assert risk.reason == "first response due at 10:00 today (in 2 h 30 min), assigned to ann (network)"
    (unassigned,) = digest.section(UNASSIGNED).entries
    assert unassigned.reason == "unassigned for 23 h 30 min since opened at 08:00 yesterday (no group)"
    (waiting,) = digest.section(WAITING_TOO_LONG).entries
    assert waiting.reason == "waiting on the requester (bob) for 4 d 2 h, since 05:30 on Fri 20 Nov"
    reopened = {e.number: e.reason for e in digest.section(REOPENED).entries}
    assert reopened["INC-000060"] == "reopened 2 times, now in progress, assigned to ann (network)"
    assert reopened["REQ-000030"] == "reopened once, now resolved, assigned to cy"
    p1 = digest.section(OPEN_P1_P2).entries[0]
    assert p1.reason == "P1 incident, in progress since 09:00 yesterday, assigned to ann (network)"


def test_brief_management_rule() -> None:
    digest = patrol()
    flagged = {e.number for s in digest.sections for e in s.entries if e.brief_management}
    assert flagged == {"INC-000042", "INC-000060", "REQ-000020"}
    brief = {item.number: item.reasons for item in digest.management_brief}
    assert [item.number for item in digest.management_brief] == ["INC-000060", "INC-000042", "REQ-000020"]
    assert brief["INC-000060"] == ("breached at P1", "reopened 2 times", "2 clocks breached")
    assert brief["INC-000042"] == ("breached at P2",)
    assert brief["REQ-000020"] == ("breached VIP request",)


def test_without_previous_patrol_every_breach_counts() -> None:
    digest = patrol(previous_patrol=None)
    assert digest.numbers(BREACHED) == ["INC-000060", "INC-000042", "REQ-000020"]
    assert "first response breached at 09:00 on Fri 20 Nov; resolution breached at 09:00 on Sat 21 Nov" in (
        digest.section(BREACHED).entries[0].reason
    )


def test_at_risk_horizon_setting() -> None:
    wide = PatrolSettings(timezone="America/Chicago", at_risk_horizon=timedelta(days=2))
    digest = patrol(settings=wide)
    assert digest.numbers(AT_RISK) == ["INC-000050", "INC-000051"]
    assert digest.section(AT_RISK).title == "At risk within 2 d"


def test_order_and_output_do_not_depend_on_input_order() -> None:
    shuffled = list(TICKETS)
    random.Random(7).shuffle(shuffled)
    assert patrol(shuffled).to_dict() == patrol().to_dict()
    assert patrol(shuffled).to_text() == patrol().to_text()


def test_to_dict_is_json() -> None:
    doc = json.loads(json.dumps(patrol().to_dict()))
    assert doc["patrol_date"] == "2026-11-24"
    assert doc["ticket_count"] == 7
    assert doc["sections"][0]["count"] == 2
    assert doc["management_brief"][0]["number"] == "INC-000060"


def test_to_text() -> None:
    text = patrol().to_text()
    assert text.startswith("Morning patrol, Tue 24 Nov 2026 (America/Chicago), since 07:30 yesterday\n")
    assert (
        "  * INC-000042 [P2] Printer offline: resolution breached at 14:05 yesterday, assigned to ann (network)"
        "  [brief management]" in text
    )
    assert "Brief management (3)" in text
    assert "  * INC-000060 [P1] title of INC-000060: breached at P1; reopened 2 times; 2 clocks breached" in text


def test_empty_patrol() -> None:
    digest = patrol([])
    assert digest.ticket_count == 0 and digest.management_brief == ()
    assert "  none" in digest.to_text()


def test_views_without_sla_are_tolerated() -> None:
    digest = patrol([view("INC-000001", sla=None, priority="P1")])
    assert digest.numbers(OPEN_P1_P2) == ["INC-000001"]
    assert digest.numbers(BREACHED) == []
