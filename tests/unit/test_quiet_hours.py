"""Quiet hours per recipient: who may be interrupted, and when a held notice goes out. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.notice import Notice
from chalicelib.domain.quiet_hours import delivery_time, interrupts
from chalicelib.domain.sla.calendar import BusinessCalendar

#: Mon-Fri 08:00-17:00 in Chicago (UTC-6 in November).
OFFICE = BusinessCalendar.from_dict(
    {
        "name": "ann-hours",
        "timezone": "America/Chicago",
        "weekly_hours": {d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    }
)
MONDAY_10AM = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
MONDAY_8PM = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
TUESDAY_8AM = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
SATURDAY_NOON = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
NEXT_MONDAY_8AM = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def notice(urgent: bool = False, created_at: datetime = MONDAY_8PM, **data: Any) -> Notice:
    return Notice(
        notice_id="n-1",
        kind="sla_warning",
        ticket="REQ-000007",
        recipient="ann",
        channel="slack",
        subject="warning",
        text="text",
        created_at=created_at,
        urgent=urgent,
        data={"type": "service_request", "priority": "P3", **data},
    )


@pytest.mark.parametrize(
    ("data", "urgent", "reason"),
    [
        ({"type": "incident", "priority": "P1"}, False, "P1 incident"),
        ({"type": "incident", "priority": "P2"}, False, "P2 incident"),
        ({"tags": ["early-life-support"]}, False, "early-life support after a change"),
        ({"tags": ["Milestone"]}, False, "needed to meet a milestone"),
        ({}, True, "urgent notice (page)"),
    ],
)
def test_what_may_interrupt(data: dict[str, Any], urgent: bool, reason: str) -> None:
    assert interrupts(notice(urgent=urgent, **data)) == (True, reason)
    assert delivery_time(notice(urgent=urgent, **data), OFFICE, MONDAY_8PM) == MONDAY_8PM


def test_low_priority_incidents_and_requests_wait() -> None:
    may, why = interrupts(notice(type="incident", priority="P3"))
    assert not may and why == "P3 incident: waits for the recipient's working hours"
    assert interrupts(notice())[0] is False


def test_els_until_counts_while_in_the_future() -> None:
    running = notice(els_until=(MONDAY_8PM + timedelta(days=3)).isoformat())
    assert interrupts(running)[0]
    assert delivery_time(running, OFFICE, MONDAY_8PM) == MONDAY_8PM
    over = notice(els_until=(MONDAY_8PM - timedelta(days=1)).isoformat())
    assert not interrupts(over)[0]
    assert delivery_time(over, OFFICE, MONDAY_8PM) == TUESDAY_8AM
    # ``now`` decides, not the notice's creation.
    assert not interrupts(running, MONDAY_8PM + timedelta(days=4))[0]


def test_in_working_hours_now() -> None:
    assert delivery_time(notice(created_at=MONDAY_10AM), OFFICE, MONDAY_10AM) == MONDAY_10AM


def test_evening_waits_for_the_next_morning_and_weekend_for_monday() -> None:
    assert delivery_time(notice(), OFFICE, MONDAY_8PM) == TUESDAY_8AM
    assert delivery_time(notice(), OFFICE, SATURDAY_NOON) == NEXT_MONDAY_8AM


def test_no_calendar_or_no_working_time_never_holds_a_notice() -> None:
    assert delivery_time(notice(), None, MONDAY_8PM) == MONDAY_8PM
    empty = BusinessCalendar.from_dict({"name": "never", "timezone": "UTC", "weekly_hours": {}})
    assert delivery_time(notice(), empty, MONDAY_8PM) == MONDAY_8PM


def test_a_notice_read_back_from_its_dict_works_too() -> None:
    doc = Notice.from_dict(notice(type="incident", priority="P1").to_dict())
    assert interrupts(doc) == (True, "P1 incident")
    assert delivery_time(Notice.from_dict(notice().to_dict()), OFFICE, MONDAY_8PM) == TUESDAY_8AM


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        delivery_time(notice(), OFFICE, datetime(2026, 11, 23, 20, 0))


@given(minutes=st.integers(min_value=0, max_value=60 * 24 * 14))
def test_delivery_is_never_early_and_lands_in_working_hours(minutes: int) -> None:
    now = MONDAY_10AM + timedelta(minutes=minutes)
    at = delivery_time(notice(created_at=now), OFFICE, now)
    assert at >= now
    assert OFFICE.is_working(at)
    assert at == now or not OFFICE.is_working(now)
