"""AWS clients: created lazily, once per process, from the settings; never at import time.

Every client waits at most the configured connect and read timeouts and makes at most the
configured attempts per call (``AWS_CONNECT_TIMEOUT_SECONDS``, ``AWS_READ_TIMEOUT_SECONDS``,
``AWS_MAX_ATTEMPTS_PER_CALL``), so an outage is answered within a request's time. Faults of
the storage (unreachable, timed out, throttled, failing) are recognised here, in one place
(:func:`storage_fault`), and become :class:`~chalicelib.domain.errors.StorageUnavailable`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from pynamodb.connection import Connection

from chalicelib.config import Settings, get_settings
from chalicelib.domain.errors import StorageUnavailable

#: Seconds a caller is asked to wait (``Retry-After``) when the storage throttles, and when it
#: cannot be reached or fails.
RETRY_AFTER_THROTTLED = 2
RETRY_AFTER_UNAVAILABLE = 5

#: Error codes (and transaction cancellation reasons) of a storage that is there but throttling.
THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ProvisionedThroughputExceeded",
        "ThrottlingException",
        "ThrottlingError",
        "Throttling",
        "RequestLimitExceeded",
        "TransactionConflict",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)

#: Error codes of a storage (or queue) failing on its side.
FAILING_CODES = frozenset(
    {
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "AWS.SimpleQueueService.ServiceUnavailable",
    }
)


def _endpoint(settings: Settings, service: str) -> str | None:
    return {
        "dynamodb": settings.dynamodb_endpoint,
        "sns": settings.sns_endpoint,
        "sqs": settings.sqs_endpoint,
        "ses": settings.ses_endpoint,
        "events": settings.events_endpoint,
    }.get(service)


@cache
def botocore_session() -> Any:
    """The process's one botocore session. Its clients (the desk's own and the tables'
    connection, see :class:`SharedConnection`) share the endpoint and
    service descriptions it parses once."""
    import botocore.session

    return botocore.session.get_session()


@cache
def session() -> Any:
    """The process's one boto3 session, on :func:`botocore_session`."""
    import boto3

    return boto3.session.Session(botocore_session=botocore_session())


@cache
def client(service: str) -> Any:
    """The one boto3 client of ``service`` for this process, at the configured endpoint, with
    the configured timeouts and attempts."""
    from botocore.config import Config

    settings = get_settings()
    config = Config(
        connect_timeout=settings.aws_connect_timeout_seconds,
        read_timeout=settings.aws_read_timeout_seconds,
        retries={"total_max_attempts": settings.aws_max_attempts, "mode": "standard"},
    )
    return session().client(
        service, region_name=settings.region, endpoint_url=_endpoint(settings, service), config=config
    )


@cache
def probe_client(service: str) -> Any:
    """A client for health checks: one attempt, a one-second connect and read timeout."""
    from botocore.config import Config

    settings = get_settings()
    config = Config(connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 1, "mode": "standard"})
    return session().client(
        service, region_name=settings.region, endpoint_url=_endpoint(settings, service), config=config
    )


def reset_clients() -> None:
    """Forget every cached client (tests and ``make run`` switch endpoints)."""
    client.cache_clear()
    probe_client.cache_clear()
    session.cache_clear()
    botocore_session.cache_clear()


class SharedConnection(Connection):
    """A PynamoDB connection on the process's one botocore session (see
    :func:`chalicelib.storage.aws.botocore_session`), shared by every table.

    PynamoDB gives each table a connection with a botocore session of its own, and every
    session parses botocore's endpoint and service descriptions again before its first client:
    about 30 ms a table, paid by a container's first request. A connection holds no state of a
    table but its key schema (added per table), so the tables share this one and its client.
    """

    _creating = threading.Lock()

    @property
    def session(self) -> Any:
        return botocore_session()

    @property
    def client(self) -> Any:
        # Creating a botocore client is not thread-safe; the lock is taken once per process.
        made = self._client
        if made is not None and not (made._request_signer and not made._request_signer._credentials):
            return made
        with self._creating:
            return Connection.client.fget(self)  # type: ignore[attr-defined]


def shared_connection(settings: Settings) -> SharedConnection:
    """The connection every table of these settings' region and endpoint uses, and the one
    transactions across tables are written on."""
    return _shared_connection(
        settings.region,
        settings.dynamodb_endpoint,
        settings.aws_connect_timeout_seconds,
        settings.aws_read_timeout_seconds,
        settings.aws_max_attempts,
    )


@lru_cache(maxsize=4)
def _shared_connection(
    region: str, host: str | None, connect_timeout: float, read_timeout: float, attempts: int
) -> SharedConnection:
    return SharedConnection(
        region=region,
        host=host,
        connect_timeout_seconds=connect_timeout,
        read_timeout_seconds=read_timeout,
        max_retry_attempts=attempts - 1,
    )


def _classify(error: BaseException) -> StorageUnavailable | None:
    from botocore.exceptions import ClientError, ConnectTimeoutError, HTTPClientError, ReadTimeoutError
    from botocore.exceptions import ConnectionError as BotocoreConnectionError

    if isinstance(error, (ReadTimeoutError, ConnectTimeoutError)):
        return StorageUnavailable("timed out", retry_after=RETRY_AFTER_UNAVAILABLE)
    if isinstance(error, (BotocoreConnectionError, HTTPClientError)):
        return StorageUnavailable("unreachable", retry_after=RETRY_AFTER_UNAVAILABLE)
    if not isinstance(error, ClientError):
        return None
    operation = str(getattr(error, "operation_name", "") or "")
    code = str(error.response.get("Error", {}).get("Code", ""))
    if code == "TransactionCanceledException":
        reasons = {
            str(r.get("Code"))
            for r in error.response.get("CancellationReasons", []) or []
            if isinstance(r, dict) and r.get("Code") not in (None, "None")
        }
        if reasons and reasons <= THROTTLING_CODES:
            return StorageUnavailable("throttled", retry_after=RETRY_AFTER_THROTTLED, operation=operation)
        return None
    if code in THROTTLING_CODES:
        return StorageUnavailable("throttled", retry_after=RETRY_AFTER_THROTTLED, operation=operation)
    if code in FAILING_CODES:
        return StorageUnavailable("failing", retry_after=RETRY_AFTER_UNAVAILABLE, operation=operation)
    return None


def storage_fault(error: BaseException) -> StorageUnavailable | None:
    """The :class:`StorageUnavailable` that ``error`` means, if it (or what it wraps: PynamoDB's
    ``cause``, Powertools' persistence errors, ``raise ... from``) is an outage, a timeout, a
    throttle or a failure of the service on its side; None for anything else."""
    if isinstance(error, StorageUnavailable):
        return error
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        fault = _classify(current)
        if fault is not None:
            return fault
        for inner in (getattr(current, "cause", None), current.__cause__, current.__context__):
            if isinstance(inner, BaseException):
                pending.append(inner)
    return None


def dynamodb_probe(settings: Settings) -> Callable[[], None]:
    """A health probe: one GetItem of a key no ticket has, on the tickets table."""

    def probe() -> None:
        probe_client("dynamodb").get_item(
            TableName=settings.tickets_table,
            Key={"number": {"S": "#health"}},
            ProjectionExpression="#n",
            ExpressionAttributeNames={"#n": "number"},
        )

    return probe


def queue_probe(queue_url: str) -> Callable[[], None]:
    """A health probe: the notice queue's ARN (GetQueueAttributes)."""

    def probe() -> None:
        probe_client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])

    return probe


@dataclass
class RequestCounter:
    """Counts AWS requests by operation through botocore's ``before-call`` event hook."""

    calls: list[str] = field(default_factory=list)

    def __call__(self, model: Any = None, **_: Any) -> None:
        self.calls.append(getattr(model, "name", "?"))

    @property
    def total(self) -> int:
        return len(self.calls)

    def reset(self) -> None:
        self.calls.clear()


def _dynamodb_clients() -> Iterator[Any]:
    yield client("dynamodb")
    yield shared_connection(get_settings()).client


@contextmanager
def count_dynamodb_requests() -> Iterator[RequestCounter]:
    """Count every DynamoDB request made by the desk's clients inside the block."""
    counter = RequestCounter()
    hooked: list[tuple[Any, Callable[..., None]]] = []
    seen: set[int] = set()
    for dynamo in _dynamodb_clients():
        if id(dynamo) in seen:
            continue
        seen.add(id(dynamo))
        dynamo.meta.events.register("before-call.dynamodb", counter)
        hooked.append((dynamo, counter))
    try:
        yield counter
    finally:
        for dynamo, handler in hooked:
            dynamo.meta.events.unregister("before-call.dynamodb", handler)
