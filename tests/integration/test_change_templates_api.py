"""Standard change templates over HTTP (moto + chalice.test.Client): the admin documents, a change
made from one, the template flagged by a failed change, and its retirement."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import auth
from tests.integration.test_changes_api import NOW, TEMPLATE, _call, _move, _open, _plan
from tests.unit.fakes import FakeClock


def manager() -> dict[str, str]:
    return auth("mia", "manager")


WINDOW = {"start": NOW.isoformat(), "end": (NOW + timedelta(hours=1)).isoformat()}


def _template(client: Any) -> dict[str, Any]:
    r = _call(client, "post", "/admin/change-templates", TEMPLATE, manager())
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def test_templates_are_versioned_documents_refused_with_the_field_named(client: Any) -> None:
    r = _call(
        client, "post", "/admin/change-templates", {**TEMPLATE, "services": ["nowhere"], "max_risk": 0}, manager()
    )
    assert r.status_code == 400
    assert {e["field"] for e in r.json_body["errors"]} == {"services[0]", "max_risk"}
    r = _call(client, "post", "/admin/change-templates", TEMPLATE, auth("ann", "agent"))
    assert r.status_code == 403
    created = _template(client)
    assert created["version"] == 1 and created["flagged_for_review"] is False
    listed = client.http.get("/admin/change-templates", headers=auth("ann", "agent")).json_body["items"]
    assert [d["name"] for d in listed] == ["erp-app-server-restart", "restart-erp", "vpn-client-profile-update"]


def test_a_change_from_a_template_is_pre_approved_and_a_failure_flags_the_template(
    client: Any, clock: FakeClock
) -> None:
    _template(client)
    t = _open(client)
    r = _plan(client, t, template="restart-erp", window=WINDOW, risk={"likelihood": 3, "impact": 3})
    assert r.status_code == 400 and r.json_body["field"] == "risk"
    r = _plan(client, t, template="nowhere", window=WINDOW)
    assert r.status_code == 400 and r.json_body["field"] == "template"
    t = _plan(client, t, template="restart-erp", window=WINDOW, risk={"likelihood": 1, "impact": 2}).json_body
    assert t["change"]["model"] == "standard" and t["change"]["template"] == "restart-erp"
    assert t["change"]["backout_plan"] == TEMPLATE["backout_plan"]
    t = _move(client, t, "schedule").json_body
    t = _move(client, t, "implement").json_body
    assert t["change"]["actual_start"] == NOW.isoformat()
    clock.advance(minutes=30)
    t = _move(client, t, "review", outcome="backed_out").json_body
    assert t["status"] == "review" and t["change"]["actual_end"] == (NOW + timedelta(minutes=30)).isoformat()
    doc = client.http.get("/admin/change-templates/restart-erp", headers=manager()).json_body
    assert doc["version"] == 2 and doc["flagged_for_review"] is True
    assert doc["review_flags"][0]["change"] == t["number"]
    retired = _call(client, "put", "/admin/change-templates/restart-erp", {**doc, "active": False}, manager())
    assert retired.status_code == 200 and retired.json_body["version"] == 3
    other = _open(client)
    r = _plan(client, other, template="restart-erp", window=WINDOW)
    assert r.status_code == 400 and r.json_body["errors"] == [{"field": "template", "reason": "restart-erp is retired"}]


def test_an_incident_during_early_life_support_is_linked_and_tagged(client: Any, clock: FakeClock) -> None:
    from tests.integration.test_changes_api import agent

    t = _open(client)
    t = _plan(client, t, model="emergency", implementer_group="database", services=["erp"], els_hours=48).json_body
    t = _move(client, t, "implement", agent("sam")).json_body
    t = _move(client, t, "review", outcome="successful_with_issues").json_body
    clock.advance(hours=47)
    body = {"type": "incident", "title": "ERP invoices fail", "description": "since the upgrade", "service": "erp"}
    r = _call(client, "post", "/tickets", body, auth())
    assert r.status_code == 201, r.body
    incident = r.json_body
    assert incident["links"] == [{"kind": "caused_by", "target": t["number"]}]
    assert "early-life-support" in incident["tags"]
    change = client.http.get(f"/tickets/{t['number']}", headers=agent()).json_body
    assert change["links"] == [{"kind": "caused", "target": incident["number"]}]
    assert change["change"]["review"]["caused_incidents"] == [incident["number"]]
    r = client.http.delete(f"/tickets/{incident['number']}/links/caused_by/{t['number']}", headers=agent())
    assert r.status_code == 200 and r.json_body["links"] == []
    clock.advance(hours=2)
    r = _call(client, "post", "/tickets", {**body, "title": "ERP slow"}, auth())
    assert r.json_body["links"] == [] and "early-life-support" not in r.json_body["tags"]


def test_the_sweep_fires_each_change_timer_once(client: Any, clock: FakeClock) -> None:
    from chalicelib import wiring
    from tests.integration.test_changes_api import _decide, agent

    window = {"start": NOW.isoformat(), "end": (NOW + timedelta(hours=2)).isoformat()}
    t = _open(client)
    t = _plan(client, t, model="emergency", implementer_group="database", window=window, els_hours=4).json_body
    t = _move(client, t, "implement", agent("sam")).json_body

    def fired() -> list[str]:
        events = client.http.get(f"/tickets/{t['number']}/events", headers=agent()).json_body["events"]
        return [e["after"]["timer"] for e in events if e["kind"] == "change_timer"]

    clock.advance(hours=2, minutes=1)
    for _ in range(2):
        wiring.desk().sla_sweep.run()
    assert fired() == ["window_overrun"]
    t = client.http.get(f"/tickets/{t['number']}", headers=agent()).json_body
    t = _move(client, t, "review", outcome="successful").json_body
    clock.advance(hours=22)
    wiring.desk().sla_sweep.run()
    wiring.desk().sla_sweep.run()
    assert fired() == ["window_overrun", "emergency_authorization_due", "els_end"]
    t = client.http.get(f"/tickets/{t['number']}", headers=agent()).json_body
    assert _decide(client, t, "dora").status_code == 200
    clock.advance(days=5)
    wiring.desk().sla_sweep.run()
    wiring.desk().sla_sweep.run()
    assert fired() == ["window_overrun", "emergency_authorization_due", "els_end", "review_due"]
