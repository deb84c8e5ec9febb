"""SLA routes and clocks through the API: admin documents, preview, clocks stored and explained."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.conftest import MONDAY_9AM_CHICAGO, auth
from tests.unit.fakes import FakeClock

# Monday 23 November 2026, 09:00 in Chicago (the default office calendar).

OFFICE_BERLIN = {
    "name": "office-berlin",
    "timezone": "Europe/Berlin",
    "weekly_hours": {d: [["09:00", "12:00"], ["13:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holiday_country": "DE",
}


def admin() -> dict[str, str]:
    return auth("root", "admin")


def agent() -> dict[str, str]:
    return auth("ann", "agent")




def _open(client: Any, **body: Any) -> dict[str, Any]:
    payload = {"type": "incident", "title": "Printer offline", "description": "Floor 3", **body}
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(payload))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def _post(client: Any, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.http.post(path, headers=headers or agent(), body=json.dumps(body))


# -- clocks on tickets ----------------------------------------------------------------------


def test_open_stores_clocks_and_next_deadline(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    assert t["sla"]["policy"] == "incident-default"
    fr = t["sla"]["clocks"]["first_response"]
    assert fr["state"] == "running"
    assert fr["due_at"] == "2026-11-23T19:00:00+00:00"  # 4 working hours: 13:00 Chicago
    # The nearest alert: the 75% warning of the first response, 12:00 Chicago.
    assert t["next_deadline"] == "2026-11-23T18:00:00+00:00"
    res = t["sla"]["clocks"]["resolution"]
    assert res["due_at"] == "2026-11-25T15:00:00+00:00"  # 2 business days of 9h: Wednesday 09:00


def test_sla_route_explains_the_clocks(client: Any, clock: FakeClock) -> None:
    number = _open(client)["number"]
    clock.advance(hours=5)
    first = client.http.get(f"/tickets/{number}/sla", headers=agent()).json_body
    again = client.http.get(f"/tickets/{number}/sla", headers=agent()).json_body
    assert first == again  # replay is deterministic
    fr = first["clocks"]["first_response"]
    assert fr["state"] == "breached" and fr["breached_at"] == "2026-11-23T19:00:00+00:00"
    whats = [entry["what"] for entry in fr["timeline"]]
    assert whats[0] == "started" and "breached" in whats
    # The requester sees each clock's state and due time, not the desk's working.
    theirs = client.http.get(f"/tickets/{number}/sla", headers=auth()).json_body
    assert set(theirs) == {"ticket", "computed_at", "clocks"}
    assert theirs["clocks"]["first_response"] == {
        "state": "breached",
        "due_at": fr["due_at"],
        "breached_at": "2026-11-23T19:00:00+00:00",
        "met_at": None,
        "paused": False,
    }
    assert client.http.get(f"/tickets/{number}/sla", headers=auth("bob")).status_code == 404


def test_waiting_on_requester_pauses_and_leaves_the_sparse_index(client: Any, clock: FakeClock) -> None:
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client as aws_client

    t = _open(client)
    clock.advance(hours=1)
    t = _post(
        client, f"/tickets/{t['number']}/transitions", {"to": "waiting_on_requester", "version": t["version"]}
    ).json_body
    assert t["sla"]["clocks"]["resolution"]["state"] == "paused"
    assert t["next_deadline"] is None
    item = aws_client("dynamodb").get_item(TableName=get_settings().tickets_table, Key={"number": {"S": t["number"]}})
    assert "next_deadline" not in item["Item"] and "deadline_shard" not in item["Item"]
    clock.advance(hours=2)
    r = client.http.post(
        f"/tickets/{t['number']}/comments", headers=auth(), body=json.dumps({"body": "Here are the details"})
    )
    t = r.json_body
    assert t["status"] == "in_progress"
    assert t["sla"]["clocks"]["first_response"]["state"] == "running"
    # One working hour was used before the pause: three are left from 12:00 Chicago.
    assert t["sla"]["clocks"]["first_response"]["due_at"] == "2026-11-23T21:00:00+00:00"
    item = aws_client("dynamodb").get_item(TableName=get_settings().tickets_table, Key={"number": {"S": t["number"]}})
    assert item["Item"]["deadline_shard"]["S"] and item["Item"]["next_deadline"]["S"]


def test_priority_change_recomputes_in_the_same_write(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    clock.advance(minutes=10)
    r = client.http.patch(
        f"/tickets/{t['number']}",
        headers=agent(),
        body=json.dumps({"version": t["version"], "impact": "high", "urgency": "high"}),
    )
    t = r.json_body
    assert t["priority"] == "P1"
    # carry: 10 minutes already used against P1's 30-minute first response.
    assert t["sla"]["clocks"]["first_response"]["due_at"] == "2026-11-23T15:30:00+00:00"
    sla = client.http.get(f"/tickets/{t['number']}/sla", headers=agent()).json_body
    whats = [e["what"] for e in sla["clocks"]["first_response"]["timeline"]]
    assert "priority_changed" in whats


def test_first_public_reply_meets_the_first_response(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    clock.advance(minutes=20)
    t = _post(client, f"/tickets/{t['number']}/comments", {"body": "Looking at it"}).json_body
    fr = t["sla"]["clocks"]["first_response"]
    assert fr["state"] == "met"


def test_reopen_resumes_the_resolution_clock(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    clock.advance(hours=1)
    t = _post(client, f"/tickets/{t['number']}/transitions", {"to": "resolved", "version": t["version"]}).json_body
    assert t["sla"]["clocks"]["resolution"]["state"] == "met"
    assert t["next_deadline"] is None
    clock.advance(hours=2)
    t = _post(
        client, f"/tickets/{t['number']}/transitions", {"to": "in_progress", "version": t["version"]}, auth()
    ).json_body
    res = t["sla"]["clocks"]["resolution"]
    assert res["state"] == "running" and res["cycle"] == 2
    assert res["used_seconds"] == 3600
    assert t["next_deadline"] is not None


def test_scheduled_target_takes_the_agents_due_date(client: Any, clock: FakeClock) -> None:
    t = _open(client, type="change_request")
    assert t["sla"]["clocks"]["resolution"]["state"] == "awaiting_schedule"
    due = (MONDAY_9AM_CHICAGO + timedelta(days=7)).isoformat()
    r = _post(client, f"/tickets/{t['number']}/due-date", {"version": t["version"], "due_at": due})
    assert r.status_code == 200, r.body
    res = r.json_body["sla"]["clocks"]["resolution"]
    assert res["state"] == "running" and res["due_at"] == "2026-11-30T15:00:00+00:00"
    r = _post(
        client,
        f"/tickets/{t['number']}/due-date",
        {"version": r.json_body["version"], "due_at": "2020-01-01T00:00:00Z"},
    )
    assert r.status_code == 400 and r.json_body["field"] == "due_at"
    r = _post(client, f"/tickets/{t['number']}/due-date", {"version": 1, "due_at": "2030-01-01T00:00:00"})
    assert r.status_code == 400 and r.json_body["field"] == "due_at"


def test_24x7_bundle_incident_runs_on_the_weekend(client: Any, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)  # Saturday night
    t = _open(client, service="spectrograph-archive", impact="high", urgency="high")
    assert t["sla"]["policy"] == "incident-spectrograph-24x7"
    assert t["sla"]["clocks"]["first_response"]["due_at"] == "2026-11-28T03:30:00+00:00"
    office = _open(client, impact="high", urgency="high")
    assert office["sla"]["clocks"]["first_response"]["due_at"] > "2026-11-30"


def test_vip_service_request_gets_code_0(client: Any, clock: FakeClock) -> None:
    body = {
        "type": "service_request",
        "title": "Laptop for the board",
        "description": "Needed now",
        "impact": "medium",
        "urgency": "high",
    }
    r = client.http.post("/tickets", headers=auth("ceo", "requester", vip=True), body=json.dumps(body))
    assert r.json_body["sla"]["policy"] == "service-request-vip"


def test_ticket_keeps_its_policy_version_after_an_edit(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    policy = client.http.get("/admin/sla-policies/incident-default", headers=admin()).json_body
    policy["targets"]["P3"]["first_response"] = {"duration": "1h"}
    r = client.http.put("/admin/sla-policies/incident-default", headers=admin(), body=json.dumps(policy))
    assert r.status_code == 200, r.body
    assert r.json_body["version"] == 2
    from chalicelib import wiring

    wiring.desk().config_service.forget_cache()
    old = client.http.get(f"/tickets/{t['number']}/sla", headers=agent()).json_body
    assert old["policy_version"] == 1
    assert old["clocks"]["first_response"]["due_at"] == "2026-11-23T19:00:00+00:00"
    new = _open(client)
    assert new["sla"]["policy_version"] == 2
    assert new["sla"]["clocks"]["first_response"]["due_at"] == "2026-11-23T16:00:00+00:00"


# -- admin documents ------------------------------------------------------------------------


def test_calendar_documents(client: Any) -> None:
    r = _post(client, "/admin/calendars", OFFICE_BERLIN, admin())
    assert r.status_code == 201 and r.json_body["version"] == 1
    assert _post(client, "/admin/calendars", OFFICE_BERLIN, admin()).status_code == 409
    changed = {**OFFICE_BERLIN, "holidays": ["2026-12-24"]}
    r = client.http.put("/admin/calendars/office-berlin", headers=admin(), body=json.dumps(changed))
    assert r.status_code == 200 and r.json_body["version"] == 2
    old = client.http.get("/admin/calendars/office-berlin?version=1", headers=agent()).json_body
    assert old["holidays"] == [] and old["version"] == 1
    names = [c["name"] for c in client.http.get("/admin/calendars", headers=agent()).json_body["items"]]
    assert "office-berlin" in names and "24x7" in names
    assert client.http.get("/admin/calendars/nowhere", headers=agent()).status_code == 404
    assert client.http.get("/admin/calendars/office-berlin?version=x", headers=agent()).status_code == 400


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"weekly_hours": {"mon": [["9:00", "12:00"]]}}, "weekly_hours.mon[0][0]"),
        ({"weekly_hours": {"funday": []}}, "weekly_hours.funday"),
        ({"holidays": ["2026-13-01"]}, "holidays[0]"),
    ],
)
def test_invalid_calendar_names_the_field(client: Any, change: dict[str, Any], field: str) -> None:
    r = _post(client, "/admin/calendars", {**OFFICE_BERLIN, **change}, admin())
    assert r.status_code == 400, r.body
    assert field in [e["field"] for e in r.json_body["errors"]]


def test_only_admins_write_and_requesters_do_not_read(client: Any) -> None:
    assert _post(client, "/admin/calendars", OFFICE_BERLIN, agent()).status_code == 403
    assert client.http.get("/admin/calendars", headers=auth()).status_code == 403


def test_policy_with_unknown_calendar_is_refused(client: Any) -> None:
    policy = client.http.get("/admin/sla-policies/incident-default", headers=admin()).json_body
    policy["name"] = "incident-berlin"
    policy["calendar"] = "office-berlin"
    r = _post(client, "/admin/sla-policies", policy, admin())
    assert r.status_code == 400 and r.json_body["field"] == "calendar"
    _post(client, "/admin/calendars", OFFICE_BERLIN, admin())
    assert _post(client, "/admin/sla-policies", policy, admin()).status_code == 201


def test_preview_answers_policy_and_targets(client: Any) -> None:
    body = {"type": "incident", "impact": "high", "urgency": "high", "opened_at": "2026-11-23T15:00:00Z"}
    r = _post(client, "/admin/sla-policies/preview", body)
    assert r.status_code == 200, r.body
    assert r.json_body["policy"]["name"] == "incident-default"
    assert r.json_body["clocks"]["first_response"]["due_at"] == "2026-11-23T15:30:00+00:00"
    r = _post(client, "/admin/sla-policies/preview", {"type": "incident"})
    assert r.status_code == 400 and r.json_body["field"] == "priority"
    r = _post(client, "/admin/sla-policies/preview", {"type": "incident", "priority": "P9"})
    assert r.status_code == 400 and r.json_body["field"] == "priority"


def test_preview_of_a_draft_policy_before_it_is_stored(client: Any) -> None:
    draft = {
        "name": "incident-default",
        "calendar": "office",
        "match": {"types": ["incident"]},
        "targets": {"*": {"first_response": {"duration": "2h"}, "resolution": {"duration": "1bd"}}},
    }
    body = {"type": "incident", "priority": "P3", "opened_at": "2026-11-23T15:00:00Z", "policy": draft}
    r = _post(client, "/admin/sla-policies/preview", body, admin())
    assert r.status_code == 200, r.body
    assert r.json_body["policy"] == {"name": "incident-default", "version": 1, "precedence": 0, "matches": True}
    assert r.json_body["clocks"]["first_response"]["due_at"] == "2026-11-23T17:00:00+00:00"
    # The stored policy is unchanged: a P3 incident still gets its 4 hours.
    stored = _post(client, "/admin/sla-policies/preview", {k: v for k, v in body.items() if k != "policy"})
    assert stored.json_body["clocks"]["first_response"]["due_at"] == "2026-11-23T19:00:00+00:00"
    assert client.http.get("/admin/sla-policies/incident-default", headers=admin()).json_body["version"] == 1
    bad = {**draft, "targets": {"*": {"first_response": {"duration": "soon"}, "resolution": {"duration": "1bd"}}}}
    r = _post(client, "/admin/sla-policies/preview", {**body, "policy": bad}, admin())
    assert r.status_code == 400
    assert r.json_body["field"] == "policy.targets.*.first_response.duration"
    r = _post(client, "/admin/sla-policies/preview", {**body, "policy": "incident-default"}, admin())
    assert r.status_code == 400 and r.json_body["field"] == "policy"


def test_admin_kinds_say_what_the_caller_may_edit(client: Any) -> None:
    def editable(role: str) -> dict[str, bool]:
        r = client.http.get("/admin/kinds", headers=auth("someone", role))
        assert r.status_code == 200, r.body
        return {k["collection"]: k["editable"] for k in r.json_body["kinds"]}

    assert all(editable("admin").values())
    manager = editable("manager")
    assert manager["services"] and manager["agents"] and manager["change-freezes"]
    assert not manager["sla-policies"] and not manager["calendars"] and not manager["groups"]
    assert not any(editable("agent")[c] for c in ("sla-policies", "calendars", "groups"))
    assert client.http.get("/admin/kinds", headers=auth()).status_code == 403
