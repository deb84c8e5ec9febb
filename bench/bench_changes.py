"""The cost of one change conflict check as the change slots grow (moto in-process).

A plan edit that sets a window on a service (``desk().change_service.plan``) checks it for
conflicts with one Query per planned service over the window starts in
``[start - MAX_WINDOW, end)`` (``chalicelib.storage.change_slots``). The same plan edit is made
with 100 and with 100,000 slots stored: the slots near the window (``NEAR``, three of them
overlapping it) are the same in both stores; the filler lies on every catalog service, months
before or after the window. The DynamoDB requests and the items they return must not grow with
the store: the ratio of the two counts is the figure (1.0 is flat).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from bench.bench_sweep import BenchClock, _count_requests_naming, _desk

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
WINDOW_START = NOW + timedelta(days=2)
WINDOW_END = WINDOW_START + timedelta(hours=3)
SERVICE = "erp"
STORE_SIZES = (100, 100_000)
#: Slots on ``SERVICE`` near the window, in both stores: three overlap it, two end before it starts.
NEAR = 5
#: Filler slots never start within this distance of the window (well outside ``MAX_WINDOW``).
FILLER_GAP = timedelta(days=60)


@dataclass
class ItemCounter:
    """Items returned by DynamoDB answers, through botocore's ``after-call`` event hook."""

    items: int = 0
    by_operation: Counter[str] = field(default_factory=Counter)

    def __call__(self, model: Any = None, parsed: Any = None, **_: Any) -> None:
        parsed = parsed or {}
        responses = parsed.get("Responses") or []
        n = len(parsed.get("Items", [])) + (1 if parsed.get("Item") else 0)
        if isinstance(responses, dict):  # BatchGetItem: the items by table
            n += sum(len(found) for found in responses.values())
        else:  # TransactGetItems: one answer per item asked for
            n += sum(1 for answer in responses if answer.get("Item"))
        self.items += n
        self.by_operation[getattr(model, "name", "?")] += n


@contextmanager
def _count_items() -> Iterator[ItemCounter]:
    from chalicelib.storage.aws import _dynamodb_clients

    counter = ItemCounter()
    clients = list({id(c): c for c in _dynamodb_clients()}.values())
    for dynamo in clients:
        dynamo.meta.events.register("after-call.dynamodb", counter)
    try:
        yield counter
    finally:
        for dynamo in clients:
            dynamo.meta.events.unregister("after-call.dynamodb", counter)


def _near_slots() -> list[tuple[datetime, datetime]]:
    """Windows on ``SERVICE`` around the checked one: three overlap it, two lie just before it."""
    return [
        (WINDOW_START - timedelta(hours=1), WINDOW_START + timedelta(hours=1)),
        (WINDOW_START + timedelta(hours=1), WINDOW_START + timedelta(hours=2)),
        (WINDOW_START - timedelta(days=3), WINDOW_START + timedelta(hours=2)),
        (WINDOW_START - timedelta(days=1), WINDOW_START - timedelta(hours=20)),
        (WINDOW_START - timedelta(days=10), WINDOW_START - timedelta(days=9)),
    ][:NEAR]


def add_slots(count: int, services: list[str]) -> None:
    """``count`` change slots written with PynamoDB's BatchWriteItem: ``NEAR`` on ``SERVICE`` around
    the window, the rest spread over ``services`` at least ``FILLER_GAP`` away from it."""
    from chalicelib.storage.models import ChangeSlotModel, format_instant

    def slot(service: str, number: str, start: datetime, end: datetime) -> Any:
        return ChangeSlotModel(
            service, f"{format_instant(start)}#{number}", number=number, start=start, end=end, status="scheduled"
        )

    with ChangeSlotModel.batch_write() as batch:
        for i, (start, end) in enumerate(_near_slots()):
            batch.save(slot(SERVICE, f"CHG-{900_000 + i:06d}", start, end))
        for i in range(count - NEAR):
            hours = 4 * (i // 2)
            offset = FILLER_GAP + timedelta(hours=hours)
            start = WINDOW_START + offset if i % 2 else WINDOW_START - offset - timedelta(days=14)
            batch.save(slot(services[i % len(services)], f"CHG-{100_000 + i:06d}", start, start + timedelta(hours=2)))


def conflict_check(store_size: int) -> dict[str, float]:
    """Requests and items read by one plan edit setting a window on ``SERVICE``."""
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.domain.identity import Identity
    from chalicelib.services.tickets import OpenTicket
    from chalicelib.storage.aws import count_dynamodb_requests

    label = f"{store_size // 1000}k" if store_size >= 1000 else str(store_size)
    out: dict[str, float] = {}
    with _desk(BenchClock(NOW)):
        desk = wiring.desk()
        ticket = desk.ticket_service.open_ticket(
            OpenTicket(type="change_request", title="Upgrade the ERP database", description="PostgreSQL 14 to 16"),
            Identity("alice", "requester"),
        )
        agent = Identity("ann", "agent")
        # A first edit warms the configuration cache (catalog, groups, freezes) as a warm Lambda has it.
        ticket = desk.change_service.plan(ticket.number, {"version": ticket.version, "model": "normal"}, agent)
        services = sorted(desk.change_service.directory.services())
        started = time.perf_counter()
        add_slots(store_size, services)
        out[f"load_{label}_slots_seconds"] = time.perf_counter() - started
        body = {
            "version": ticket.version,
            "services": [SERVICE],
            "window": {"start": WINDOW_START.isoformat(), "end": WINDOW_END.isoformat()},
        }
        with (
            count_dynamodb_requests() as requests,
            _count_items() as items,
            _count_requests_naming(get_settings().change_slots_table) as slot_queries,
        ):
            planned = desk.change_service.plan(ticket.number, json.loads(json.dumps(body)), agent)
        assert planned.change is not None
        out[f"conflicts_{label}"] = len(planned.change.conflicts)
        out[f"requests_{label}"] = requests.total
        for operation, n in sorted(Counter(requests.calls).items()):
            out[f"requests_{label}_{operation}"] = n
        out[f"requests_{label}_on_change_slots"] = slot_queries.total
        out[f"items_read_{label}"] = items.items
        for operation, n in sorted(items.by_operation.items()):
            if n:
                out[f"items_read_{label}_{operation}"] = n
    return out


def run() -> dict[str, float]:
    out: dict[str, float] = {}
    for size in STORE_SIZES:
        out.update(conflict_check(size))
    small, large = (f"{s // 1000}k" if s >= 1000 else str(s) for s in STORE_SIZES)
    out[f"requests_ratio_{large}_to_{small}"] = out[f"requests_{large}"] / out[f"requests_{small}"]
    out[f"items_read_ratio_{large}_to_{small}"] = out[f"items_read_{large}"] / out[f"items_read_{small}"]
    return out


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:48s} {value:12.3f}" if isinstance(value, float) else f"{name:48s} {value:>12}")
