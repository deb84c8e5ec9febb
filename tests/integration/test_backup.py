"""Backup and restore of a stage's tables on moto: a round trip through paginated Scans and
BatchWriteItem pages, idempotent, through ``desk backup`` / ``desk restore`` too."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import auth

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _dynamodb() -> Any:
    from chalicelib.storage.aws import client

    return client("dynamodb")


def _tables() -> dict[str, str]:
    from chalicelib.config import get_settings
    from chalicelib.storage.tables import stage_tables

    return stage_tables(get_settings())


def _everything() -> dict[str, list[str]]:
    """Every item of every table, as sorted lines: what must survive a round trip."""
    from chalicelib.services.backup import encode_item, scan_items

    return {name: sorted(encode_item(i) for i in scan_items(_dynamodb(), table)) for name, table in _tables().items()}


def _drop_and_recreate() -> None:
    from chalicelib.config import get_settings
    from chalicelib.storage.tables import create_tables

    dynamodb = _dynamodb()
    for table in _tables().values():
        dynamodb.delete_table(TableName=table)
    create_tables(get_settings(), dynamodb)


def _open_tickets(client: Any, count: int) -> list[str]:
    numbers = []
    for index in range(count):
        body = {"type": "incident", "title": f"Printer {index} jams", "description": "paper jam on floor 3"}
        headers = {**auth(), "Idempotency-Key": f"jam-{index}"}
        r = client.http.post("/tickets", headers=headers, body=json.dumps(body))
        assert r.status_code == 201, r.body
        numbers.append(r.json_body["number"])
    return numbers


def test_backup_and_restore_round_trip_every_table_in_pages(client: Any, tmp_path: Path) -> None:
    from chalicelib import wiring
    from chalicelib.services.backup import backup, read_manifest, restore
    from chalicelib.storage.aws import count_dynamodb_requests

    numbers = _open_tickets(client, 12)
    before = _everything()
    assert len(before["events"]) > 25 and len(before["config"]) > 25  # more than one BatchWriteItem page

    with count_dynamodb_requests() as counter:
        counts = backup(_dynamodb(), _tables(), tmp_path / "b", now=NOW, stage="dev", page_size=10)
    scans = counter.calls.count("Scan")
    total = sum(c.items for c in counts)
    # One Scan per page of ten items per table (an empty last page where the store sends one).
    assert sum(max(1, -(-c.items // 10)) for c in counts) <= scans <= sum(c.items // 10 + 1 for c in counts)
    assert scans > len(counts)
    manifest = read_manifest(tmp_path / "b")
    assert manifest["tables"]["tickets"]["items"] == 12
    assert manifest["tables"]["tickets"]["key_schema"] == [{"AttributeName": "number", "KeyType": "HASH"}]
    assert {name for name in manifest["tables"]} == set(_tables())

    _drop_and_recreate()
    assert sum(len(items) for items in _everything().values()) == 0
    with count_dynamodb_requests() as counter:
        restored = restore(_dynamodb(), _tables(), tmp_path / "b")
    assert sum(c.items for c in restored) == total
    assert counter.calls.count("BatchWriteItem") == sum(-(-c.items // 25) for c in restored)
    assert _everything() == before

    restore(_dynamodb(), _tables(), tmp_path / "b")  # idempotent: the same tables again
    assert _everything() == before

    wiring.install(None)
    agent = auth("ann", "agent")
    assert client.http.get(f"/tickets/{numbers[0]}", headers=agent).json_body["title"] == "Printer 0 jams"
    # The counters came back too: the next ticket continues the numbering.
    body = {"type": "incident", "title": "Scanner down", "description": "no power"}
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(body))
    assert r.json_body["number"] == "INC-000013"
    # And the idempotency records: a retried request is still the ticket it made.
    r = client.http.post(
        "/tickets",
        headers={**auth(), "Idempotency-Key": "jam-0"},
        body=json.dumps({"type": "incident", "title": "Printer 0 jams", "description": "paper jam on floor 3"}),
    )
    assert r.json_body["number"] == numbers[0]


def test_a_backup_replaces_the_previous_one_only_when_complete(aws: None, tmp_path: Path) -> None:
    from chalicelib.services.backup import backup, read_manifest

    target = tmp_path / "snapshot"
    backup(_dynamodb(), _tables(), target, now=NOW)
    broken = dict(_tables(), tickets="no-such-table")
    with pytest.raises(Exception, match=r"no-such-table|ResourceNotFound"):
        backup(_dynamodb(), broken, target, now=datetime(2027, 1, 1, tzinfo=UTC))
    assert read_manifest(target)["taken_at"] == NOW.isoformat()


def test_restore_refuses_a_table_whose_keys_differ(aws: None, tmp_path: Path) -> None:
    from chalicelib.services.backup import BackupError, backup, restore

    backup(_dynamodb(), _tables(), tmp_path / "b", now=NOW)
    tables = dict(_tables(), tickets=_tables()["events"])
    with pytest.raises(BackupError, match="key schema"):
        restore(_dynamodb(), tables, tmp_path / "b")


def test_desk_backup_and_restore_commands(aws: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.cli import main

    before = _everything()
    assert main(["backup", "--out", str(tmp_path / "b"), "--page-size", "5"]) == 0
    _drop_and_recreate()
    assert main(["restore", "--from", str(tmp_path / "b")]) == 0
    assert _everything() == before
    assert main(["restore", "--from", str(tmp_path / "nothing")]) == 2
    assert "no manifest.json" in capsys.readouterr().err
