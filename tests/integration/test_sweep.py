"""The SLA sweep on moto: exactly-once alerts under concurrency, retries and reopen cycles."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.domain.identity import Identity
from chalicelib.services.sweep import SlaSweep
from chalicelib.services.tickets import OpenTicket, TicketService
from chalicelib.storage.aws import count_dynamodb_requests
from chalicelib.storage.models import OutboxModel
from chalicelib.storage.outbox import DeadlineIndex
from chalicelib.storage.repository import DynamoTicketRepository
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


def test_two_concurrent_sweeps_over_1000_due_tickets_fire_each_alert_once(clock: FakeClock) -> None:
    numbers = open_tickets(1000)
    clock.now = OPENED + timedelta(hours=3, minutes=30)
    sweep_concurrently()
    kinds = ("sla_warning", "sla_breach", "escalation")
    # The warning, and the default escalation step "at the warning, notify the assignee".
    assert notices_by_kind(kinds) == Counter({"sla_warning": 1000, "escalation": 1000})
    clock.now = OPENED + timedelta(hours=4, minutes=30)
    sweep_concurrently()
    # The breach, and "at breach, notify the group lead" (+ the reassignment to tier 2).
    assert notices_by_kind(kinds) == Counter({"sla_warning": 1000, "sla_breach": 1000, "escalation": 2000})
    events = wiring.desk().ticket_service.history(numbers[0], AGENT)
    assert [e.kind for e in events].count("sla_breached") == 1


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
    assert report.due == 5 and report.alerts == 5
    assert isinstance(sweep.index, DeadlineIndex) and sweep.index.items_read == 5
    # Per shard one index Query; per due ticket a GetItem, an events Query and the transaction;
    # once per process, the agents' documents (their shifts decide the escalations' quiet hours).
    assert Counter(counter.calls) == Counter({"Query": 8 + 5 + 1, "GetItem": 5, "TransactWriteItems": 5})


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
