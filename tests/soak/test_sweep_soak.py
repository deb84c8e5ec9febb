"""Soak: the sweep's exactly-once proof and its request counts at sizes too slow for the gate.

Run by ``make soak`` (and CI after ``make test``); plain ``pytest`` leaves these out. The gate
keeps the same proofs at small sizes in ``tests/integration/test_sweep.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib import wiring
from tests.integration.test_sweep import (
    COST_OF_50_DUE,
    OPENED,
    sweep_cost,
    two_concurrent_sweeps_fire_each_alert_once,
)
from tests.unit.fakes import FakeClock

pytestmark = pytest.mark.soak


@pytest.fixture
def clock(aws: None) -> Iterator[FakeClock]:
    fake = FakeClock(OPENED)
    wiring.install(wiring.bootstrap(clock=fake))
    yield fake
    wiring.install(None)


def test_two_concurrent_sweeps_over_1000_due_tickets_fire_each_alert_once(clock: FakeClock) -> None:
    two_concurrent_sweeps_fire_each_alert_once(clock, 1000)


@pytest.mark.parametrize("stored", [10_000, 100_000])
def test_a_sweep_over_50_due_tickets_costs_the_same_whatever_the_store_holds(clock: FakeClock, stored: int) -> None:
    cost = sweep_cost(clock, due=50, stored=stored)
    assert cost.requests == COST_OF_50_DUE
    assert (cost.index_items_read, cost.tickets_read, cost.events_read) == (50, 0, 100)
    assert cost.ratio <= 1.2
