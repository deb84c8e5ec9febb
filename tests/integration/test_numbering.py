"""Ticket numbers are allocated atomically: concurrent intake never duplicates one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from chalicelib import wiring
from chalicelib.domain.identity import Identity
from chalicelib.services.tickets import OpenTicket
from tests.moto_lock import serialised_moto


def test_concurrent_opens_get_distinct_consecutive_numbers(aws: None) -> None:
    service = wiring.desk().ticket_service
    request = OpenTicket(type="incident", title="Load", description="concurrent")

    def open_one(i: int) -> str:
        return service.open_ticket(request, Identity(f"user{i}", "requester")).number

    with serialised_moto(), ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(open_one, range(40)))
    assert len(set(numbers)) == 40
    assert sorted(numbers) == [f"INC-{n:06d}" for n in range(1, 41)]
