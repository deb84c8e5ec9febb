"""SLA sweep costs on moto in-process: what one sweep reads as the store grows, and its wall time.

Principle 2 of the design: the sweep queries the sparse deadline index for ``next_deadline <= now``,
so the items it reads and the requests it makes grow with the due tickets, not with all tickets.
The same 50 due tickets are swept in a store of 10,000 and of 100,000 tickets; the counts must match.

moto answers a GSI Query by scanning (and sorting) the whole table in Python, so the *wall time* of
the index Query grows with the table on moto although DynamoDB reads only the matching index items.
The counts are therefore the cost figures; the wall time is reported only for 1,000 due tickets in a
store holding nothing else.
"""

from __future__ import annotations

import io
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Monday 23 November 2026, 09:00 in Chicago. P3 incidents get a 4 working-hour first response,
# warned at 75% (12:00 Chicago): a sweep at OPENED + 3h30 finds every ticket opened at OPENED due.
OPENED = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
SWEEP_AT = OPENED + timedelta(hours=3, minutes=30)
DUE = 50
STORE_SIZES = (10_000, 100_000)
TIMED_DUE = 1_000
#: Filler ticket numbers start here, clear of the numbers the service allocates to the due tickets.
FILLER_FIRST_NUMBER = 100_000
#: One filler ticket in this many has a running clock whose next deadline lies after the sweep.
FILLER_RUNNING_EVERY = 10
#: One filler ticket in this many waits on its requester (clocks paused: no next deadline).
FILLER_PAUSED_EVERY = 7


@dataclass
class BenchClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


def _stage_environment() -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    os.environ.pop("DYNAMODB_ENDPOINT", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from chalicelib.cli import apply_stage_environment

    apply_stage_environment("dev")
    # The configuration cache expires after 30 s of wall time by default. Loading 100,000 tickets
    # into moto takes longer than that, and a sweep over 1,000 tickets on moto too, so with the
    # default the config reads would land in some sweeps and not others. Every sweep here starts
    # with the services built afresh (a cold container: config read once) and the cache then holds.
    os.environ["CONFIG_CACHE_SECONDS"] = "3600"


def _reset_caches() -> None:
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.storage import aws

    get_settings.cache_clear()
    aws.reset_clients()
    wiring.install(None)


@contextmanager
def _quiet() -> Iterator[None]:
    """Keep the desk's info logs and EMF metric lines out of the figures."""
    from chalicelib.observability import logger

    level = logger.log_level
    logger.setLevel("WARNING")
    try:
        with redirect_stdout(io.StringIO()):
            yield
    finally:
        logger.setLevel(level)


@contextmanager
def _desk(clock: BenchClock) -> Iterator[None]:
    """A fresh moto-backed desk: the dev stage's tables, the default documents, ``clock`` injected."""
    from moto import mock_aws

    from scripts.moto_tuning import cheap_transaction_snapshots

    _stage_environment()
    cheap_transaction_snapshots()
    with _quiet(), mock_aws():
        _reset_caches()
        from chalicelib import wiring
        from chalicelib.config import get_settings
        from chalicelib.services.seeding import seed_defaults
        from chalicelib.storage.aws import client
        from chalicelib.storage.tables import create_tables
        from chalicelib.wiring import desk

        create_tables(get_settings(), client("dynamodb"))
        seed_defaults(desk().config_service)
        wiring.install(wiring.bootstrap(clock=clock))
        try:
            yield
        finally:
            wiring.install(None)
            _reset_caches()


def _open_due_tickets(n: int) -> None:
    from chalicelib import wiring
    from chalicelib.domain.identity import Identity
    from chalicelib.services.tickets import OpenTicket

    service = wiring.desk().ticket_service
    requester = Identity("alice", "requester")
    request = OpenTicket(type="incident", title="Printer offline", description="Floor 3")
    for _ in range(n):
        service.open_ticket(request, requester)


def _filler_ticket(i: int) -> Any:
    """A ticket that is not due at ``SWEEP_AT``: mostly closed or resolved, some paused, some running."""
    from chalicelib.domain.ticket import TICKET_TYPES, Ticket, format_number

    ticket_type = TICKET_TYPES[i % len(TICKET_TYPES)]
    created = OPENED - timedelta(minutes=7 * (i + 1))
    fields: dict[str, Any] = {
        "number": format_number(ticket_type, FILLER_FIRST_NUMBER + i),
        "type": ticket_type,
        "title": f"Laptop docking station not detected ({i})",
        "description": "The external monitors stay dark after the latest driver update.",
        "requester": f"user{i % 997}",
        "impact": "medium",
        "urgency": "medium",
        "priority": "P3",
        "created_at": created,
        "updated_at": created + timedelta(hours=2),
        "assignee": f"agent{i % 23}",
        "group": "service-desk",
        "first_response_at": created + timedelta(minutes=30),
        "event_seq": 4,
    }
    if i % FILLER_RUNNING_EVERY == 0:
        deadline = SWEEP_AT + timedelta(hours=1, minutes=i % 4000)
        return Ticket(status="in_progress", next_deadline=deadline, **fields)
    if i % FILLER_PAUSED_EVERY == 0:
        return Ticket(status="waiting_on_requester", **fields)
    resolved = created + timedelta(hours=5)
    if i % 3 == 0:
        return Ticket(status="resolved", resolved_at=resolved, **fields)
    return Ticket(status="closed", resolved_at=resolved, closed_at=resolved + timedelta(days=3), **fields)


def add_filler(count: int) -> None:
    """Write ``count`` filler tickets as items with PynamoDB's BatchWriteItem (25 items a request).

    Through moto in-process this loads about 1,700 items a second on a 2-core machine (100,000 in
    about a minute), fast enough that writing into moto's backend directly is not needed.
    """
    from chalicelib.storage.models import TicketModel
    from chalicelib.storage.repository import ticket_to_item

    with TicketModel.batch_write() as batch:
        for i in range(count):
            item = ticket_to_item(_filler_ticket(i))
            item.version = 1
            batch.save(item)


def _new_sweep() -> Any:
    """A sweep as a freshly started scheduled Lambda builds it (no cached configuration)."""
    from chalicelib import wiring
    from chalicelib.services.sweep import SlaSweep
    from chalicelib.storage.outbox import DeadlineIndex
    from chalicelib.storage.repository import DynamoTicketRepository

    wiring.install(None)
    return SlaSweep(
        DynamoTicketRepository(),
        DeadlineIndex(),
        wiring.desk().clock_keeper,
        wiring.desk().notice_factory,
        wiring.desk().clock,
        wiring.desk().escalations,
    )


def _index_size() -> int:
    """Items on the sparse deadline index (a moto-side count: no request is made)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.config import get_settings

    table = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].tables[get_settings().tickets_table]
    return sum(1 for item in table.all_items() if "next_deadline" in item.attrs)


def sweep_reads(store_size: int) -> dict[str, float]:
    """Items read and requests made by one sweep over ``DUE`` due tickets in a store of ``store_size``.

    The sweep runs as a freshly started Lambda, so its requests include the configuration reads
    made once per container (``config_requests``). The floor is one Query per shard page of the
    index, no read of the due tickets (the index projects them) and one transaction per ticket
    that fires; ``ratio_to_floor`` compares the sweep's own requests (all but the configuration
    reads) with it.
    """
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import count_dynamodb_requests

    clock = BenchClock(OPENED)
    label = f"{store_size // 1000}k"
    out: dict[str, float] = {}
    with _desk(clock):
        _open_due_tickets(DUE)
        started = time.perf_counter()
        add_filler(store_size - DUE)
        out[f"load_{label}_filler_seconds"] = time.perf_counter() - started
        out[f"index_items_{label}"] = _index_size()
        clock.now = SWEEP_AT
        sweep = _new_sweep()
        with (
            count_dynamodb_requests() as counter,
            _count_requests_naming(get_settings().config_table) as config,
            _count_requests_naming("by_deadline") as index_pages,
        ):
            report = sweep.run()
        out[f"due_{label}"] = report.due
        out[f"index_items_read_{label}"] = sweep.index.items_read
        out[f"tickets_read_{label}"] = report.tickets_read
        out[f"events_read_{label}"] = sweep.index.events_read
        out[f"items_read_{label}"] = sweep.index.items_read + report.tickets_read + sweep.index.events_read
        out[f"requests_{label}"] = counter.total
        for operation, n in sorted(Counter(counter.calls).items()):
            out[f"requests_{label}_{operation}"] = n
        floor = index_pages.total + report.alerts
        out[f"index_pages_{label}"] = index_pages.total
        out[f"config_requests_{label}"] = config.total
        out[f"floor_requests_{label}"] = floor
        out[f"ratio_to_floor_{label}"] = (counter.total - config.total) / floor
    return out


@contextmanager
def _count_requests_naming(name: str) -> Iterator[Any]:
    """DynamoDB requests on the table or index ``name`` (its ``TableName``, ``IndexName`` or a
    ``RequestItems`` key)."""
    import json

    from chalicelib.storage.aws import RequestCounter, _dynamodb_clients

    counter = RequestCounter()

    def count(model: Any = None, params: Any = None, **_: Any) -> None:
        body = json.loads((params or {}).get("body") or b"{}")
        if name in (body.get("TableName"), body.get("IndexName")) or name in body.get("RequestItems", {}):
            counter(model)

    clients = list({id(c): c for c in _dynamodb_clients()}.values())
    for dynamo in clients:
        dynamo.meta.events.register("before-call.dynamodb", count)
    try:
        yield counter
    finally:
        for dynamo in clients:
            dynamo.meta.events.unregister("before-call.dynamodb", count)


@dataclass
class RequestTimer:
    """Wall time spent between sending a DynamoDB request and having its parsed answer (moto's share)."""

    seconds: float = 0.0
    _started: float = 0.0

    def before(self, **_: Any) -> None:
        self._started = time.perf_counter()

    def after(self, **_: Any) -> None:
        self.seconds += time.perf_counter() - self._started


@contextmanager
def _time_dynamodb_requests() -> Iterator[RequestTimer]:
    from chalicelib.storage.aws import _dynamodb_clients

    timer = RequestTimer()
    clients = list({id(c): c for c in _dynamodb_clients()}.values())
    for dynamo in clients:
        dynamo.meta.events.register("before-call.dynamodb", timer.before)
        dynamo.meta.events.register("after-call.dynamodb", timer.after)
    try:
        yield timer
    finally:
        for dynamo in clients:
            dynamo.meta.events.unregister("before-call.dynamodb", timer.before)
            dynamo.meta.events.unregister("after-call.dynamodb", timer.after)


def sweep_time(due: int = TIMED_DUE) -> dict[str, float]:
    """Wall time of one sweep over ``due`` due tickets (their warnings and escalation steps fire).

    The store holds only these tickets. The time is split into the DynamoDB requests (moto
    in-process: it answers a Query by scanning the table and snapshots every table a transaction
    touches, so its share grows with the events and outbox tables as the sweep fills them) and
    the rest (the desk's own work: replaying clocks, planning escalations, building items).
    """
    clock = BenchClock(OPENED)
    out: dict[str, float] = {}
    with _desk(clock):
        started = time.perf_counter()
        _open_due_tickets(due)
        out[f"open_{due}_tickets_seconds"] = time.perf_counter() - started
        clock.now = SWEEP_AT
        sweep = _new_sweep()
        with _time_dynamodb_requests() as timer:
            started = time.perf_counter()
            report = sweep.run()
            seconds = time.perf_counter() - started
    out[f"sweep_{due}_due"] = report.due
    out[f"sweep_{due}_alerts"] = report.alerts
    out[f"sweep_{due}_seconds"] = seconds
    out[f"sweep_{due}_ms_per_ticket"] = seconds * 1000 / max(report.due, 1)
    out[f"sweep_{due}_seconds_in_dynamodb_requests"] = timer.seconds
    out[f"sweep_{due}_ms_per_ticket_outside_requests"] = (seconds - timer.seconds) * 1000 / max(report.due, 1)
    return out


def run() -> dict[str, float]:
    out: dict[str, float] = {}
    for size in STORE_SIZES:
        out.update(sweep_reads(size))
    small, large = (f"{s // 1000}k" for s in STORE_SIZES)
    out["items_read_equal_10k_100k"] = float(out[f"items_read_{small}"] == out[f"items_read_{large}"])
    out["requests_equal_10k_100k"] = float(out[f"requests_{small}"] == out[f"requests_{large}"])
    out["ratio_to_floor_within_1_2"] = float(max(out[f"ratio_to_floor_{n}"] for n in (small, large)) <= 1.2)
    out.update(sweep_time())
    return out


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name:48s} {value:12.3f}" if isinstance(value, float) else f"{name:48s} {value:>12}")
