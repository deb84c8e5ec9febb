"""Change conflicts, freezes and the calendar through chalice.test.Client on moto."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from chalicelib.storage.aws import count_dynamodb_requests
from chalicelib.storage.models import ChangeSlotModel
from tests.conftest import auth
from tests.integration.test_changes_api import NOW, PLAN, _move, _open, _plan, agent, clock_start  # noqa: F401
from tests.unit.fakes import FakeClock


def _window(hours_from: float, hours_to: float) -> dict[str, str]:
    return {
        "start": (NOW + timedelta(hours=hours_from)).isoformat(),
        "end": (NOW + timedelta(hours=hours_to)).isoformat(),
    }


#: The shipped standard-change template of each service the tests plan changes on.
TEMPLATES = {"erp": "erp-app-server-restart", "vpn": "vpn-client-profile-update"}


def _standard(client: Any, window: dict[str, str], services: list[str] | None = None) -> dict[str, Any]:
    t = _open(client)
    services = services or ["erp"]
    body: dict[str, Any] = {
        "template": TEMPLATES[services[0]],
        "services": services,
        "window": window,
        "risk": {"likelihood": 1, "impact": 1},
    }
    r = _plan(client, t, **body)
    assert r.status_code == 200, r.body
    return dict(r.json_body)


def _get(client: Any, number: str) -> dict[str, Any]:
    return dict(client.http.get(f"/tickets/{number}", headers=agent()).json_body)


def test_overlapping_changes_on_a_shared_service_are_listed_on_both(client: Any, clock: FakeClock) -> None:
    first = _standard(client, _window(0, 2))
    second = _standard(client, _window(1, 3))
    assert [c["number"] for c in second["change"]["conflicts"]] == [first["number"]]
    assert "erp" in second["change"]["conflicts"][0]["reason"]
    assert [c["number"] for c in _get(client, first["number"])["change"]["conflicts"]] == [second["number"]]
    # Moving the second window to start where the first ends clears both sides (half-open).
    r = _plan(client, second, window=_window(2, 4))
    assert r.status_code == 200, r.body
    assert r.json_body["change"]["conflicts"] == []
    assert _get(client, first["number"])["change"]["conflicts"] == []


def test_touching_windows_or_other_services_do_not_conflict(client: Any, clock: FakeClock) -> None:
    _standard(client, _window(0, 2))
    assert _standard(client, _window(2, 3))["change"]["conflicts"] == []
    assert _standard(client, _window(0, 2), ["vpn"])["change"]["conflicts"] == []


def test_a_conflict_refuses_scheduling_until_resolved(client: Any, clock: FakeClock) -> None:
    _standard(client, _window(0, 2))
    second = _standard(client, _window(1, 3))
    r = _move(client, second, "schedule")
    assert r.status_code == 409, r.body
    assert "conflicts with" in json.dumps(r.json_body)
    second = dict(_plan(client, second, window=_window(5, 6)).json_body)
    assert _move(client, second, "schedule").status_code == 200


def test_a_freeze_refuses_scheduling(client: Any, clock: FakeClock) -> None:
    freeze = {
        "name": "year-end",
        "services": "*",
        "start": NOW.isoformat(),
        "end": (NOW + timedelta(days=1)).isoformat(),
        "reason": "closing the books",
    }
    r = client.http.post("/admin/change-freezes", headers=auth("root", "admin"), body=json.dumps(freeze))
    assert r.status_code == 201, r.body
    t = _standard(client, _window(1, 2))
    assert t["change"]["freezes"] == ["year-end: closing the books"]
    r = _move(client, t, "schedule")
    assert r.status_code == 409 and "change freeze" in json.dumps(r.json_body)


def test_freeze_errors_name_the_field(client: Any, clock: FakeClock) -> None:
    bad = {"name": "x", "services": ["nope"], "start": "soon", "reason": ""}
    r = client.http.post("/admin/change-freezes", headers=auth("root", "admin"), body=json.dumps(bad))
    assert r.status_code == 400, r.body
    fields = {p["field"] for p in r.json_body["errors"]} if "errors" in r.json_body else set()
    text = json.dumps(r.json_body)
    assert "start" in text and "end" in text and "reason" in text, (fields, text)


def test_a_window_longer_than_two_weeks_is_refused(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    r = _plan(client, t, window=_window(0, 15 * 24))
    assert r.status_code == 400 and "window" in json.dumps(r.json_body)


def test_the_conflict_check_costs_one_query_per_service_however_many_changes_are_stored(
    client: Any, clock: FakeClock
) -> None:
    def fill(count: int, base: int) -> None:
        with ChangeSlotModel.batch_write() as batch:
            for i in range(count):
                start = NOW - timedelta(days=60 + (base + i) % 300)
                batch.save(
                    ChangeSlotModel(
                        "erp",
                        f"{start.isoformat()}#CHG-{base + i}",
                        number=f"CHG-{base + i}",
                        start=start,
                        end=start + timedelta(hours=1),
                        status="scheduled",
                    )
                )

    def requests_for_a_check(hours: int) -> list[str]:
        t = _open(client)
        with count_dynamodb_requests() as counted:
            r = _plan(client, t, services=["erp"], window=_window(hours, hours + 1))
        assert r.status_code == 200, r.body
        return sorted(counted.calls)

    requests_for_a_check(10)  # reads (and caches) the catalog, groups and freezes
    fill(100, 0)
    small = requests_for_a_check(0)
    fill(2000, 100)
    large = requests_for_a_check(5)
    assert small == large, (small, large)
    # The ticket, its events, one Query for the one service, the write: never a Scan.
    assert small == ["GetItem", "Query", "Query", "TransactWriteItems"]


def test_the_calendar_lists_scheduled_changes_and_freezes_in_range(client: Any, clock: FakeClock) -> None:
    scheduled = _standard(client, _window(1, 2))
    assert _move(client, scheduled, "schedule").status_code == 200
    _standard(client, _window(3, 4), ["vpn"])  # planned, not scheduled: not on the calendar
    freeze = {
        "name": "audit",
        "services": ["erp"],
        "start": (NOW + timedelta(days=2)).isoformat(),
        "end": (NOW + timedelta(days=3)).isoformat(),
        "reason": "auditors on site",
    }
    assert (
        client.http.post("/admin/change-freezes", headers=auth("root", "admin"), body=json.dumps(freeze)).status_code
        == 201
    )
    start, end = NOW.isoformat().replace("+", "%2B"), (NOW + timedelta(days=7)).isoformat().replace("+", "%2B")
    r = client.http.get(f"/changes/calendar?from={start}&to={end}", headers=agent())
    assert r.status_code == 200, r.body
    assert [c["number"] for c in r.json_body["changes"]] == [scheduled["number"]]
    assert r.json_body["changes"][0]["services"] == ["erp"]
    assert [f["name"] for f in r.json_body["freezes"]] == ["audit"]
    r = client.http.get(f"/changes/calendar?from={start}&to={end}&service=email", headers=agent())
    assert r.json_body == {**r.json_body, "changes": [], "freezes": []}


def test_calendar_errors(client: Any, clock: FakeClock) -> None:
    start = NOW.isoformat().replace("+", "%2B")
    r = client.http.get("/changes/calendar", headers=agent())
    assert r.status_code == 400 and "from" in json.dumps(r.json_body) and "to" in json.dumps(r.json_body)
    r = client.http.get(f"/changes/calendar?from={start}&to=yesterday", headers=agent())
    assert r.status_code == 400 and "to" in json.dumps(r.json_body)
    far = (NOW + timedelta(days=400)).isoformat().replace("+", "%2B")
    assert client.http.get(f"/changes/calendar?from={start}&to={far}", headers=agent()).status_code == 400
    later = (NOW + timedelta(days=1)).isoformat().replace("+", "%2B")
    r = client.http.get(f"/changes/calendar?from={start}&to={later}&service=nope", headers=agent())
    assert r.status_code == 400 and "service" in json.dumps(r.json_body)
    assert client.http.get(f"/changes/calendar?from={start}&to={later}", headers=auth()).status_code == 403


def test_the_desk_ships_the_erp_year_end_freeze(client: Any, clock: FakeClock) -> None:
    r = client.http.get("/admin/change-freezes/erp-year-end", headers=agent())
    assert r.status_code == 200, r.body
    r = client.http.get("/changes/calendar?from=2026-12-20T00:00:00Z&to=2027-01-10T00:00:00Z", headers=agent())
    assert r.json_body["freezes"] == [
        {
            "name": "erp-year-end",
            "services": ["erp"],
            "start": "2026-12-23T06:00:00+00:00",
            "end": "2027-01-05T06:00:00+00:00",
            "reason": "year-end close",
        }
    ]
    r = client.http.get(
        "/changes/calendar?from=2026-12-20T00:00:00Z&to=2027-01-10T00:00:00Z&service=email", headers=agent()
    )
    assert r.json_body["freezes"] == []
