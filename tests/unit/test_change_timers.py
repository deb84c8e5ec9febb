"""Change timers: which moments a change request has in each state, and that each fires once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.change import Approval, ChangePlan, Window
from chalicelib.domain.change_timers import (
    ELS_END,
    EMERGENCY_AUTHORIZATION_DUE,
    REVIEW_DUE,
    WINDOW_OVERRUN,
    WINDOW_START,
    TimerSettings,
    due_timers,
    next_timer_at,
    timers,
)
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.ticket import Ticket

T0 = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
WINDOW = Window(T0 + timedelta(hours=2), T0 + timedelta(hours=4))
SETTINGS = TimerSettings(emergency_authorization_hours=12, review_days=2)


def change(status: str, plan: ChangePlan, **fields: Any) -> Ticket:
    return Ticket(
        number="CHG-000001",
        type="change_request",
        title="Upgrade",
        description="d",
        requester="alice",
        status=status,
        impact="medium",
        urgency="medium",
        priority="P3",
        created_at=T0,
        updated_at=T0,
        change=plan,
        **fields,
    )


def named(ticket: Ticket) -> list[tuple[str, datetime]]:
    return [(t.name, t.at) for t in timers(ticket, SETTINGS)]


def test_each_state_has_its_timers() -> None:
    normal = ChangePlan(model="normal", window=WINDOW, implementer_group="database")
    assert named(change("authorization", normal)) == []
    assert named(change("scheduled", normal)) == [(WINDOW_START, WINDOW.start)]
    started = normal.evolve(actual_start=WINDOW.start)
    assert named(change("implementing", started)) == [(WINDOW_OVERRUN, WINDOW.end)]
    ended = started.evolve(actual_end=WINDOW.end - timedelta(hours=1), els_hours=10)
    review = change("review", ended, resolved_at=ended.actual_end)
    assert named(review) == [
        (REVIEW_DUE, ended.actual_end + timedelta(days=2)),  # type: ignore[operator]
        (ELS_END, ended.actual_end + timedelta(hours=10)),  # type: ignore[operator]
    ]
    assert named(change("closed", ended)) == [(ELS_END, ended.actual_end + timedelta(hours=10))]  # type: ignore[operator]
    assert named(change("cancelled", ended)) == []


def test_an_emergency_change_has_its_authorization_due_until_decided() -> None:
    emergency = ChangePlan(model="emergency", actual_start=T0, implementer_group="database")
    assert named(change("implementing", emergency)) == [(EMERGENCY_AUTHORIZATION_DUE, T0 + timedelta(hours=12))]
    decided = emergency.evolve(approvals=(Approval("dora", "approve", T0),))
    assert named(change("implementing", decided)) == []
    assert named(change("implementing", emergency).evolve(type="incident")) == []


def test_a_timer_is_due_at_its_moment_and_once() -> None:
    ticket = change("scheduled", ChangePlan(model="normal", window=WINDOW, implementer_group="database"))
    assert next_timer_at(ticket, [], SETTINGS) == WINDOW.start
    assert due_timers(ticket, [], WINDOW.start - timedelta(seconds=1), SETTINGS) == []
    [due] = due_timers(ticket, [], WINDOW.start, SETTINGS)
    assert due.timer_id(ticket.number).startswith("CHG-000001#change#window_start#2026-03-02T22:00:00")
    fired = TicketEvent(
        ticket.number,
        5,
        WINDOW.start,
        "desk",
        EventKind.CHANGE_TIMER,
        {},
        {"timer": due.name, "timer_id": due.timer_id(ticket.number)},
    )
    assert due_timers(ticket, [fired], WINDOW.end, SETTINGS) == []
    assert next_timer_at(ticket, [fired], SETTINGS) is None
    moved = change("scheduled", ChangePlan(model="normal", window=Window(WINDOW.end, WINDOW.end + timedelta(hours=1))))
    assert [t.name for t in due_timers(moved, [fired], WINDOW.end, SETTINGS)] == [WINDOW_START]


def test_a_fired_timer_writes_a_notice_the_outbox_can_read_back() -> None:
    import json

    from chalicelib.domain.notice import Notice
    from chalicelib.services.change_timers import ChangeTimers
    from chalicelib.services.notices import NoticeFactory

    class Leads:
        def group_lead(self, group: str | None) -> str | None:
            return "dora" if group == "database" else None

    scheduled = change("scheduled", ChangePlan(model="normal", window=WINDOW, implementer_group="database"))
    timers_service = ChangeTimers(NoticeFactory(channels=("outbox",), public_url="https://desk"), Leads(), SETTINGS)
    _, events, claims, notices = timers_service.plan(scheduled, [], WINDOW.start)
    assert [e["after"]["timer"] for e in events] == [WINDOW_START] and len(claims) == 1
    assert notices and all(n.recipient == "dora" for n in notices)
    for notice in notices:  # the relay and GET /admin/outbox read notices back from their JSON
        assert Notice.from_dict(json.loads(json.dumps(notice.to_dict()))) == notice
