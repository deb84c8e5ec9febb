"""Calendar arithmetic refuses spans it cannot serve quickly, instead of walking them year by year."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.sla.calendar import MAX_SPAN_YEARS, WEEKDAYS, BusinessCalendar

OFFICE = BusinessCalendar.from_dict(
    {
        "name": "office",
        "timezone": "America/Chicago",
        "weekly_hours": {d: [["08:00", "17:00"]] for d in WEEKDAYS[:5]},
        "holiday_country": "US",
    }
)
START = datetime(2026, 3, 2, 15, tzinfo=UTC)
YEAR_OF_WORK = 260 * 9 * 3600


def test_seconds_between_refuses_a_span_of_millennia() -> None:
    with pytest.raises(ValueError, match="span of more than"):
        OFFICE.seconds_between(START, datetime(9000, 1, 1, tzinfo=UTC))


def test_add_and_subtract_refuse_to_walk_beyond_the_span() -> None:
    with pytest.raises(ValueError, match="span of more than"):
        OFFICE.add(START, YEAR_OF_WORK * (MAX_SPAN_YEARS + 5))
    with pytest.raises(ValueError, match="span of more than"):
        OFFICE.subtract(START, YEAR_OF_WORK * (MAX_SPAN_YEARS + 5))


def test_the_accepted_range_is_served() -> None:
    opened = datetime(2000, 1, 3, 15, tzinfo=UTC)
    due = datetime(2036, 12, 31, tzinfo=UTC)
    work = OFFICE.seconds_between(opened, due)
    assert work > 30 * YEAR_OF_WORK * 0.9
    assert OFFICE.add(opened, work) <= due
