"""The weekly steering report: on demand (JSON, HTML with SVG charts, CSV), and on Monday morning
kept and sent to the Service Manager once."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from chalicelib.storage.aws import count_dynamodb_requests
from tests.conftest import auth
from tests.integration.test_reports_api import _drive, manager, play_stream
from tests.unit.fakes import FakeClock


def test_steering_report_on_demand(client: Any, clock: FakeClock) -> None:
    numbers = _drive(client, clock)
    play_stream()
    r = client.http.get("/reports/steering?week=2026-W48", headers=manager())
    assert r.status_code == 200, r.body
    report = r.json_body
    assert report["week"] == "2026-W48" and report["from"] == "2026-11-23" and report["to"] == "2026-11-29"
    assert [w["week"] for w in report["weeks"]] == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert report["weeks"][-1]["opened_by_process"] == {"incident": 3}
    assert report["weeks"][-1]["sla"]["first_response"] == 1.0
    assert len(report["reopened"]) == 1 and report["reopened"][0].startswith(f"{numbers[1]} Printer jam: reopened")
    html = client.http.get("/reports/steering?week=2026-W48&format=html", headers=manager())
    assert html.headers["Content-Type"].startswith("text/html")
    # volumes, SLA compliance, known errors and candidates added, satisfaction
    assert html.body.decode().count("<svg") == 4 and "Printer jam" in html.body.decode()
    csv = client.http.get("/reports/steering?week=2026-W48&format=csv", headers=manager()).body.decode()
    assert csv.splitlines()[0].startswith("week,from,to,opened") and len(csv.splitlines()) == 6
    assert client.http.get("/reports/steering?week=2026-W48", headers=auth()).status_code == 403
    bad = client.http.get("/reports/steering?week=2026-48", headers=manager())
    assert bad.status_code == 400 and bad.json_body["field"] == "week"
    assert client.http.get("/reports/steering?week=2026-W48&format=pdf", headers=manager()).status_code == 400


def test_monday_morning_keeps_and_sends_last_week_once(client: Any, clock: FakeClock) -> None:
    from app import app
    from chalicelib.wiring import desk

    _drive(client, clock)
    play_stream()
    clock.now = datetime(2026, 11, 30, 13, 0, tzinfo=timezone.utc)  # Monday 07:00 in Chicago
    assert desk().steering.send_if_due() is False
    clock.now = datetime(2026, 11, 30, 14, 30, tzinfo=timezone.utc)  # 08:30
    assert "steering_report" in app.handler_map
    assert desk().steering.send_if_due() is True
    with count_dynamodb_requests() as counter:  # the day's later runs read the claim alone
        assert desk().steering.send_if_due() is False
    assert counter.calls == ["GetItem"]
    sent = [n for n in desk().outbox.list_day("2026-11-30", 50, None)[0] if n.get("kind") == "steering"]
    assert sent and "Steering report 2026-W48" in sent[0]["text"]
    kept = client.http.get("/reports/steering?week=2026-W48", headers=manager()).json_body
    _drive(client, clock)  # later tickets do not change the kept report
    play_stream()
    assert client.http.get("/reports/steering?week=2026-W48", headers=manager()).json_body == kept
