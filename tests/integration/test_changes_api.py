"""Change routes and links through chalice.test.Client on moto: plan, gates, approvals, the queue, links."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tests.conftest import auth
from tests.unit.fakes import FakeClock

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def agent(user: str = "ann") -> dict[str, str]:
    return auth(user, "agent")


@pytest.fixture
def clock_start() -> datetime:
    return NOW


def _open(client: Any, type: str = "change_request") -> dict[str, Any]:
    body = {"type": type, "title": "Upgrade the ERP database", "description": "PostgreSQL 14 to 16"}
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(body))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def _call(client: Any, method: str, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return getattr(client.http, method)(path, headers=headers or agent(), body=json.dumps(body))


def _plan(client: Any, t: dict[str, Any], headers: dict[str, str] | None = None, **fields: Any) -> Any:
    return _call(client, "put", f"/tickets/{t['number']}/change", {"version": t["version"], **fields}, headers)


def _move(client: Any, t: dict[str, Any], to: str, headers: dict[str, str] | None = None, **extra: Any) -> Any:
    body = {"to": to, "version": t["version"], **extra}
    return _call(client, "post", f"/tickets/{t['number']}/transitions", body, headers)


def _decide(client: Any, t: dict[str, Any], user: str, decision: str = "approve", **extra: Any) -> Any:
    body = {"decision": decision, "version": t["version"], **extra}
    return _call(client, "post", f"/tickets/{t['number']}/approvals", body, agent(user))


PLAN: dict[str, Any] = {
    "model": "normal",
    "services": ["erp"],
    "window": {"start": NOW.isoformat(), "end": (NOW + timedelta(hours=3)).isoformat()},
    "implementation_plan": "pg_upgrade --link",
    "backout_plan": "restore the snapshot",
    "test_plan": "smoke tests",
    "communication": "mail to ERP users",
    "outage_minutes": 45,
    "risk": {"likelihood": 3, "impact": 4},
    "implementer_group": "database",
    "els_hours": 24,
}


TEMPLATE: dict[str, Any] = {
    "name": "restart-erp",
    "services": ["erp"],
    "implementation_plan": "restart the ERP application servers one by one",
    "backout_plan": "start the stopped server",
    "max_risk": 6,
}


def _in_authorization(client: Any) -> dict[str, Any]:
    t = _open(client)
    t = _plan(client, t, **PLAN).json_body
    t = _move(client, t, "assess").json_body
    r = _move(client, t, "submit", agent("ben"))
    assert r.status_code == 200, r.body
    return dict(r.json_body)


def test_the_plan_comes_back_whole_with_the_risk_rated(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    assert t["change"] is None and t["links"] == []
    r = _plan(client, t, **PLAN)
    assert r.status_code == 200, r.body
    change = r.json_body["change"]
    assert change["risk"] == {"likelihood": 3, "impact": 4, "level": 12, "band": "medium"}
    assert change["window"] == {"start": "2026-11-23T15:00:00+00:00", "end": "2026-11-23T18:00:00+00:00"}
    assert change["services"] == ["erp"] and change["approvals"] == [] and change["conflicts"] == []
    assert change["outcome"] is None and change["els_hours"] == 24
    stored = client.http.get(f"/tickets/{t['number']}", headers=agent()).json_body
    assert stored["change"] == change
    events = client.http.get(f"/tickets/{t['number']}/events", headers=agent()).json_body
    planned = [e for e in events["events"] if e["kind"] == "change_planned"]
    assert planned[0]["before"]["model"] is None and planned[0]["after"]["model"] == "normal"


def test_plan_errors(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    r = _plan(client, t, auth(), model="normal")
    assert r.status_code == 403
    r = _plan(client, t, services=["erp", "nope"], window={"start": "2026-11-24T10:00:00Z", "end": "yesterday"})
    assert r.status_code == 400
    fields = {e["field"] for e in r.json_body["errors"]}
    assert fields == {"services[1]", "window.end"}
    r = _plan(client, t, risk={"likelihood": 9, "impact": 1}, implementer_group="nobody")
    assert {e["field"] for e in r.json_body["errors"]} == {"risk.likelihood", "implementer_group"}
    r = _call(client, "put", f"/tickets/{t['number']}/change", {"version": 5, "model": "normal"})
    assert r.status_code == 409
    r = _call(client, "put", f"/tickets/{t['number']}/change", ["model"])
    assert r.status_code == 400 and r.json_body["field"] == "body"
    r = client.http.put(f"/tickets/{t['number']}/change", headers=agent(), body="{")
    assert r.status_code == 400
    incident = _open(client, "incident")
    r = _plan(client, incident, model="normal")
    assert r.status_code == 400 and r.json_body["field"] == "number"
    r = _call(client, "put", "/tickets/CHG-000404/change", {"version": 1, "model": "normal"})
    assert r.status_code == 404


def test_a_normal_change_from_triage_to_closed(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    r = _move(client, t, "assessment")
    assert r.status_code == 409 and r.json_body["missing"] == ["change.model is required"]
    t = _plan(client, t, model="normal").json_body
    t = _move(client, t, "assess").json_body
    r = _move(client, t, "submit")
    assert r.status_code == 409
    assert r.json_body["missing"] == [
        "change.implementation_plan is required",
        "change.backout_plan is required",
        "change.window is required",
        "change.risk is required",
        "change.implementer_group is required",
    ]
    plan = {k: v for k, v in PLAN.items() if k != "model"}
    plan["window"] = {"start": (NOW + timedelta(hours=1)).isoformat(), "end": (NOW + timedelta(hours=3)).isoformat()}
    t = _plan(client, t, **plan).json_body
    t = _move(client, t, "submit", agent("ben")).json_body
    assert t["status"] == "authorization"
    r = _move(client, t, "scheduled")
    assert r.status_code == 409 and r.json_body["missing"] == ["an approval by the implementer group is required"]
    t = _decide(client, t, "dora", comment="looks right").json_body
    assert t["status"] == "scheduled" and t["change"]["approvals"][0]["by"] == "dora"
    r = _move(client, t, "implementing")
    assert r.status_code == 409 and r.json_body["missing"] == ["the change window starts at 2026-11-23T16:00:00+00:00"]
    clock.advance(hours=1)
    t = _move(client, t, "implementing").json_body
    r = _move(client, t, "review")
    assert r.status_code == 409 and r.json_body["missing"] == ["change.outcome is required"]
    r = _move(client, t, "review", outcome="sideways")
    assert r.status_code == 400 and r.json_body["field"] == "outcome"
    t = _move(client, t, "review", outcome="successful").json_body
    assert t["status"] == "review" and t["change"]["outcome"] == "successful" and t["resolved_at"]
    t = _move(client, t, "close").json_body
    assert t["status"] == "closed"


def test_a_standard_change_closes_without_review_unless_it_caused_an_incident(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    window = {"start": NOW.isoformat(), "end": (NOW + timedelta(hours=1)).isoformat()}
    r = _call(client, "post", "/admin/change-templates", TEMPLATE, auth("mia", "manager"))
    assert r.status_code == 201, r.body
    t = _plan(client, t, template="restart-erp", window=window, risk={"likelihood": 1, "impact": 2}).json_body
    for to in ("schedule", "implement"):
        t = _move(client, t, to).json_body
    incident = _open(client, "incident")
    r = _call(client, "post", f"/tickets/{incident['number']}/links", {"kind": "caused_by", "target": t["number"]})
    assert r.status_code == 200, r.body
    t = client.http.get(f"/tickets/{t['number']}", headers=agent()).json_body
    r = _move(client, t, "close", outcome="successful")
    assert r.status_code == 409 and r.json_body["missing"] == ["a change that caused an incident goes to review"]
    assert _move(client, t, "review", outcome="successful").json_body["status"] == "review"


def test_an_emergency_change_is_authorized_afterwards(client: Any, clock: FakeClock) -> None:
    t = _open(client)
    t = _plan(client, t, model="emergency", implementer_group="database").json_body
    t = _move(client, t, "implement", agent("sam")).json_body
    t = _move(client, t, "review", outcome="successful").json_body
    r = _move(client, t, "close")
    assert r.status_code == 409 and len(r.json_body["missing"]) == 4
    r = _decide(client, t, "sam")
    assert r.status_code == 403 and "submitted" in r.json_body["message"]
    t = _decide(client, t, "dora").json_body
    assert t["status"] == "review"
    t = _plan(
        client, t, implementation_plan="hotfix", backout_plan="revert", risk={"likelihood": 4, "impact": 5}
    ).json_body
    assert t["change"]["risk"]["band"] == "high" and t["change"]["approved"] is True
    assert _move(client, t, "close").json_body["status"] == "closed"


def test_approval_errors_and_rejection(client: Any, clock: FakeClock) -> None:
    t = _in_authorization(client)
    r = _decide(client, t, "nadia")
    assert r.status_code == 403 and "implementer group database" in r.json_body["message"]
    r = _decide(client, t, "ben")
    assert r.status_code == 403 and "submitted" in r.json_body["message"]
    r = _call(
        client, "post", f"/tickets/{t['number']}/approvals", {"decision": "approve", "version": t["version"]}, auth()
    )
    assert r.status_code == 403
    r = _decide(client, t, "dora", "maybe")
    assert r.status_code == 400 and r.json_body["field"] == "decision"
    r = _decide(client, t, "dora", "reject")
    assert r.status_code == 400 and r.json_body["field"] == "comment"
    r = _call(
        client, "post", f"/tickets/{t['number']}/approvals", {"decision": "approve", "version": 99}, agent("dora")
    )
    assert r.status_code == 409
    t = _decide(client, t, "dora", "reject", comment="no tested back-out").json_body
    assert t["status"] == "rejected"
    r = _decide(client, t, "dora")
    assert r.status_code == 409
    t = _move(client, t, "rework", auth()).json_body
    assert t["status"] == "new"


def test_a_material_edit_voids_the_approval(client: Any, clock: FakeClock) -> None:
    t = _decide(client, _in_authorization(client), "dora").json_body
    assert t["status"] == "scheduled"
    t = _plan(client, t, window={"start": NOW.isoformat(), "end": (NOW + timedelta(hours=5)).isoformat()}).json_body
    assert t["status"] == "authorization" and t["change"]["approvals"] == []
    events = client.http.get(f"/tickets/{t['number']}/events", headers=agent()).json_body
    assert "change_approvals_voided" in [e["kind"] for e in events["events"]]


def test_the_approval_queue(client: Any, clock: FakeClock) -> None:
    waiting = _in_authorization(client)
    later = {"start": (NOW + timedelta(days=1)).isoformat(), "end": (NOW + timedelta(days=1, hours=1)).isoformat()}
    _plan(client, _open(client), **{**PLAN, "window": later})  # not in conflict: approval alone schedules
    r = client.http.get("/approvals", headers=agent("dora"))
    assert r.status_code == 200 and [x["number"] for x in r.json_body["tickets"]] == [waiting["number"]]
    assert (
        client.http.get("/approvals", headers=auth("mia", "manager")).json_body["tickets"][0]["number"]
        == (waiting["number"])
    )
    assert client.http.get("/approvals", headers=agent("nadia")).json_body["tickets"] == []
    assert client.http.get("/approvals", headers=auth()).status_code == 403
    assert client.http.get("/approvals?limit=0", headers=agent("dora")).status_code == 400
    _decide(client, waiting, "dora")
    assert client.http.get("/approvals", headers=agent("dora")).json_body["tickets"] == []


def test_links_both_ways_and_their_errors(client: Any, clock: FakeClock) -> None:
    incident = _open(client, "incident")
    change = _open(client)
    path = f"/tickets/{incident['number']}/links"
    r = _call(client, "post", path, {"kind": "caused_by", "target": change["number"], "version": incident["version"]})
    assert r.status_code == 200, r.body
    assert r.json_body["links"] == [{"kind": "caused_by", "target": change["number"]}]
    other = client.http.get(f"/tickets/{change['number']}", headers=agent()).json_body
    assert other["links"] == [{"kind": "caused", "target": incident["number"]}] and other["version"] == 2
    assert _call(client, "post", path, {"kind": "caused_by", "target": "CHG-000404"}).json_body["field"] == "target"
    assert _call(client, "post", path, {"kind": "blocks", "target": change["number"]}).status_code == 400
    r = _call(client, "post", path, {"kind": "fixed_by", "target": change["number"]})
    assert r.status_code == 400 and r.json_body["field"] == "kind"
    r = _call(client, "post", path, {"kind": "related", "target": change["number"], "version": 1})
    assert r.status_code == 409
    assert _call(client, "post", path, {"kind": "related", "target": change["number"]}, auth()).status_code == 403
    r = client.http.delete(f"/tickets/{change['number']}/links/caused/{incident['number']}", headers=agent())
    assert r.status_code == 200 and r.json_body["links"] == []
    assert client.http.get(f"/tickets/{incident['number']}", headers=agent()).json_body["links"] == []
    r = client.http.delete(f"/tickets/{change['number']}/links/caused/{incident['number']}", headers=agent())
    assert r.status_code == 404
    r = client.http.delete(f"/tickets/{change['number']}/links/nonsense/{incident['number']}", headers=agent())
    assert r.status_code == 400 and r.json_body["field"] == "kind"


def _outbox(kind: str, ticket: str) -> list[Any]:
    from chalicelib.storage.models import OutboxModel

    return sorted(
        (i for i in OutboxModel.scan() if i.kind == kind and i.ticket == ticket and i.channel == "outbox"),
        key=lambda i: i.notice_id,
    )


def test_the_implementer_group_hears_that_a_change_awaits_its_decision(client: Any, clock: FakeClock) -> None:
    t = _in_authorization(client)
    events = client.http.get(f"/tickets/{t['number']}/events", headers=agent()).json_body["events"]
    seq = [e["seq"] for e in events if e["kind"] == "status_changed" and e["after"]["status"] == "authorization"][-1]
    notices = _outbox("approval_request", t["number"])
    # database: dora (its lead) and dieter; ben submitted it and is told nothing
    assert [n.notice_id for n in notices] == [
        f"{t['number']}:{seq}:approval_request:dieter#outbox",
        f"{t['number']}:{seq}:approval_request:dora#outbox",
    ]
    assert [n.notice["recipient"] for n in notices] == ["dieter@example.com", "dora@example.com"]
    assert "awaits the decision of database" in notices[0].notice["text"]
    # a material edit sends the scheduled change back: the group hears of it again, once per move
    t = _decide(client, t, "dora").json_body
    _plan(client, t, window={"start": NOW.isoformat(), "end": (NOW + timedelta(hours=5)).isoformat()})
    assert len(_outbox("approval_request", t["number"])) == 4


def test_an_emergency_change_in_the_year_end_freeze_goes_ahead_only_with_a_justification(
    client: Any, clock: FakeClock
) -> None:
    t = _open(client)
    window = {"start": "2026-12-28T15:00:00Z", "end": "2026-12-28T17:00:00Z"}
    t = _plan(client, t, model="emergency", services=["erp"], window=window, implementer_group="erp").json_body
    assert t["change"]["freezes"] == ["erp-year-end: year-end close"]
    r = _move(client, t, "implement")
    assert r.status_code == 409 and "needs a justification (reason)" in r.json_body["missing"][0]
    r = _move(client, t, "implement", reason="   ")
    assert r.status_code == 400 and "reason" in json.dumps(r.json_body)
    r = _move(client, t, "implement", reason="payroll run fails without the tax table fix")
    assert r.status_code == 200 and r.json_body["status"] == "implementing"
    events = client.http.get(f"/tickets/{t['number']}/events", headers=agent()).json_body["events"]
    moved = [e for e in events if e["kind"] == "status_changed"][-1]
    assert moved["after"]["status"] == "implementing"
    assert moved["note"] == "payroll run fails without the tax table fix"


def test_triage_sends_a_change_request_elsewhere(aws: Any, client: Any) -> None:
    t = _open(client)
    path = f"/tickets/{t['number']}/change/redirect"
    refused = _call(client, "post", path, {"to": "project", "reason": "a year of work", "version": t["version"]})
    assert refused.status_code == 400 and refused.json_body["errors"][0]["field"] == "reference"
    unknown = _call(client, "post", path, {"to": "nowhere", "reason": "x", "version": t["version"]})
    assert unknown.status_code == 400 and unknown.json_body["errors"][0]["field"] == "to"
    by_requester = _call(client, "post", path, {"to": "request_fulfilment", "reason": "x", "version": 1}, auth())
    assert by_requester.status_code == 403

    sent = _call(client, "post", path, {"to": "request_fulfilment", "reason": "routine work", "version": t["version"]})
    assert sent.status_code == 200, sent.body
    view = sent.json_body
    assert view["status"] == "closed" and view["change"]["sent_to"]["process"] == "request_fulfilment"
    request = view["change"]["sent_to"]["reference"]
    assert view["links"] == [{"kind": "superseded_by", "target": request}]
    became = client.http.get(f"/tickets/{request}", headers=auth()).json_body  # the requester sees it as theirs
    assert became["type"] == "service_request" and became["links"] == [{"kind": "supersedes", "target": t["number"]}]

    again = _call(client, "post", path, {"to": "request_fulfilment", "reason": "routine work", "version": t["version"]})
    assert again.status_code == 200 and again.json_body["version"] == view["version"]
    listed = client.http.get("/tickets?type=service_request", headers=agent()).json_body
    assert [x["number"] for x in listed["tickets"]] == [request]

    other = _open(client)
    project = _call(
        client,
        "post",
        f"/tickets/{other['number']}/change/redirect",
        {"to": "project", "reason": "a year of work", "reference": "PMO-42", "version": other["version"]},
    )
    assert project.status_code == 200 and project.json_body["change"]["sent_to"] == {
        "process": "project",
        "reference": "PMO-42",
    }
