"""Measures and SLA reports through the API, from rollups the events table's stream built;
figures checked against the same figures computed independently from ``GET /tickets/{n}/events``;
a repeated delivery changes nothing; a rebuild from the events equals what the stream built."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from tests.conftest import auth
from tests.unit.fakes import FakeClock

DAY = "2026-11-23"


def manager() -> dict[str, str]:
    return auth("maria.manager", "manager")


def agent(name: str = "ann") -> dict[str, str]:
    return auth(name, "agent")


def _post(client: Any, path: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    r = client.http.post(path, headers=headers, body=json.dumps(body))
    assert r.status_code in (200, 201), (path, r.body)
    return dict(r.json_body)


def _open(client: Any, title: str, urgency: str = "medium") -> dict[str, Any]:
    body = {"type": "incident", "title": title, "description": "VPN drops every few minutes", "urgency": urgency}
    return _post(client, "/tickets", body, auth())


def _move(client: Any, ticket: dict[str, Any], to: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    return _post(client, f"/tickets/{ticket['number']}/transitions", {"to": to, "version": ticket["version"]},
                 headers or agent())


def _assign(client: Any, ticket: dict[str, Any], assignee: str) -> dict[str, Any]:
    return _post(client, f"/tickets/{ticket['number']}/assignment",
                 {"version": ticket["version"], "assignee": assignee}, agent())


def _reply(client: Any, ticket: dict[str, Any], who: str = "ann") -> dict[str, Any]:
    _post(client, f"/tickets/{ticket['number']}/comments", {"body": "on it", "visibility": "public"}, agent(who))
    r = client.http.get(f"/tickets/{ticket['number']}", headers=agent())
    return dict(r.json_body)


def play_stream() -> int:
    from app import app
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client
    from chalicelib.storage.streams import StreamPlayer, streams_client

    player = StreamPlayer(client("dynamodb"), streams_client(), get_settings().events_table)
    return player.play(app.handler_map["apply_events_to_rollups"])


def _drive(client: Any, clock: FakeClock) -> list[str]:
    """Three incidents: one answered and resolved by one agent, one reassigned, resolved,
    reopened and resolved again, one left open waiting on the requester."""
    first = _open(client, "VPN down")
    owner = first.get("assignee")
    if owner is None:  # intake found nobody on shift: the first agent is the one assigned now
        owner = "ann"
        first = _assign(client, first, owner)
    clock.advance(minutes=20)
    first = _reply(client, first, owner)
    clock.advance(minutes=40)
    first = _move(client, first, "resolved", agent(owner))

    second = _assign(client, _open(client, "Printer jam"), "ann")
    clock.advance(minutes=10)
    second = _assign(client, second, "ben")
    clock.advance(minutes=50)
    second = _reply(client, second, "ben")
    clock.advance(hours=2)
    second = _move(client, second, "resolved", agent("ben"))
    clock.advance(minutes=30)
    second = _move(client, second, "reopen", auth())
    clock.advance(minutes=30)
    second = _move(client, second, "resolved", agent("ben"))

    third = _assign(client, _open(client, "Mail slow", "high"), "ann")
    clock.advance(minutes=5)
    third = _reply(client, third)
    third = _move(client, third, "waiting_on_requester")
    clock.advance(hours=1)
    return [first["number"], second["number"], third["number"]]


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


def independent_figures(client: Any, numbers: list[str]) -> dict[str, Any]:
    """Respond and resolve times, FCR and reopens computed from each ticket's audit trail."""
    respond, resolve, fcr, reopened = [], [], 0, 0
    for number in numbers:
        events = client.http.get(f"/tickets/{number}/events", headers=manager()).json_body["events"]
        opened = _at(next(e["at"] for e in events if e["kind"] == "opened"))
        first = next((e for e in events if e["kind"] == "first_response"), None)
        if first is not None:
            respond.append((_at(first["after"]["first_response_at"]) - opened).total_seconds())
        moves = [e for e in events if e["kind"] == "status_changed"]
        resolved = next((e for e in moves if e["after"]["status"] == "resolved"), None)
        if resolved is None:
            continue
        resolve.append((_at(resolved["at"]) - opened).total_seconds())
        was_reopened = any(e["before"]["status"] == "resolved" and e["after"]["status"] != "closed" for e in moves)
        assignees = {e["after"].get("assignee") for e in events if e["kind"] == "assigned"} - {None}
        replies = [e for e in events if e["kind"] == "commented" and e["after"].get("visibility") == "public"]
        reopened += was_reopened
        fcr += len(assignees) == 1 and len(replies) <= 1 and not was_reopened
    return {"respond": respond, "resolve": resolve, "fcr": fcr, "reopened": reopened}


def _median(values: list[float]) -> float:
    return sorted(values)[math.ceil(0.5 * len(values)) - 1]


def _get(client: Any, path: str, headers: dict[str, str] | None = None) -> Any:
    return client.http.get(path, headers=headers or manager())


def test_measures_from_the_stream_match_the_audit_trail(client: Any, clock: FakeClock) -> None:
    numbers = _drive(client, clock)
    assert play_stream() > 0
    answer = _get(client, f"/reports/measures?from={DAY}&to={DAY}").json_body
    assert answer["from"] == DAY and answer["by"] == "all"
    row = answer["rows"][0]
    expected = independent_figures(client, numbers)
    assert row["time_to_respond"]["count"] == len(expected["respond"]) == 3
    assert row["time_to_resolve"]["count"] == len(expected["resolve"]) == 2
    assert abs(row["time_to_respond"]["mean_s"] - sum(expected["respond"]) / 3) <= 1
    assert abs(row["time_to_respond"]["median_s"] - _median(expected["respond"])) <= 0.01 * _median(expected["respond"])
    assert abs(row["time_to_resolve"]["p90_s"] - max(expected["resolve"])) <= 0.01 * max(expected["resolve"])
    assert row["resolved"] == 2
    assert row["fcr_rate"] == expected["fcr"] / 2 == 0.5
    assert row["reopen_rate"] == expected["reopened"] / 2 == 0.5
    assert row["backlog"]["total"] == 1 and row["backlog"]["<1d"] == 1

    by_agent = {r["key"]: r for r in _get(client, f"/reports/measures?from={DAY}&to={DAY}&by=agent").json_body["rows"]}
    assert by_agent["ben"]["resolved"] == 1 and sum(r["resolved"] for r in by_agent.values()) == 2
    assert by_agent["ben"]["handled"] == 1 and by_agent["ann"]["handled"] >= 2

    sla = _get(client, f"/reports/sla?from={DAY}&to={DAY}").json_body
    first_response = next(r for r in sla["rows"] if r["clock"] == "first_response")
    assert first_response["met"] == 3 and first_response["compliance"] == 1.0
    assert set(first_response) >= {"key", "clock", "met", "breached", "compliance", "compliance_without_pauses"}

    csv = _get(client, f"/reports/sla?from={DAY}&to={DAY}&format=csv")
    assert csv.headers["Content-Type"].startswith("text/csv")
    header, *lines = csv.body.decode().splitlines()
    assert header.startswith("from,to,by,key,clock,met,breached,compliance") and len(lines) == len(sla["rows"])


def test_a_repeated_delivery_changes_nothing_and_a_rebuild_equals_the_stream(client: Any, clock: FakeClock) -> None:
    from chalicelib.storage.rollups import DynamoRollupStore
    from chalicelib.wiring import desk

    _drive(client, clock)
    play_stream()
    store = DynamoRollupStore()
    built = store.every_cell()
    assert play_stream() > 0  # a fresh reader from the stream's start: every record again
    assert store.every_cell() == built

    from chalicelib.storage.rollups import every_event

    result = desk().rollup_rebuild().rebuild(every_event(), datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())
    assert result["tickets"] == 3
    assert store.every_cell() == built


def test_report_parameters_and_roles(client: Any, clock: FakeClock) -> None:
    assert _get(client, f"/reports/measures?from={DAY}&to={DAY}", auth()).status_code == 403
    bad = _get(client, f"/reports/measures?from={DAY}&to={DAY}&by=colour")
    assert bad.status_code == 400 and bad.json_body["field"] == "by"
    assert _get(client, "/reports/sla?to=2026-11-23").json_body["field"] == "from"
    assert _get(client, "/reports/sla?from=2026-11-23&to=2026-11-01").json_body["field"] == "to"
    assert _get(client, f"/reports/sla?from={DAY}&to={DAY}&format=xml").json_body["field"] == "format"
    empty = _get(client, f"/reports/measures?from={DAY}&to={DAY}", agent()).json_body
    assert empty["rows"] == []
