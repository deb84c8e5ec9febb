"""The cost of a 90-day report as the tickets grow (moto in-process).

10,000 and 100,000 synthetic tickets (opened over 120 days on 30 agents, 13 groups, 14
services, 4 business units, 5 priorities; most answered and resolved, some reassigned or
reopened, four in ten resolutions rated) are turned into their contributions by the domain (the same function the stream
handler uses; without SLA clocks, whose counters only add attributes to the same cells), summed
into rollup cells and written to the rollups table. Then ``GET /reports/measures`` and
``GET /reports/sla`` for 90 days (``desk().reports``, what the routes call) are counted: requests
by operation and items read, by ``all`` and by ``agent``. The requests follow the months and the
cells (days x keys), not the tickets: the ratio of the two stores' counts is the figure.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bench.bench_changes import _count_items
from bench.bench_sweep import BenchClock, _desk

STORE_SIZES = (10_000, 100_000)
FIRST = date(2026, 9, 1)
LAST = date(2026, 11, 29)  # 90 days
AGENTS = [f"agent{i:02d}" for i in range(30)]
GROUPS = [f"group{i:02d}" for i in range(13)]
SERVICES = [f"service{i:02d}" for i in range(14)]
UNITS = ["sales", "finance", "operations", "research"]
PRIORITIES = ["P1", "P2", "P3", "P4", "P5"]


def synthetic_events(number: str, rng: random.Random) -> list[Any]:
    from chalicelib.domain.events import EventKind, TicketEvent

    start = datetime(2026, 8, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(120 * 86400))
    agent, group = rng.choice(AGENTS), rng.choice(GROUPS)
    events: list[TicketEvent] = []

    def add(at: datetime, actor: str, kind: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        events.append(TicketEvent(number, len(events) + 1, at, actor, kind, before, after))

    add(start, "req", EventKind.OPENED, {}, {
        "type": rng.choice(["incident", "incident", "service_request"]), "status": "new", "requester": "req",
        "priority": rng.choice(PRIORITIES), "service": rng.choice(SERVICES), "business_unit": rng.choice(UNITS),
    })
    add(start, "desk", EventKind.ASSIGNED, {"assignee": None}, {"assignee": agent, "group": group})
    add(start, "desk", EventKind.STATUS_CHANGED, {"status": "new"}, {"status": "assigned"})
    at = start + timedelta(minutes=rng.randrange(5, 600))
    if rng.random() < 0.1:
        other = rng.choice(AGENTS)
        add(at, "desk", EventKind.ASSIGNED, {"assignee": agent}, {"assignee": other, "group": rng.choice(GROUPS)})
        agent = other
    add(at, agent, EventKind.COMMENTED, {}, {"visibility": "public", "comment_id": "c1"})
    add(at, agent, EventKind.FIRST_RESPONSE, {}, {"first_response_at": at.isoformat()})
    if rng.random() < 0.85:
        at += timedelta(minutes=rng.randrange(10, 5 * 24 * 60))
        add(at, agent, EventKind.STATUS_CHANGED, {"status": "assigned"}, {"status": "resolved"})
        resolution = len(events)
        if rng.random() < 0.4:
            rated = at + timedelta(minutes=rng.randrange(5, 60))  # before any reopen
            add(rated, "req", EventKind.RATED, {}, {"rating": rng.randint(1, 5), "comment": None,
                                                     "resolution": resolution, "source": "link"})
        if rng.random() < 0.05:
            at += timedelta(hours=rng.randrange(1, 48))
            add(at, "req", EventKind.STATUS_CHANGED, {"status": "resolved"}, {"status": "in_progress"})
    return sorted(events, key=lambda e: e.seq)


def load(size: int) -> dict[str, float]:
    from chalicelib import wiring
    from chalicelib.domain.measures import MeasureInputs, merge, ticket_contribution

    rng = random.Random(size)
    zone = ZoneInfo("America/Chicago")
    cells: dict[Any, dict[str, int]] = {}
    started = time.perf_counter()
    for n in range(size):
        merge(cells, ticket_contribution(MeasureInputs(synthetic_events(f"INC-{n:06d}", rng), zone)))
    computed = time.perf_counter() - started
    started = time.perf_counter()
    wiring.desk().rollup_store.replace_cells(cells, [])
    return {"cells": len(cells), "contributions_seconds": computed, "write_seconds": time.perf_counter() - started}


def report_cost(size: int) -> dict[str, float]:
    from chalicelib import wiring
    from chalicelib.storage.aws import count_dynamodb_requests

    label = f"{size // 1000}k"
    out: dict[str, float] = {}
    clock = BenchClock(datetime(2026, 11, 30, 15, 0, tzinfo=timezone.utc))
    with _desk(clock):
        loaded = load(size)
        out[f"cells_stored_{label}"] = loaded["cells"]
        out[f"contributions_{label}_seconds"] = loaded["contributions_seconds"]
        reports = wiring.desk().reports
        for kind, by in (("measures", None), ("measures", "agent"), ("sla", "service")):
            name = f"{kind}_{by or 'all'}_{label}"
            with count_dynamodb_requests() as requests, _count_items() as items:
                started = time.perf_counter()
                answer = getattr(reports, kind)(FIRST, LAST, by)
                out[f"{name}_seconds"] = time.perf_counter() - started
            out[f"{name}_requests"] = requests.total
            for operation, n in sorted(Counter(requests.calls).items()):
                out[f"{name}_requests_{operation}"] = n
            out[f"{name}_items_read"] = items.items
            out[f"{name}_rows"] = len(answer["rows"])
            if kind == "measures" and by is None:
                out[f"satisfaction_response_rate_{label}"] = answer["rows"][0]["satisfaction"]["response_rate"]
    return out


def run() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for size in STORE_SIZES:
        out.update(report_cost(size))
    small, large = (f"{s // 1000}k" for s in STORE_SIZES)
    for name in ("measures_all", "measures_agent", "sla_service"):
        out[f"{name}_requests_ratio_{large}_to_{small}"] = (
            out[f"{name}_{large}_requests"] / out[f"{name}_{small}_requests"]
        )
    return out


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:56s}{value}")
