"""AWS clients: created lazily, once per process, from the settings; never at import time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from chalicelib.config import get_settings


@cache
def client(service: str) -> Any:
    """The one boto3 client of ``service`` for this process, at the configured endpoint."""
    import boto3

    settings = get_settings()
    endpoint = {
        "dynamodb": settings.dynamodb_endpoint,
        "sns": settings.sns_endpoint,
        "sqs": settings.sqs_endpoint,
        "ses": settings.ses_endpoint,
    }.get(service)
    session: Any = boto3.session.Session()
    return session.client(service, region_name=settings.region, endpoint_url=endpoint)


def reset_clients() -> None:
    """Forget every cached client (tests and ``make run`` switch endpoints)."""
    client.cache_clear()


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
    from chalicelib.storage.models import ALL_MODELS
    from chalicelib.storage.repository import transaction_connection

    yield client("dynamodb")
    yield transaction_connection().client
    for model in ALL_MODELS:
        yield model._get_connection().connection.client


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
