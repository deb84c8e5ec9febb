"""The reports' daily rollups in DynamoDB (the ``rollups`` table, :class:`RollupModel`).

Layout (one table):

* a daily cell ``(dimension, key, day)``: ``pk = daily#<dimension>#<YYYY-MM>``,
  ``sk = <day>#<key>``; a backlog cell: ``pk = backlog#<dimension>``, ``sk = <opening day>#<key>``.
  Each counter is a number attribute, changed only with ``ADD``, so applying a difference never
  reads the cell. A report over ``D`` days reads one Query (and its 1 MB pages) per month and
  dimension asked for, whatever the number of tickets; the backlog one Query per dimension.
* a ticket's applied contribution: ``pk = ticket#<number>``, ``sk = contribution``, with the
  last event ``seq`` it covers (``seq``), a guard ``version`` and the cells (zlib'd JSON).

A ticket's difference and its new contribution go in one ``TransactWriteItems`` whose
contribution write is conditional on the version read, so an event is applied exactly once
however often the stream delivers it. A difference of more than 99 cells is split: the target
``seq`` is recorded first (``pending_seq``), each part is written with a claim of
``(number, from seq, to seq, part)`` in its own transaction, and a retry recomputes the same
difference from the events up to ``pending_seq`` and skips the parts already claimed.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.events import TicketEvent
from chalicelib.domain.measures import BACKLOG, DAILY, TICKETS, Cell, Contribution
from chalicelib.storage.aws import client
from chalicelib.storage.models import RollupModel, bind_models

MAX_CELLS_PER_TRANSACTION = 99


def latest_seqs(keys: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Each ticket's highest event ``seq`` among the events table's stream records' keys
    (``{"ticket": {"S": ...}, "seq": {"N": ...}}``)."""
    latest: dict[str, int] = {}
    for key in keys:
        if not key or "ticket" not in key or "seq" not in key:
            continue
        number, seq = str(key["ticket"]["S"]), int(key["seq"]["N"])
        latest[number] = max(seq, latest.get(number, 0))
    return latest


class ContributionConflict(Exception):
    """The ticket's contribution changed since it was read (another worker applied it)."""


@dataclass(frozen=True)
class StoredContribution:
    seq: int
    version: int
    cells: Contribution
    pending_seq: int | None = None


def cell_key(cell: Cell) -> dict[str, dict[str, str]]:
    family, dim, key, day = cell
    pk = f"{BACKLOG}#{dim}" if family == BACKLOG else f"{family}#{dim}#{day[:7]}"
    return {"pk": {"S": pk}, "sk": {"S": f"{day}#{key}"}}


def _pack(cells: Contribution) -> bytes:
    rows = [[*cell, values] for cell, values in sorted(cells.items())]
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode())


def _unpack(blob: bytes) -> Contribution:
    rows = json.loads(zlib.decompress(blob))
    return {(r[0], r[1], r[2], r[3]): {k: int(v) for k, v in r[4].items()} for r in rows}


def _counters(item: Mapping[str, Any]) -> dict[str, int]:
    return {name: int(value["N"]) for name, value in item.items() if "N" in value and int(value["N"]) != 0}


def _months(first: date, last: date) -> list[str]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class DynamoRollupStore:
    """Reads and writes the rollups (the low-level client: counter names are data)."""

    def __init__(self, dynamodb: Any = None) -> None:
        bind_models(get_settings())
        self._client = dynamodb

    @property
    def dynamodb(self) -> Any:
        return self._client or client("dynamodb")

    @property
    def table(self) -> str:
        return str(RollupModel.Meta.table_name)

    # -- contributions -------------------------------------------------------------------

    def contribution(self, number: str) -> StoredContribution | None:
        key = {"pk": {"S": f"ticket#{number}"}, "sk": {"S": "contribution"}}
        item = self.dynamodb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return None
        pending = item.get("pending_seq")
        return StoredContribution(
            seq=int(item["seq"]["N"]),
            version=int(item["version"]["N"]),
            cells=_unpack(item["cells"]["B"]),
            pending_seq=int(pending["N"]) if pending else None,
        )

    def _contribution_put(self, number: str, seq: int, cells: Contribution, previous: StoredContribution | None,
                          pending_seq: int | None = None) -> dict[str, Any]:
        item = {
            "pk": {"S": f"ticket#{number}"},
            "sk": {"S": "contribution"},
            "seq": {"N": str(seq)},
            "version": {"N": str((previous.version if previous else 0) + 1)},
            "cells": {"B": _pack(cells)},
        }
        if pending_seq is not None:
            item["pending_seq"] = {"N": str(pending_seq)}
        put: dict[str, Any] = {"TableName": self.table, "Item": item}
        if previous is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": {"N": str(previous.version)}}
        return {"Put": put}

    def _cell_update(self, cell: Cell, delta: Mapping[str, int]) -> dict[str, Any]:
        names = {f"#a{i}": name for i, name in enumerate(sorted(delta))}
        values = {f":v{i}": {"N": str(delta[name])} for i, name in enumerate(sorted(delta))}
        expression = "ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(names)))
        return {
            "Update": {
                "TableName": self.table,
                "Key": cell_key(cell),
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    def apply(self, number: str, previous: StoredContribution | None, seq: int, cells: Contribution,
              delta: Contribution) -> None:
        """Add ``delta`` to the rollups and store ``cells`` as the ticket's contribution up to
        ``seq``, exactly once (raises :class:`ContributionConflict` when ``previous`` is stale)."""
        updates = [self._cell_update(cell, values) for cell, values in sorted(delta.items())]
        if len(updates) <= MAX_CELLS_PER_TRANSACTION:
            self._transact([*updates, self._contribution_put(number, seq, cells, previous)])
            return
        old_seq = previous.seq if previous else 0
        if previous is None or previous.pending_seq != seq:
            # record the target first, so a retry computes the same difference
            cells_before = previous.cells if previous else {}
            self._transact([self._contribution_put(number, old_seq, cells_before, previous, pending_seq=seq)])
            previous = self.contribution(number)
        for part, start in enumerate(range(0, len(updates), MAX_CELLS_PER_TRANSACTION)):
            claim = {
                "Put": {
                    "TableName": self.table,
                    "Item": {"pk": {"S": f"claim#{number}"}, "sk": {"S": f"{old_seq}-{seq}#{part}"}},
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            try:
                self._transact([*updates[start:start + MAX_CELLS_PER_TRANSACTION], claim])
            except ContributionConflict:
                continue  # this part was applied before a crash
        self._transact([self._contribution_put(number, seq, cells, previous)])

    def _transact(self, items: list[dict[str, Any]]) -> None:
        from botocore.exceptions import ClientError

        try:
            self.dynamodb.transact_write_items(TransactItems=items)
        except ClientError as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", []) or []]
            if "ConditionalCheckFailed" in reasons:
                raise ContributionConflict(str(error)) from error
            raise

    # -- reading -------------------------------------------------------------------------

    def _query(self, pk: str, low: str, high: str) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":low": {"S": low}, ":high": {"S": high}},
        }
        while True:
            page = self.dynamodb.query(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def daily(self, dim: str, first: date, last: date, family: str = DAILY) -> list[tuple[str, str, dict[str, int]]]:
        """``(key, day, counters)`` of every daily cell of ``dim`` from ``first`` to ``last``."""
        out = []
        for month in _months(first, last):
            for item in self._query(f"{family}#{dim}#{month}", f"{first.isoformat()}#", f"{last.isoformat()}#\uffff"):
                day, key = item["sk"]["S"].split("#", 1)
                out.append((key, day, _counters(item)))
        return out

    def backlog(self, dim: str, last: date) -> list[tuple[str, str, dict[str, int]]]:
        """``(key, opening day, deltas)`` of every backlog cell of ``dim`` opened up to ``last``."""
        out = []
        for item in self._query(f"{BACKLOG}#{dim}", "0", f"{last.isoformat()}#\uffff"):
            day, key = item["sk"]["S"].split("#", 1)
            out.append((key, day, _counters(item)))
        return out

    # -- rebuilding ----------------------------------------------------------------------

    def every_cell(self) -> dict[Cell, dict[str, int]]:
        """Every rollup cell (a Scan: for the rebuild and its check, never a request path)."""
        out: dict[Cell, dict[str, int]] = {}
        for item in self._scan():
            pk, sk = item["pk"]["S"], item["sk"]["S"]
            family = pk.split("#", 1)[0]
            if family not in (DAILY, BACKLOG, TICKETS):
                continue
            dim = pk.split("#")[1]
            day, key = sk.split("#", 1)
            counters = _counters(item)
            if counters:
                out[(family, dim, key, day)] = counters
        return out

    def _scan(self) -> Iterator[dict[str, Any]]:
        kwargs: dict[str, Any] = {"TableName": self.table, "ConsistentRead": True}
        while True:
            page = self.dynamodb.scan(**kwargs)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def replace_cells(self, cells: Mapping[Cell, Mapping[str, int]], drop: Iterable[Cell]) -> int:
        """Delete the cells in ``drop`` and write ``cells`` whole (BatchWriteItem pages)."""
        requests: list[dict[str, Any]] = [
            {"DeleteRequest": {"Key": cell_key(cell)}} for cell in drop if cell not in cells
        ]
        for cell, values in cells.items():
            item: dict[str, Any] = dict(cell_key(cell))
            item.update({name: {"N": str(value)} for name, value in values.items()})
            requests.append({"PutRequest": {"Item": item}})
        self._batch(requests)
        return len(requests)

    def replace_contributions(self, contributions: Mapping[str, tuple[int, Contribution]]) -> None:
        """Store each ticket's contribution as the rebuild computed it."""
        requests = []
        for number, (seq, cells) in contributions.items():
            previous = self.contribution(number)
            put = self._contribution_put(number, seq, cells, previous)["Put"]
            requests.append({"PutRequest": {"Item": put["Item"]}})
        self._batch(requests)

    def _batch(self, requests: list[dict[str, Any]]) -> None:
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self.table: requests[start:start + 25]}
            while pending:
                answer = self.dynamodb.batch_write_item(RequestItems=pending)
                pending = answer.get("UnprocessedItems") or {}

    # -- kept reports (the weekly steering report) -----------------------------------------

    def keep_report(self, name: str, body: Mapping[str, Any]) -> None:
        """Keep a report (``steering#2026-W48``) so it can be read again as it was sent."""
        self.dynamodb.put_item(TableName=self.table, Item={
            "pk": {"S": f"report#{name}"},
            "sk": {"S": "report"},
            "body": {"B": zlib.compress(json.dumps(body).encode())},
        })

    def kept_report(self, name: str) -> dict[str, Any] | None:
        key = {"pk": {"S": f"report#{name}"}, "sk": {"S": "report"}}
        item = self.dynamodb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        return None if item is None else dict(json.loads(zlib.decompress(item["body"]["B"])))


def every_event() -> Iterator[TicketEvent]:
    """Every ticket event (consistent, paginated Scans of the events table): what a rebuild reads.
    For the command line only, never a request path."""
    from chalicelib.storage.models import EventModel
    from chalicelib.storage.repository import item_to_event

    bind_models(get_settings())
    for item in EventModel.scan(consistent_read=True):
        yield item_to_event(item)

