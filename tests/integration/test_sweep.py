"""The SLA sweep on moto: exactly-once alerts under concurrency, retries and reopen cycles."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.domain.identity import Identity
from chalicelib.services.sweep import DueTicket, SlaSweep
from chalicelib.services.tickets import OpenTicket, TicketService
from chalicelib.storage.aws import count_dynamodb_requests
from chalicelib.storage.models import OutboxModel
from chalicelib.storage.outbox import DeadlineIndex
from chalicelib.storage.repository import DEADLINE_SHARDS, DynamoTicketRepository
from tests.moto_lock import serialised_moto
from tests.unit.fakes import FakeClock

# Monday 23 November 2026, 09:00 in Chicago: P3 incidents get a 4 working-hour first response,
# warned at 75% (12:00 Chicago) and breached at 13:00 Chicago.
OPENED = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
ALICE = Identity("alice", "requester")
AGENT = Identity("ann", "agent")


@pytest.fixture
def clock(aws: None) -> Iterator[FakeClock]:
    fake = FakeClock(OPENED)
    wiring.install(wiring.bootstrap(clock=fake))
    yield fake
    wiring.install(None)


def open_tickets(n: int, **fields: Any) -> list[str]:
    """Open ``n`` tickets on the real clocks; without intake classification, which the sweep does
    not depend on (and which would only make opening a thousand of them slower)."""
    service = TicketService(DynamoTicketRepository(), wiring.desk().clock, clocks=wiring.desk().clock_keeper)
    request = OpenTicket(type="incident", title="Printer offline", description="Floor 3", **fields)
    return [service.open_ticket(request, ALICE).number for _ in range(n)]


def new_sweep() -> SlaSweep:
    return SlaSweep(
        DynamoTicketRepository(),
        DeadlineIndex(),
        wiring.desk().clock_keeper,
        wiring.desk().notice_factory,
        wiring.desk().clock,
        wiring.desk().escalations,
    )


def notices_by_kind(kinds: tuple[str, ...] = ("sla_warning", "sla_breach")) -> Counter[str]:
    """Notices kept in the outbox, by kind (the outbox channel's copy: one per notice)."""
    return Counter(
        item.kind for item in OutboxModel.scan() if item.channel == "outbox" and item.kind in kinds
    )  # a Scan: test inspection only


def sweep_concurrently(sweeps: int = 2) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            new_sweep().run()
        except BaseException as exc:  # pragma: no cover - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(sweeps)]
    with serialised_moto():
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors, errors


def two_concurrent_sweeps_fire_each_alert_once(clock: FakeClock, n: int) -> None:
    """Two sweeps at once over ``n`` due tickets, at the warning and again at the breach."""
    numbers = open_tickets(n)
    clock.now = OPENED + timedelta(hours=3, minutes=30)
    sweep_concurrently()
    kinds = ("sla_warning", "sla_breach", "escalation")
    # The warning, and the default escalation step "at the warning, notify the assignee".
    assert notices_by_kind(kinds) == Counter({"sla_warning": n, "escalation": n})
    clock.now = OPENED + timedelta(hours=4, minutes=30)
    sweep_concurrently()
    # The breach, and "at breach, notify the group lead" (+ the reassignment to tier 2).
    assert notices_by_kind(kinds) == Counter({"sla_warning": n, "sla_breach": n, "escalation": 2 * n})
    events = wiring.desk().ticket_service.history(numbers[0], AGENT)
    assert [e.kind for e in events].count("sla_breached") == 1


def test_two_concurrent_sweeps_over_50_due_tickets_fire_each_alert_once(clock: FakeClock) -> None:
    # The same proof over 1,000 tickets runs in the soak tier (tests/soak).
    two_concurrent_sweeps_fire_each_alert_once(clock, 50)


def test_sweep_reads_only_due_tickets(clock: FakeClock) -> None:
    open_tickets(5)
    clock.advance(hours=1)
    open_tickets(20)  # opened later: not due yet
    wiring.desk().config_service.cache_seconds = 3600
    new_sweep().run()  # nothing due yet: loads the configuration a warm Lambda has cached
    clock.now = OPENED + timedelta(hours=3, minutes=30)
    sweep = new_sweep()
    with count_dynamodb_requests() as counter:
        report = sweep.run()
    assert report.due == 5 and report.alerts == 5 and report.tickets_read == 0
    assert isinstance(sweep.index, DeadlineIndex) and sweep.index.items_read == 5
    # Per shard one index Query, which yields the due tickets themselves; one BatchGetItem for
    # their events; per due ticket the transaction; once per process, the agents' documents
    # (their shifts decide the escalations' quiet hours).
    assert Counter(counter.calls) == Counter({"Query": 8 + 1, "BatchGetItem": 1, "TransactWriteItems": 5})


@dataclass
class SweepCost:
    requests: Counter[str]
    index_items_read: int
    events_read: int
    tickets_read: int
    alerts: int

    @property
    def floor(self) -> int:
        """One Query per shard page, no read of the tickets (the index projects them), one
        transaction per ticket that fires."""
        return DEADLINE_SHARDS + self.alerts

    @property
    def ratio(self) -> float:
        return sum(self.requests.values()) / self.floor


def sweep_cost(clock: FakeClock, due: int, stored: int) -> SweepCost:
    """One warm sweep over ``due`` due tickets in a store of ``stored`` tickets (see the bench)."""
    from bench.bench_sweep import SWEEP_AT, add_filler

    open_tickets(due)
    add_filler(stored - due)
    wiring.desk().config_service.cache_seconds = 3600
    new_sweep().run()  # nothing due yet: loads the configuration a warm Lambda has cached
    clock.now = SWEEP_AT
    sweep = new_sweep()
    with count_dynamodb_requests() as counter:
        report = sweep.run()
    assert report.due == due and report.retries == 0
    assert isinstance(sweep.index, DeadlineIndex)
    return SweepCost(
        Counter(counter.calls), sweep.index.items_read, sweep.index.events_read, report.tickets_read, report.alerts
    )


#: One sweep over 50 due tickets, each with 2 events (opened, sla_applied): 8 index Queries,
#: 1 BatchGetItem for the 100 events, 50 transactions, and the agents' documents: 60 requests,
#: 1.03x the floor of 58.
COST_OF_50_DUE = Counter({"Query": 8 + 1, "BatchGetItem": 1, "TransactWriteItems": 50})


def test_a_sweep_over_50_due_tickets_reads_each_once_and_stays_within_1_2x_of_the_floor(clock: FakeClock) -> None:
    cost = sweep_cost(clock, due=50, stored=1_000)
    assert cost.requests == COST_OF_50_DUE
    assert (cost.index_items_read, cost.tickets_read, cost.events_read) == (50, 0, 100)
    assert cost.alerts == 50 and cost.floor == 58 and cost.ratio <= 1.2


def test_a_sweep_retried_after_a_crash_misses_nothing_and_repeats_nothing(clock: FakeClock) -> None:
    open_tickets(10)
    clock.now = OPENED + timedelta(hours=3, minutes=30)
    sweep = new_sweep()
    saves = 0
    original = sweep.repository.save

    def crashing_save(*args: Any, **kwargs: Any) -> Any:
        nonlocal saves
        if saves == 4:
            raise RuntimeError("Lambda timed out")
        saves += 1
        return original(*args, **kwargs)

    sweep.repository.save = crashing_save  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        sweep.run()
    assert notices_by_kind() == Counter({"sla_warning": 4})
    new_sweep().run()
    assert notices_by_kind() == Counter({"sla_warning": 10})
    new_sweep().run()
    assert notices_by_kind() == Counter({"sla_warning": 10})


def test_reopened_ticket_breaches_again_in_a_new_cycle(clock: FakeClock) -> None:
    service = wiring.desk().ticket_service
    (number,) = open_tickets(1)
    clock.now = OPENED + timedelta(days=3)  # resolution (2 business days) breached
    new_sweep().run()
    before = notices_by_kind()["sla_breach"]
    ticket = service.get_ticket(number, AGENT)
    ticket = service.transition(number, "resolved", ticket.version, AGENT)
    ticket = service.transition(number, "in_progress", ticket.version, ALICE)
    clock.advance(minutes=5)
    new_sweep().run()
    after = notices_by_kind()
    assert after["sla_breach"] == before + 1  # cycle 2 of the resolution clock
    new_sweep().run()
    assert notices_by_kind() == after


def test_paused_tickets_are_not_swept(clock: FakeClock) -> None:
    service = wiring.desk().ticket_service
    (number,) = open_tickets(1)
    ticket = service.transition(number, "waiting_on_requester", 1, AGENT)
    assert ticket.next_deadline is None
    clock.now = OPENED + timedelta(days=5)
    report = new_sweep().run()
    assert report.due == 0 and notices_by_kind() == Counter()


class SnapshotIndex:
    """An index answering with the due tickets as an earlier query saw them."""

    def __init__(self, due: list[DueTicket]) -> None:
        self.snapshot = due

    def due(self, now: datetime) -> list[DueTicket]:
        return self.snapshot


def test_a_stale_copy_from_the_index_fires_nothing_twice(clock: FakeClock) -> None:
    open_tickets(5)
    clock.now = OPENED + timedelta(hours=3, minutes=30)
    stale = list(DeadlineIndex().due(clock.now))
    assert all(d.events is not None and len(d.events) == d.ticket.event_seq for d in stale)
    new_sweep().run()
    fired = notices_by_kind(("sla_warning", "escalation"))
    assert fired == Counter({"sla_warning": 5, "escalation": 5})
    sweep = new_sweep()
    sweep.index = SnapshotIndex(stale)
    report = sweep.run()
    # Each transaction on the stale copy is refused (the ticket's version moved); the retry reads
    # the ticket as it is, no longer due.
    assert (report.due, report.retries, report.tickets_read, report.alerts) == (5, 5, 5, 0)
    assert notices_by_kind(("sla_warning", "escalation")) == fired


def test_a_due_ticket_without_its_events_is_read_and_fired(clock: FakeClock) -> None:
    open_tickets(3)
    clock.now = OPENED + timedelta(hours=3, minutes=30)
    sweep = new_sweep()
    sweep.index = SnapshotIndex([DueTicket(d.ticket) for d in DeadlineIndex().due(clock.now)])
    report = sweep.run()
    assert (report.due, report.alerts, report.tickets_read) == (3, 3, 3)
    assert notices_by_kind() == Counter({"sla_warning": 3})
