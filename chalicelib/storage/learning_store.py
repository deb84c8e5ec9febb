"""What the desk learns from: trained classifier models and the labelled examples they are trained on.

Models live in the config table as versioned documents. A model artefact can reach a few megabytes
but a DynamoDB item holds at most 400 KB, so the bytes are cut into chunks of at most
:data:`CHUNK_BYTES` (kind ``model_chunk``, name ``"<field>:<version>:<i>"``, body
``{"chunk": i, "data": "<base64>"}``) and described by one manifest document (kind ``model``, named
after the field, versions 1, 2, ...). The chunks are written first and the manifest last, so a
reader that finds a manifest always finds its chunks.

Labelled examples (every correction and every closed ticket) live in their own table, all under one
partition (``label_set = "tickets"``) ordered by ``"<instant>#<ticket>#<source>"``, so the retrain
job reads them with one Query, oldest first.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import PutError

from chalicelib.config import Settings, get_settings
from chalicelib.domain.errors import Conflict
from chalicelib.domain.instants import is_aware, iso, utc
from chalicelib.domain.intake import FIELDS
from chalicelib.storage.models import ConfigModel, ExampleModel, bind_models

#: Largest model chunk in bytes before base64 (400,000 characters encoded: under the item limit).
CHUNK_BYTES = 300_000
#: Kinds of the config documents holding models.
MANIFEST_KIND = "model"
CHUNK_KIND = "model_chunk"
#: How many manifest versions ``save`` tries past the latest when another save holds one.
_SAVE_ATTEMPTS = 5

#: The one partition of the examples table.
LABEL_SET = "tickets"
#: Where an example comes from.
EXAMPLE_SOURCES = ("correction", "closed", "import")
#: Example texts are cut to this many characters (the classifier reads no further).
EXAMPLE_TEXT_LIMIT = 10_000


def _now() -> datetime:
    return datetime.now(UTC)


def _conditional_failure(exc: PutError) -> bool:
    return exc.cause_response_code == "ConditionalCheckFailedException"


def _check_field(field: str) -> None:
    if field not in FIELDS:
        raise ValueError(f"unknown model field {field!r}; use {', '.join(FIELDS)}")


# --------------------------------------------------------------------------------------------
# Models


def _chunk_name(field: str, version: int, index: int) -> str:
    return f"{field}:{version}:{index}"


class DynamoModelStore:
    """Trained models of the five classified fields, versioned in the config table.

    A manifest, as returned by :meth:`latest_manifest` and :meth:`manifests`, is the stored body
    (``field``, ``model_version``, ``chunks``, ``size``, ``sha256``, ``trained_at``, ``examples``,
    ``labels``, ``evaluation``) plus ``version``, ``created_at`` (ISO) and ``created_by``.
    """

    def __init__(self, settings: Settings | None = None, *, clock: Callable[[], datetime] = _now) -> None:
        bind_models(settings or get_settings())
        self._clock = clock

    def save(
        self,
        field: str,
        model_bytes: bytes,
        *,
        model_version: str,
        trained_at: str | None,
        examples: int,
        labels: list[str],
        evaluation: Mapping[str, Any] | None = None,
        actor: str = "system",
    ) -> int:
        """Store ``model_bytes`` as the next version of ``field``'s model; returns that version.

        Chunk 0 of a version is claimed with a conditional write, so two saves never share a
        version: the one that loses moves on to the next number (a save that died half-way leaves
        its number unused). Raises ``ValueError`` for an unknown field or empty bytes and
        ``Conflict`` when no version could be claimed.
        """
        _check_field(field)
        if not model_bytes:
            raise ValueError("model bytes are empty")
        chunks = [model_bytes[i : i + CHUNK_BYTES] for i in range(0, len(model_bytes), CHUNK_BYTES)]
        body: dict[str, Any] = {
            "field": field,
            "model_version": model_version,
            "chunks": len(chunks),
            "size": len(model_bytes),
            "sha256": hashlib.sha256(model_bytes).hexdigest(),
            "trained_at": trained_at,
            "examples": int(examples),
            "labels": list(labels),
            "evaluation": dict(evaluation) if evaluation is not None else None,
        }
        latest = self.latest_manifest(field)
        first = (int(latest["version"]) if latest else 0) + 1
        now = self._clock()
        for version in range(first, first + _SAVE_ATTEMPTS):
            if not self._put(CHUNK_KIND, _chunk_name(field, version, 0), 1, _chunk_body(0, chunks[0]), actor, now):
                continue  # another save holds this version
            for index in range(1, len(chunks)):
                name = _chunk_name(field, version, index)
                if not self._put(CHUNK_KIND, name, 1, _chunk_body(index, chunks[index]), actor, now):
                    raise Conflict(f"model chunk {name} was stored meanwhile; retry", field="version")
            if not self._put(MANIFEST_KIND, field, version, body, actor, now):
                raise Conflict(f"model {field} version {version} was stored meanwhile; retry", field="version")
            return version
        raise Conflict(f"model {field}: versions {first}..{first + _SAVE_ATTEMPTS - 1} are taken; retry",
                       field="version")

    def latest_manifest(self, field: str) -> dict[str, Any] | None:
        """The manifest of ``field``'s newest model, or ``None`` when it has none."""
        for item in ConfigModel.query(
            f"{MANIFEST_KIND}#{field}", scan_index_forward=False, limit=1, consistent_read=True
        ):
            return _manifest(item)
        return None

    def manifest(self, field: str, version: int) -> dict[str, Any] | None:
        """The manifest of one version of ``field``'s model, or ``None``."""
        try:
            return _manifest(ConfigModel.get(f"{MANIFEST_KIND}#{field}", version, consistent_read=True))
        except ConfigModel.DoesNotExist:
            return None

    def manifests(self) -> list[dict[str, Any]]:
        """The latest manifest of every field that has a model, in field order."""
        out = []
        for field in FIELDS:
            manifest = self.latest_manifest(field)
            if manifest is not None:
                out.append(manifest)
        return out

    def load(self, field: str, version: int | None = None) -> bytes | None:
        """The bytes of ``field``'s model (the latest, or ``version``); ``None`` when there is no such
        manifest. Raises ``ValueError`` when chunks are missing or the bytes fail their checksum."""
        manifest = self.latest_manifest(field) if version is None else self.manifest(field, version)
        if manifest is None:
            return None
        number = int(manifest["version"])
        count = int(manifest["chunks"])
        keys = [(f"{CHUNK_KIND}#{_chunk_name(field, number, i)}", 1) for i in range(count)]
        parts: dict[int, bytes] = {}
        for item in ConfigModel.batch_get(keys, consistent_read=True):
            parts[int(item.body["chunk"])] = base64.b64decode(item.body["data"])
        missing = [i for i in range(count) if i not in parts]
        if missing:
            raise ValueError(f"model {field} version {number} is damaged: chunks {missing} are missing")
        data = b"".join(parts[i] for i in range(count))
        if len(data) != int(manifest["size"]):
            raise ValueError(f"model {field} version {number} is damaged: {len(data)} bytes, not {manifest['size']}")
        expected = manifest.get("sha256")
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise ValueError(f"model {field} version {number} is damaged: checksum mismatch")
        return data

    def _put(self, kind: str, name: str, version: int, body: dict[str, Any], actor: str, now: datetime) -> bool:
        """Write one config document unless it exists; ``False`` when it already did."""
        item = ConfigModel(
            f"{kind}#{name}",
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
            if _conditional_failure(exc):
                return False
            raise
        return True


def _chunk_body(index: int, data: bytes) -> dict[str, Any]:
    return {"chunk": index, "data": base64.b64encode(data).decode("ascii")}


def _manifest(item: ConfigModel) -> dict[str, Any]:
    out = dict(item.body)
    out["version"] = int(item.version)
    out["created_at"] = iso(item.created_at)
    out["created_by"] = item.created_by
    return out


# --------------------------------------------------------------------------------------------
# Examples


def _instant(raw: Any) -> datetime:
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw)
        except ValueError as exc:
            raise ValueError(f"example 'at' is not an ISO instant: {raw!r}") from exc
    if not isinstance(raw, datetime) or not is_aware(raw):
        raise ValueError("example 'at' must be a timezone-aware instant")
    return utc(raw)


def _example_labels(example: Mapping[str, Any]) -> dict[str, str | None]:
    raw = example.get("labels")
    source: Mapping[str, Any] = raw if isinstance(raw, Mapping) else example
    labels: dict[str, str | None] = {}
    for name in FIELDS:
        value = source.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"example label {name!r} must be text or null")
        labels[name] = value or None
    return labels


def example_item(example: Mapping[str, Any]) -> ExampleModel:
    """The item of one labelled example (``ValueError`` naming what is wrong with it); the ticket
    repository writes these in the same transaction as the correction or closure they record."""
    text = example.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("example 'text' must be non-empty text")
    source = example.get("source")
    if source not in EXAMPLE_SOURCES:
        raise ValueError(f"example 'source' must be one of {', '.join(EXAMPLE_SOURCES)}")
    at = _instant(example.get("at"))
    ticket = example.get("ticket") or "text-" + hashlib.sha256(text.encode()).hexdigest()[:16]
    if not isinstance(ticket, str) or "#" in ticket:
        raise ValueError("example 'ticket' must be a ticket number")
    key = f"{at:%Y-%m-%dT%H:%M:%S.%f}Z#{ticket}#{source}"
    item = ExampleModel(
        LABEL_SET,
        key,
        ticket=ticket,
        text=text[:EXAMPLE_TEXT_LIMIT],
        labels=_example_labels(example),
        source=source,
        at=at,
    )
    return item


class DynamoExampleStore:
    """Labelled examples in the examples table.

    ``add`` takes ``{"ticket", "text", "labels": {...}, "source", "at"}``; the labels may instead be
    top-level keys, as :func:`chalicelib.domain.intake.labelled_example` makes them, and ``at`` an
    aware ``datetime`` or an ISO string. An example without a ticket (an import) is keyed by a hash
    of its text. ``all`` yields ``{"ticket", "text", "labels", "source", "at"}`` with ``at`` in ISO.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        bind_models(settings or get_settings())

    def add(self, example: Mapping[str, Any]) -> None:
        """Store one example; the same ticket, source and instant again is a no-op (first write wins).
        Raises ``ValueError`` naming what is wrong with the example."""
        item = example_item(example)
        try:
            item.save(condition=ExampleModel.example_key.does_not_exist())
        except PutError as exc:
            if not _conditional_failure(exc):
                raise

    def all(self, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """Every example, oldest first (newest last); with ``limit``, the ``limit`` newest ones."""
        if limit is None:
            for item in ExampleModel.query(LABEL_SET, scan_index_forward=True):
                yield _example(item)
            return
        if limit <= 0:
            return
        newest = [_example(item) for item in ExampleModel.query(LABEL_SET, scan_index_forward=False, limit=limit)]
        yield from reversed(newest)


def _example(item: ExampleModel) -> dict[str, Any]:
    return {
        "ticket": item.ticket,
        "text": item.text,
        "labels": dict(item.labels or {}),
        "source": item.source,
        "at": iso(item.at),
    }
