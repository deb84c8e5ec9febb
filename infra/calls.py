"""The AWS calls the desk makes, recorded where every client makes them.

:func:`record_calls` wraps botocore's ``BaseClient._make_api_call`` (the one place every client,
PynamoDB's included, goes through) and turns each request into the IAM actions it needs on the
resources it names: a ``TransactWriteItems`` is authorised item by item (``PutItem``,
``UpdateItem``, ``DeleteItem``, ``ConditionCheckItem`` on each item's table), a ``BatchGetItem``
on every table it reads, a ``Query`` on the index it names. The least-privilege test compares
these with each function's policy in the template.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Call(NamedTuple):
    """One IAM action on one resource: ``("dynamodb:Query", "table", "desk-dev-tickets/by_group")``."""

    action: str
    kind: str
    name: str


_TRANSACT_ITEMS = {
    "Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem",
}


def calls_of(service: str, operation: str, params: Mapping[str, Any]) -> list[Call]:
    """The IAM actions and resources one request needs."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            out = []
            for item in params.get("TransactItems", []):
                for key, action in _TRANSACT_ITEMS.items():
                    if key in item:
                        out.append(Call(f"dynamodb:{action}", "table", item[key]["TableName"]))
            return out
        if operation == "TransactGetItems":
            return [Call("dynamodb:GetItem", "table", i["Get"]["TableName"]) for i in params.get("TransactItems", [])]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [Call(f"dynamodb:{operation}", "table", name) for name in params.get("RequestItems", {})]
        table = str(params.get("TableName", ""))
        if params.get("IndexName"):
            return [Call(f"dynamodb:{operation}", "index", f"{table}/{params['IndexName']}")]
        return [Call(f"dynamodb:{operation}", "table", table)]
    if service == "sqs":
        return [Call(f"sqs:{operation}", "queue", str(params.get("QueueUrl", "")).rstrip("/").rsplit("/", 1)[-1])]
    if service == "sns":
        return [Call(f"sns:{operation}", "topic", str(params.get("TopicArn", "")).rsplit(":", 1)[-1])]
    if service == "ses":
        sender = str(params.get("Source", ""))
        return [Call(f"ses:{operation}", "identity", sender.rsplit("@", 1)[-1])]
    if service == "ssm":
        names = params.get("Names") or [params.get("Name") or params.get("Path", "")]
        return [Call(f"ssm:{operation}", "parameter", str(n)) for n in names]
    if service == "s3":
        bucket = str(params.get("Bucket", ""))
        if operation in ("ListObjectsV2", "ListObjects"):
            return [Call("s3:ListBucket", "bucket", bucket)]
        if "Key" in params:
            return [Call(f"s3:{operation}", "object", f"{bucket}/{params['Key']}")]
        return [Call(f"s3:{operation}", "bucket", bucket)]
    if service == "secretsmanager":
        return [Call(f"secretsmanager:{operation}", "secret", str(params.get("SecretId", "")))]
    return [Call(f"{service}:{operation}", "other", "")]


@dataclass
class CallLog:
    """The calls made inside :func:`record_calls`, in order."""

    calls: list[Call] = field(default_factory=list)

    def actions(self) -> set[Call]:
        return set(self.calls)


@contextmanager
def record_calls() -> Iterator[CallLog]:
    """Record every AWS request made by any botocore client inside the block."""
    from botocore.client import BaseClient

    log = CallLog()
    original = BaseClient._make_api_call

    def recording(client: Any, operation: str, params: Mapping[str, Any]) -> Any:
        log.calls.extend(calls_of(client.meta.service_model.service_name, operation, params))
        return original(client, operation, params)

    BaseClient._make_api_call = recording
    try:
        yield log
    finally:
        BaseClient._make_api_call = original
