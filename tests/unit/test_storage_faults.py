"""Which failures are the storage's faults (a 503 with Retry-After), and what /health caches."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyPersistenceLayerError
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from pynamodb.exceptions import GetError, PutError, TransactWriteError

from chalicelib.services.health import HealthCheck
from chalicelib.storage.aws import storage_fault


def client_error(code: str, operation: str = "GetItem", **extra: object) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, **extra}, operation)


def cancelled(*reasons: str) -> ClientError:
    return client_error(
        "TransactionCanceledException",
        "TransactWriteItems",
        CancellationReasons=[{"Code": r} for r in reasons],
    )


@pytest.mark.parametrize(
    ("error", "reason", "retry_after"),
    [
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), "unreachable", 5),
        (ConnectTimeoutError(endpoint_url="http://db"), "timed out", 5),
        (ReadTimeoutError(endpoint_url="http://db"), "timed out", 5),
        (client_error("ProvisionedThroughputExceededException"), "throttled", 2),
        (client_error("ThrottlingException"), "throttled", 2),
        (client_error("RequestLimitExceeded"), "throttled", 2),
        (client_error("InternalServerError"), "failing", 5),
        (client_error("ServiceUnavailable"), "failing", 5),
        (cancelled("None", "TransactionConflict"), "throttled", 2),
        (cancelled("ThrottlingError", "None"), "throttled", 2),
        # PynamoDB's and Powertools' wrappers of them
        (GetError("Failed to get item", EndpointConnectionError(endpoint_url="x")), "unreachable", 5),
        (PutError("Failed to put item", client_error("ThrottlingException", "PutItem")), "throttled", 2),
        (TransactWriteError("Failed", ReadTimeoutError(endpoint_url="x")), "timed out", 5),
    ],
)
def test_storage_faults_are_unavailable(error: Exception, reason: str, retry_after: int) -> None:
    fault = storage_fault(error)
    assert fault is not None
    assert (fault.status, fault.reason, fault.retry_after) == (503, reason, retry_after)
    assert fault.headers() == {"Retry-After": str(retry_after)}


def test_a_persistence_error_raised_from_a_fault_is_that_fault() -> None:
    try:
        try:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
        except EndpointConnectionError as exc:
            raise IdempotencyPersistenceLayerError("Failed to save in progress record", exc) from exc
    except IdempotencyPersistenceLayerError as wrapped:
        fault = storage_fault(wrapped)
    assert fault is not None and fault.reason == "unreachable"


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a bug"),
        client_error("ValidationException"),
        client_error("ConditionalCheckFailedException", "PutItem"),
        cancelled("ConditionalCheckFailed", "None"),
        cancelled("ConditionalCheckFailed", "TransactionConflict"),
        TransactWriteError("Failed", cancelled("ConditionalCheckFailed")),
    ],
)
def test_other_failures_are_not_storage_faults(error: Exception) -> None:
    assert storage_fault(error) is None


class Ticking:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_health_probes_each_dependency_once_per_cache_window() -> None:
    calls: list[str] = []
    queue_up = [True]

    def storage() -> None:
        calls.append("storage")

    def queue() -> None:
        calls.append("queue")
        if not queue_up[0]:
            raise ConnectionError("gone")

    ticking = Ticking()
    health = HealthCheck({"storage": storage, "queue": queue}, cache_seconds=5, monotonic=ticking)
    assert health.report().ok
    queue_up[0] = False
    ticking.now += 4.9
    assert health.report().ok  # cached: no probe ran
    assert calls == ["storage", "queue"]
    ticking.now += 0.2
    report = health.report()
    assert not report.ok
    assert report.to_dict() == {
        "status": "unavailable",
        "dependencies": {"storage": {"state": "ok"}, "queue": {"state": "down", "detail": "ConnectionError"}},
    }
    assert calls == ["storage", "queue", "storage", "queue"]
