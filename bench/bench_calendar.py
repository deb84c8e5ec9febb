"""Working-time arithmetic cost: microseconds per call over a two-year span.

Two calendars: 24x7 in Europe/Berlin, and Chicago business hours (split shift, Mon-Fri) with
explicit, recurring and US/IL public holidays. Each figure is the median of several repeats of a
timed loop, with the per-year timelines already built (``*_cold_build`` gives that one-off cost).

Run: ``python -m bench.bench_calendar``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from chalicelib.domain.sla.calendar import WEEKDAYS, BusinessCalendar

REPEATS = 7
CALLS = 2_000
SPAN_START = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
SPAN_END = SPAN_START + timedelta(days=730)


def round_the_clock() -> BusinessCalendar:
    return BusinessCalendar.from_dict(
        {
            "name": "bench-24x7",
            "timezone": "Europe/Berlin",
            "weekly_hours": {d: [["00:00", "24:00"]] for d in WEEKDAYS},
        }
    )


def business_hours() -> BusinessCalendar:
    return BusinessCalendar.from_dict(
        {
            "name": "bench-office",
            "timezone": "America/Chicago",
            "weekly_hours": {d: [["08:00", "12:00"], ["13:00", "17:00"]] for d in WEEKDAYS[:5]},
            "holidays": ["2025-12-24", "2026-12-24"],
            "recurring_holidays": ["12-31"],
            "holiday_country": "US",
            "holiday_subdivision": "IL",
        }
    )


def per_call_us(call: Callable[[], object], calls: int = CALLS, repeats: int = REPEATS) -> float:
    """Median over ``repeats`` of the mean time of one call, in microseconds."""
    samples = []
    for _ in range(repeats):
        began = time.perf_counter()
        for _ in range(calls):
            call()
        samples.append((time.perf_counter() - began) / calls * 1e6)
    return statistics.median(samples)


def measure(label: str, cal: BusinessCalendar) -> dict[str, float]:
    began = time.perf_counter()
    worked = cal.seconds_between(SPAN_START, SPAN_END)  # builds the timelines it needs
    cold = (time.perf_counter() - began) * 1e6
    assert cal.add(SPAN_START, worked) <= SPAN_END
    return {
        f"{label}.cold_build_two_years": cold,
        f"{label}.seconds_between_two_years": per_call_us(lambda: cal.seconds_between(SPAN_START, SPAN_END)),
        f"{label}.add_two_years": per_call_us(lambda: cal.add(SPAN_START, worked)),
        f"{label}.subtract_two_years": per_call_us(lambda: cal.subtract(SPAN_END, worked)),
        f"{label}.add_one_hour": per_call_us(lambda: cal.add(SPAN_START, 3600)),
        f"{label}.next_open": per_call_us(lambda: cal.next_open(SPAN_START)),
    }


def run() -> dict[str, float]:
    """Figures in microseconds per call (the cold build is one-off, also in microseconds)."""
    figures: dict[str, float] = {}
    figures.update(measure("24x7", round_the_clock()))
    figures.update(measure("business_hours", business_hours()))
    return figures


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:45s} {value:10.2f} us")
