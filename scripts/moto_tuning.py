"""Keeps moto's DynamoDB transactions cheap for the local server and the tests.

moto snapshots every table a TransactWriteItems touches with ``copy.deepcopy`` so it can roll
back, which costs time in proportion to the whole table, on every transaction. The desk's
transactions Put items under conditions and end with unconditional ADD updates (workload
counters) that cannot fail, so by the time an item is changed in place nothing can roll the
transaction back; a snapshot of the item dictionaries (a Put replaces the Item, never changes it)
rolls back just as well, at a cost independent of the table's size. Only used with moto.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from types import SimpleNamespace
from typing import Any


def _snapshot(value: Any, memo: Any = None) -> Any:
    from moto.dynamodb.models.table import Table

    if not isinstance(value, Table):
        return copy.deepcopy(value, memo)
    clone = copy.copy(value)
    items: Any = defaultdict(dict)
    for key, entry in value.items.items():
        items[key] = dict(entry) if isinstance(entry, dict) else entry
    clone.items = items
    return clone


def cheap_transaction_snapshots() -> None:
    """Patch moto's DynamoDB backend module (idempotent)."""
    import moto.dynamodb.models as models

    if isinstance(models.copy, SimpleNamespace):  # type: ignore[attr-defined]
        return
    models.copy = SimpleNamespace(deepcopy=_snapshot, copy=copy.copy)  # type: ignore[attr-defined,assignment]
