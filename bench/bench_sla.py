"""Cost of replaying a ticket's SLA clocks from its events.

``run()`` builds a ticket with 200 events (pauses, priority changes, public updates, reopens) under
a policy with all three clocks and two warning thresholds, and times :func:`compute_clocks` on the
office calendar (with holidays) and on 24x7. Figures are milliseconds, the median of the repeats;
calendar timelines are warmed first, as they are in a running Lambda.

    python -m bench.bench_sla
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.defaults import default_calendars
from chalicelib.domain.sla.policy import SlaPolicy
from chalicelib.domain.sla.replay import compute_clocks, due_alerts

EVENTS = 200
REPEATS = 30


def _policy(calendar: str) -> SlaPolicy:
    return SlaPolicy.from_dict(
        {
            "name": "bench",
            "calendar": calendar,
            "business_day_hours": {"office": 9, "24x7": 24},
            "targets": {
                "*": {
                    "first_response": {"duration": "4h"},
                    "resolution": {"duration": "5bd"},
                    "next_update": {"duration": "1bd"},
                },
                "P1": {"first_response": {"duration": "30m"}, "resolution": {"duration": "4h"}},
            },
            "warn_at": [0.5, 0.75],
        }
    )


def ticket_events(count: int = EVENTS) -> list[TicketEvent]:
    """A long-lived ticket: ``count`` events over a few weeks, cycling through what agents do."""
    start = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
    opened = {"status": "new", "priority": "P3", "requester": "rita"}
    events = [TicketEvent("INC-1", 1, start, "rita", EventKind.OPENED, after=opened)]
    cycle: list[tuple[str, dict[str, Any], str]] = [
        (EventKind.FIRST_RESPONSE, {}, "alex"),
        (EventKind.STATUS_CHANGED, {"status": "in_progress"}, "alex"),
        (EventKind.COMMENTED, {"visibility": "public"}, "alex"),
        (EventKind.STATUS_CHANGED, {"status": "waiting_on_requester"}, "alex"),
        (EventKind.COMMENTED, {"visibility": "public"}, "rita"),
        (EventKind.STATUS_CHANGED, {"status": "in_progress"}, "alex"),
        (EventKind.PRIORITY_CHANGED, {"priority": "P2"}, "alex"),
        (EventKind.COMMENTED, {"visibility": "internal"}, "alex"),
        (EventKind.ASSIGNED, {"assignee": "sam"}, "alex"),
        (EventKind.PRIORITY_CHANGED, {"priority": "P3"}, "alex"),
        (EventKind.STATUS_CHANGED, {"status": "resolved"}, "alex"),
        (EventKind.STATUS_CHANGED, {"status": "in_progress"}, "rita"),
    ]
    for seq in range(2, count + 1):
        kind, after, actor = cycle[(seq - 2) % len(cycle)]
        events.append(TicketEvent("INC-1", seq, start + timedelta(hours=seq * 1.7), actor, kind, after=after))
    return events


def _median_ms(action: Any) -> float:
    action()
    samples = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        action()
        samples.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(samples), 3)


def run() -> dict[str, float]:
    """Median milliseconds per call of each measured operation."""
    calendars = {doc["name"]: BusinessCalendar.from_dict(doc) for doc in default_calendars()}
    events = ticket_events()
    now = events[-1].at + timedelta(days=2)
    results: dict[str, float] = {}
    for name in ("office", "24x7"):
        policy = _policy(name)
        results[f"compute_clocks_200_events_{name}_ms"] = _median_ms(
            lambda policy=policy: compute_clocks(events, policy, calendars, now)
        )
    policy = _policy("office")
    clocks = compute_clocks(events, policy, calendars, now)
    results["to_dict_200_events_ms"] = _median_ms(clocks.to_dict)
    results["due_alerts_ms"] = _median_ms(lambda: due_alerts(clocks, now))
    return results


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key}: {value}")
