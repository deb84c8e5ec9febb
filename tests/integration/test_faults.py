"""Faults of the storage: a retried write stores one ticket, an outage is a 503, health tells the truth."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from chalicelib import wiring
from chalicelib.storage.models import CounterModel, TicketModel
from chalicelib.storage.repository import transaction_connection
from tests.conftest import auth, reset_caches, stage_environment

BODY = {"type": "incident", "title": "VPN down", "description": "AnyConnect drops every few minutes"}


@dataclass
class StalledWrites:
    """Plays a database that applies a ``TransactWriteItems`` and then stalls past the SDK's read
    timeout: the call raises ``ReadTimeoutError`` *after* moto applied it, so the SDK retries a
    write that is already stored (``stalls`` times; after that calls pass)."""

    stalls: int = 1
    operation: str = "TransactWriteItems"
    tokens: list[str | None] = field(default_factory=list)

    def __call__(self, request: Any = None, **_: Any) -> None:
        target = request.headers.get("X-Amz-Target", b"")
        if (target.decode() if isinstance(target, bytes) else str(target)) != f"DynamoDB_20120810.{self.operation}":
            return
        self.tokens.append(json.loads(request.body).get("ClientRequestToken"))
        if self.stalls > 0:
            self.stalls -= 1
            raise ReadTimeoutError(endpoint_url=request.url)


@pytest.fixture
def stall(client: Any) -> Iterator[Callable[..., StalledWrites]]:
    """Install a :class:`StalledWrites` behind moto on the desk's transaction client."""
    dynamo = transaction_connection().client
    installed: list[StalledWrites] = []

    def make(**kwargs: Any) -> StalledWrites:
        stalled = StalledWrites(**kwargs)
        # Registered last on ``before-send``: it runs after moto's stub has applied the request.
        dynamo.meta.events.register_last("before-send", stalled)
        installed.append(stalled)
        return stalled

    yield make
    for stalled in installed:
        dynamo.meta.events.unregister("before-send", stalled)


def _open(client: Any, key: str | None = None, body: dict[str, Any] = BODY, user: str = "alice") -> Any:
    headers = auth(user)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.http.post("/tickets", headers=headers, body=json.dumps(body))


def _stored_tickets(requester: str) -> list[str]:
    return sorted(t.number for t in TicketModel.by_requester.query(requester))


def _numbers_allocated(ticket_type: str = "incident") -> int:
    return int(CounterModel.get(f"ticket-number#{ticket_type}").value)


# -- 1. a retried write must not duplicate a ticket --------------------------------------------


def test_an_sdk_retry_of_an_applied_intake_answers_201_with_one_ticket_and_one_number(
    client: Any, stall: Callable[..., StalledWrites]
) -> None:
    stalled = stall(stalls=1)
    first = _open(client, key="vpn-1")
    assert first.status_code == 201, first.body
    # The retry carried the same ClientRequestToken as the write it repeats.
    assert len(stalled.tokens) == 2 and stalled.tokens[0] == stalled.tokens[1] and stalled.tokens[0]
    again = _open(client, key="vpn-1")
    assert again.status_code == 201
    assert again.json_body["number"] == first.json_body["number"]
    assert _stored_tickets("alice") == [first.json_body["number"]]
    assert _numbers_allocated() == 1


def test_an_sdk_retry_of_an_applied_intake_without_a_key_answers_201(
    client: Any, stall: Callable[..., StalledWrites]
) -> None:
    stall(stalls=1)
    opened = _open(client)
    assert opened.status_code == 201, opened.body
    assert _stored_tickets("alice") == [opened.json_body["number"]]


def test_a_client_retry_after_a_failed_answer_gets_the_stored_ticket(
    client: Any, stall: Callable[..., StalledWrites]
) -> None:
    # Every attempt of the first request stalls after the write: the answer is a 503, and
    # Powertools forgets the key because the function raised.
    stall(stalls=3)
    failed = _open(client, key="vpn-2")
    assert failed.status_code == 503
    assert failed.headers["Retry-After"]
    stored = _stored_tickets("alice")
    assert len(stored) == 1  # the first attempt's write had been applied
    retried = _open(client, key="vpn-2")
    assert retried.status_code == 201, retried.body
    assert retried.json_body["number"] == stored[0]
    assert _stored_tickets("alice") == stored
    # The same key with another body is still refused.
    other = _open(client, key="vpn-2", body={**BODY, "title": "Mail down"})
    assert other.status_code == 422
    assert _stored_tickets("alice") == stored


def test_an_sdk_retry_of_an_applied_update_answers_200_not_a_conflict(
    client: Any, stall: Callable[..., StalledWrites]
) -> None:
    number = _open(client).json_body["number"]
    stall(stalls=1)
    staff = auth("bob", "agent")
    patched = client.http.patch(
        f"/tickets/{number}", headers=staff, body=json.dumps({"version": 1, "title": "VPN down for everyone"})
    )
    assert patched.status_code == 200, patched.body
    assert patched.json_body["version"] == 2
    stored = client.http.get(f"/tickets/{number}", headers=staff).json_body
    assert (stored["version"], stored["title"]) == (2, "VPN down for everyone")


def test_a_stale_version_is_still_a_conflict(client: Any) -> None:
    number = _open(client).json_body["number"]
    staff = auth("bob", "agent")
    body = json.dumps({"version": 1, "title": "VPN down for everyone"})
    assert client.http.patch(f"/tickets/{number}", headers=staff, body=body).status_code == 200
    assert client.http.patch(f"/tickets/{number}", headers=staff, body=body).status_code == 409


# -- 2. an outage is a 503, and health tells the truth ------------------------------------------


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def dead_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The desk pointed at a database that is gone (a closed port), with a Chalice test client."""
    from chalice.test import Client

    from app import app

    for name, value in stage_environment().items():
        monkeypatch.setenv(name, value)
    url = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("DYNAMODB_ENDPOINT", url)
    monkeypatch.setenv("SQS_ENDPOINT", url)
    monkeypatch.setenv("NOTICES_QUEUE_URL", f"{url}/123456789012/desk-dev-notices")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS_PER_CALL", "2")
    reset_caches()
    with Client(app, stage_name="dev") as test_client:
        yield test_client
    reset_caches()


def test_a_gone_database_answers_503_with_retry_after_and_one_log_line(
    dead_database: Any, caplog: pytest.LogCaptureFixture
) -> None:
    answers = [
        dead_database.http.get("/tickets/INC-000001", headers=auth()),
        dead_database.http.get("/tickets", headers=auth()),
        _open(dead_database),
        _open(dead_database, key="k-1"),  # Powertools' own claim fails first
    ]
    for answer in answers:
        assert answer.status_code == 503, answer.body
        assert answer.headers["Retry-After"] == "5"
        assert json.loads(answer.body)["error"] == "storage_unavailable"
    assert [r.getMessage() for r in caplog.records] == ["storage unavailable"] * len(answers)
    assert not any(r.exc_info for r in caplog.records)


def test_health_reports_a_gone_database_and_queue_as_503(dead_database: Any) -> None:
    answer = dead_database.http.get("/health")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    body = json.loads(answer.body)
    assert body["status"] == "unavailable"
    assert body["dependencies"]["storage"]["state"] == "down"
    assert body["dependencies"]["queue"]["state"] == "down"


def test_health_is_200_with_each_dependency_when_all_is_well(client: Any) -> None:
    answer = client.http.get("/health")
    assert answer.status_code == 200
    assert answer.json_body == {"status": "ok", "dependencies": {"storage": {"state": "ok"}}}


class ThrottledTickets:
    """A ticket store that answers every read with DynamoDB's throttling error."""

    def get(self, number: str) -> Any:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}, "GetItem"
        )


def test_throttled_storage_answers_503_with_a_shorter_retry_after(client: Any) -> None:
    wiring.install(wiring.bootstrap(tickets=ThrottledTickets()))
    try:
        answer = client.http.get("/tickets/INC-000001", headers=auth())
    finally:
        wiring.install(None)
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "2"
    assert answer.json_body["error"] == "storage_unavailable"
