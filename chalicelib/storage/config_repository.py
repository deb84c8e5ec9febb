"""Versioned configuration documents on DynamoDB: every version is its own immutable item."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.config import get_settings
from chalicelib.domain.errors import Conflict
from chalicelib.services.ports import StoredDocument
from chalicelib.storage.models import ConfigModel, bind_models


def _doc_id(kind: str, name: str) -> str:
    return f"{kind}#{name}"


def _stored(item: ConfigModel) -> StoredDocument:
    return StoredDocument(
        kind=item.kind,
        name=item.name,
        version=int(item.version),
        body=dict(item.body),
        created_at=item.created_at,
        created_by=item.created_by,
    )


class DynamoConfigRepository:
    def __init__(self) -> None:
        bind_models(get_settings())

    def add_version(
        self, kind: str, name: str, version: int, body: dict[str, Any], actor: str, now: datetime
    ) -> StoredDocument:
        item = ConfigModel(
            _doc_id(kind, name),
            version,
            kind=kind,
            name=name,
            doc_key=f"{name}#{version:06d}",
            body=body,
            created_at=now,
            created_by=actor,
        )
        try:
            item.save(condition=ConfigModel.doc_id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict(
                    f"{kind} {name} version {version} was stored meanwhile; read it and retry",
                    field="version",
                ) from exc
            raise
        return _stored(item)

    def latest(self, kind: str, name: str) -> StoredDocument | None:
        for item in ConfigModel.query(_doc_id(kind, name), scan_index_forward=False, limit=1, consistent_read=True):
            return _stored(item)
        return None

    def get(self, kind: str, name: str, version: int) -> StoredDocument | None:
        try:
            return _stored(ConfigModel.get(_doc_id(kind, name), version))
        except ConfigModel.DoesNotExist:
            return None

    def list_latest(self, kind: str) -> list[StoredDocument]:
        latest: dict[str, StoredDocument] = {}
        for item in ConfigModel.by_kind.query(kind):
            doc = _stored(item)
            if doc.name not in latest or latest[doc.name].version < doc.version:
                latest[doc.name] = doc
        return [latest[name] for name in sorted(latest)]
