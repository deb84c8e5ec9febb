"""Soak: the desk under storage faults, at sizes too slow for the gate.

Run by ``make soak`` (``-s`` shows the figures each test prints). The gate keeps the same
proofs at one request each in ``tests/integration/test_faults.py``.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib.observability import logger
from tests.conftest import auth
from tests.integration.test_faults import (  # noqa: F401  (fixtures)
    BODY,
    StalledWrites,
    _open,
    _stored_tickets,
    dead_database,
    stall,
)

pytestmark = pytest.mark.soak

#: Stalls per request, in turn: none; one (the SDK's retry of an applied write); every attempt
#: (the first answer fails after the write was applied, and the client retries with its key).
STALL_PATTERN = (0, 1, 0, 3, 1)

INTAKES = 300
MAX_CLIENT_ATTEMPTS = 5


def test_a_burst_of_retried_intake_against_a_stalling_database_stores_each_ticket_once(
    client: Any, stall: Callable[..., StalledWrites]  # noqa: F811  (the fixture)
) -> None:
    stalled = stall(stalls=0)
    statuses: Counter[int] = Counter()
    answered: dict[str, str] = {}
    for i in range(INTAKES):
        key = f"burst-{i}"
        body = {**BODY, "title": f"VPN down at site {i}"}
        for _attempt in range(MAX_CLIENT_ATTEMPTS):
            stalled.stalls = STALL_PATTERN[i % len(STALL_PATTERN)] if _attempt == 0 else 0
            answer = _open(client, key=key, body=body)
            statuses[answer.status_code] += 1
            if answer.status_code == 201:
                answered[key] = answer.json_body["number"]
                break
            assert answer.status_code == 503, answer.body
    stored = _stored_tickets("alice")
    duplicates = len(stored) - len(set(answered.values()))
    print(
        f"\nstalled intake: {INTAKES} keys, {sum(statuses.values())} requests, statuses {dict(statuses)}, "
        f"{len(stored)} tickets stored, {duplicates} duplicates, "
        f"{len(stalled.tokens)} TransactWriteItems attempts"
    )
    assert len(answered) == INTAKES
    assert statuses[500] == 0
    assert duplicates == 0
    assert sorted(answered.values()) == stored


REQUESTS = 400


def test_a_killed_database_answers_every_request_503_with_bounded_log(
    dead_database: Any, caplog: pytest.LogCaptureFixture  # noqa: F811  (the fixture)
) -> None:
    handler = logger.registered_handler
    caplog.set_level(logging.INFO, logger=logger.name)
    calls: list[Callable[[], Any]] = [
        lambda: dead_database.http.get("/tickets/INC-000001", headers=auth()),
        lambda: dead_database.http.get("/tickets?status=new", headers=auth("bob", "agent")),
        lambda: _open(dead_database),
        lambda: dead_database.http.post(
            "/tickets/INC-000001/comments", headers=auth(), body=json.dumps({"body": "any news?"})
        ),
    ]
    statuses: Counter[int] = Counter()
    without_retry_after = 0
    for i in range(REQUESTS):
        answer = calls[i % len(calls)]() if i % 5 else _open(dead_database, key=f"dead-{i}")
        statuses[answer.status_code] += 1
        without_retry_after += "Retry-After" not in answer.headers
    health = dead_database.http.get("/health")
    records = [r for r in caplog.records if r.name == logger.name]
    log_bytes = sum(len(handler.format(r)) + 1 for r in records)
    print(
        f"\nkilled database: {REQUESTS} requests, statuses {dict(statuses)}, "
        f"{len(records)} log lines, {log_bytes} log bytes ({log_bytes / REQUESTS:.0f} per request), "
        f"/health {health.status_code}"
    )
    assert statuses == Counter({503: REQUESTS})
    assert without_retry_after == 0
    assert len(records) <= REQUESTS
    assert not any(r.exc_info for r in records)
    assert log_bytes <= 600 * REQUESTS
    assert health.status_code == 503
