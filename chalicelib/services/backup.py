"""Backing up and restoring a stage's tables: ``desk backup`` / ``desk restore`` and ``make run``.

A backup is a directory::

    manifest.json      {"format": "desk-backup/1", "taken_at", "stage",
                        "tables": {"tickets": {"table", "key_schema", "attribute_definitions",
                                               "file": "tickets.jsonl", "items": 42}, ...}}
    tickets.jsonl      one item a line, in DynamoDB's typed JSON ({"S": ...}, {"N": ...};
    events.jsonl       binary values as base64 text), ...

Tables are named by their short name (``tickets``, ``events``... as in ``chalicelib.storage.tables``),
so a backup of one stage restores into another. Each table is read with strongly consistent,
paginated Scans (a backup is an administrator's job, not a request path, so a Scan is right here);
each table is consistent in itself, not at one instant across tables (DynamoDB has no such read;
use point-in-time recovery for that on AWS).

A restore writes every item back with BatchWriteItem, 25 puts a request, retrying what DynamoDB
leaves unprocessed with backoff. A put replaces the item with the same key, so a restore is
idempotent: running it twice leaves the same tables. It adds to the tables and never deletes; the
target table's key schema must be the backup's.

The directory is written beside its place and moved in when complete, so a backup interrupted
half way never replaces a good one.
"""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

FORMAT = "desk-backup/1"
MANIFEST = "manifest.json"
#: BatchWriteItem takes at most 25 requests.
BATCH_SIZE = 25
#: Attempts at the unprocessed part of a batch before a restore gives up.
MAX_ATTEMPTS = 8


class BackupError(Exception):
    """A backup that cannot be read or restored; the message says why."""


@dataclass(frozen=True)
class TableCount:
    name: str
    table: str
    items: int


# -- DynamoDB's typed JSON <-> text ----------------------------------------------------------------


def _encode(value: Any) -> Any:
    """An attribute value as JSON: binary (``B``, ``BS``) as base64 text, the rest as it is."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = base64.b64encode(bytes(inner)).decode("ascii")
            elif kind == "BS":
                out[kind] = [base64.b64encode(bytes(b)).decode("ascii") for b in inner]
            elif kind == "M":
                out[kind] = {k: _encode(v) for k, v in inner.items()}
            elif kind == "L":
                out[kind] = [_encode(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for kind, inner in value.items():
            if kind == "B":
                out[kind] = base64.b64decode(inner)
            elif kind == "BS":
                out[kind] = [base64.b64decode(b) for b in inner]
            elif kind == "M":
                out[kind] = {k: _decode(v) for k, v in inner.items()}
            elif kind == "L":
                out[kind] = [_decode(v) for v in inner]
            else:
                out[kind] = inner
        return out
    return value


def encode_item(item: Mapping[str, Any]) -> str:
    """One line of a table file."""
    return json.dumps({name: _encode(value) for name, value in item.items()}, sort_keys=True, separators=(",", ":"))


def decode_item(line: str) -> dict[str, Any]:
    doc = json.loads(line)
    if not isinstance(doc, dict):
        raise ValueError("an item line must be a JSON object")
    return {name: _decode(value) for name, value in doc.items()}


# -- reading and writing tables ----------------------------------------------------------------------


def scan_items(dynamodb: Any, table: str, page_size: int | None = None) -> Iterator[dict[str, Any]]:
    """Every item of ``table``: consistent Scans, one page at a time (``page_size`` items a page)."""
    kwargs: dict[str, Any] = {"TableName": table, "ConsistentRead": True}
    if page_size:
        kwargs["Limit"] = page_size
    while True:
        page = dynamodb.scan(**kwargs)
        yield from page.get("Items", [])
        last = page.get("LastEvaluatedKey")
        if not last:
            return
        kwargs["ExclusiveStartKey"] = last


def write_items(
    dynamodb: Any,
    table: str,
    items: Iterator[dict[str, Any]],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Put ``items`` into ``table`` in BatchWriteItem pages, retrying unprocessed puts with backoff."""
    written = 0
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        requests: list[dict[str, Any]] = [{"PutRequest": {"Item": item}} for item in batch]
        for attempt in range(MAX_ATTEMPTS):
            answer = dynamodb.batch_write_item(RequestItems={table: requests})
            requests = list((answer.get("UnprocessedItems") or {}).get(table, []))
            if not requests:
                return
            sleep(min(0.05 * 2**attempt, 2.0))
        raise BackupError(f"{table}: {len(requests)} items still unprocessed after {MAX_ATTEMPTS} attempts")

    for item in items:
        batch.append(item)
        if len(batch) == BATCH_SIZE:
            flush()
            written += len(batch)
            batch = []
    if batch:
        flush()
        written += len(batch)
    return written


def _key_schema(dynamodb: Any, table: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    described = dynamodb.describe_table(TableName=table)["Table"]
    keys = [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in described["KeySchema"]]
    key_names = {k["AttributeName"] for k in keys}
    definitions = sorted(
        (
            {"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
            for a in described.get("AttributeDefinitions", [])
            if a["AttributeName"] in key_names
        ),
        key=lambda a: a["AttributeName"],
    )
    return keys, definitions


# -- backup and restore ------------------------------------------------------------------------------


def backup(
    dynamodb: Any,
    tables: Mapping[str, str],
    directory: Path,
    *,
    now: datetime,
    stage: str = "",
    page_size: int | None = None,
) -> list[TableCount]:
    """Write every item of ``tables`` (short name -> table name) into the backup ``directory``."""
    directory = Path(directory)
    work = directory.with_name(f".{directory.name}.partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    manifest: dict[str, Any] = {"format": FORMAT, "taken_at": now.isoformat(), "stage": stage, "tables": {}}
    counts: list[TableCount] = []
    for name, table in sorted(tables.items()):
        keys, definitions = _key_schema(dynamodb, table)
        file = f"{name}.jsonl"
        count = 0
        with (work / file).open("w", encoding="utf-8") as out:
            for item in scan_items(dynamodb, table, page_size):
                out.write(encode_item(item) + "\n")
                count += 1
        manifest["tables"][name] = {
            "table": table,
            "key_schema": keys,
            "attribute_definitions": definitions,
            "file": file,
            "items": count,
        }
        counts.append(TableCount(name, table, count))
    (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    old = directory.with_name(f".{directory.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if directory.exists():
        directory.rename(old)
    work.rename(directory)
    shutil.rmtree(old, ignore_errors=True)
    return counts


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{directory} is not a backup: no {MANIFEST}") from None
    except ValueError as exc:
        raise BackupError(f"{path} is not JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not a {FORMAT} backup")
    return manifest


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield decode_item(line)
            except ValueError as exc:
                raise BackupError(f"{path.name} line {number}: {exc}") from None


def restore(dynamodb: Any, tables: Mapping[str, str], directory: Path) -> list[TableCount]:
    """Put every item of the backup in ``directory`` into ``tables`` (short name -> table name).

    Every table of the backup must be among ``tables`` with the same key schema; all are checked
    before anything is written."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    saved: dict[str, Any] = manifest.get("tables") or {}
    for name, entry in sorted(saved.items()):
        if name not in tables:
            raise BackupError(f"the backup holds table {name!r}, which this stage does not have")
        keys, _ = _key_schema(dynamodb, tables[name])
        if keys != entry.get("key_schema"):
            raise BackupError(f"{tables[name]}: key schema {keys} differs from the backup's {entry.get('key_schema')}")
        if not (directory / str(entry.get("file"))).is_file():
            raise BackupError(f"{directory}: {entry.get('file')} is missing")
    counts = []
    for name, entry in sorted(saved.items()):
        written = write_items(dynamodb, tables[name], _lines(directory / str(entry["file"])))
        counts.append(TableCount(name, tables[name], written))
    return counts
