"""DynamoDB requests per API call, counted with botocore's event hooks."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.storage.aws import count_dynamodb_requests
from tests.conftest import auth


def _open(client: Any, headers: dict[str, str]) -> Any:
    body = {"type": "incident", "title": "Disk full", "description": "/var is at 100%"}
    return client.http.post("/tickets", headers=headers, body=json.dumps(body))


def test_reading_one_ticket_is_one_request(client: Any) -> None:
    number = _open(client, auth()).json_body["number"]
    with count_dynamodb_requests() as counter:
        assert client.http.get(f"/tickets/{number}", headers=auth()).status_code == 200
    assert counter.calls == ["GetItem"]


def test_opening_a_ticket_is_number_then_one_transaction(client: Any) -> None:
    _open(client, auth())  # warm: configuration caches
    with count_dynamodb_requests() as counter:
        assert _open(client, auth()).status_code == 201
    assert counter.calls == ["UpdateItem", "TransactWriteItems"]


def test_opening_with_idempotency_key(client: Any) -> None:
    _open(client, auth())
    headers = {**auth(), "Idempotency-Key": "once"}
    with count_dynamodb_requests() as counter:
        assert _open(client, headers).status_code == 201
    # Powertools claims the key (PutItem) and stores the answer (UpdateItem) around the
    # number allocation and the ticket+event transaction.
    assert counter.calls == ["PutItem", "UpdateItem", "TransactWriteItems", "UpdateItem"]
    with count_dynamodb_requests() as counter:
        assert _open(client, headers).status_code == 201
    assert counter.calls == ["PutItem"]  # a replay: the conditional put returns the stored record


def test_opening_a_routed_ticket_reads_the_workloads_once(client: Any) -> None:
    from datetime import datetime, timezone

    from chalicelib import wiring
    from tests.unit.fakes import FakeClock

    monday_on_shift = FakeClock(datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc))
    wiring.install(wiring.bootstrap(clock=monday_on_shift))
    try:
        body = {"type": "incident", "title": "VPN down", "description": "The tunnel will not come up"}
        client.http.post("/tickets", headers=auth(), body=json.dumps(body))  # warm: configuration caches
        with count_dynamodb_requests() as counter:
            r = client.http.post("/tickets", headers=auth(), body=json.dumps(body))
        assert r.json_body["assignee"]
        # Number, the group's workload counters (one BatchGetItem), the changes in early-life
        # support (a Query on their sparse index), then ticket + events + notices + workload in one
        # transaction: at most 4 requests.
        assert counter.calls == ["UpdateItem", "BatchGetItem", "Query", "TransactWriteItems"]
    finally:
        wiring.install(None)
