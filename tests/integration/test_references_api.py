"""References are checked: an assignee, group or service must be an active, existing document;
catalog documents are retired (``active: false``), never deleted, and not offered at intake."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import auth


def agent() -> dict[str, str]:
    return auth("ann", "agent")


def manager() -> dict[str, str]:
    return auth("max", "manager")




def _open(client: Any, title: str = "Printer jam", description: str = "Tray 2 is stuck") -> dict[str, Any]:
    payload = {"type": "incident", "title": title, "description": description}
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(payload))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def _post(client: Any, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.http.post(path, headers=headers or agent(), body=json.dumps(body))


def _retire(client: Any, kind: str, name: str) -> None:
    doc = client.http.get(f"/admin/{kind}/{name}", headers=manager()).json_body
    body = {k: v for k, v in doc.items() if k not in ("created_at", "created_by")}
    r = client.http.put(
        f"/admin/{kind}/{name}", headers=auth("root", "admin"), body=json.dumps({**body, "active": False})
    )
    assert r.status_code == 200, r.body
    assert r.json_body["active"] is False


def _refused(r: Any, field: str, words: str) -> None:
    assert r.status_code == 400, r.body
    assert r.json_body["field"] == field
    assert words in r.json_body["message"]


def test_assignment_to_an_unknown_agent_or_group_is_refused_and_nothing_is_stored(client: Any, clock: Any) -> None:
    t = _open(client)
    number, version = t["number"], t["version"]
    r = _post(client, f"/tickets/{number}/assignment", {"version": version, "assignee": "nobody-such"})
    _refused(r, "assignee", "no agent 'nobody-such'")
    r = _post(client, f"/tickets/{number}/assignment", {"version": version, "group": "no-such-group"})
    _refused(r, "group", "no group 'no-such-group'")
    after = client.http.get(f"/tickets/{number}", headers=agent()).json_body
    assert after["version"] == version and after["assignee"] == t["assignee"]


def test_corrections_and_edits_must_name_existing_groups_services_and_agents(client: Any, clock: Any) -> None:
    t = _open(client)
    number, version = t["number"], t["version"]
    path = f"/tickets/{number}/classification"
    r = _post(client, path, {"version": version, "reason": "wrong", "group": "no-such-group"})
    _refused(r, "group", "no group 'no-such-group'")
    r = _post(client, path, {"version": version, "reason": "wrong", "service": "no-such-service"})
    _refused(r, "service", "no catalog service 'no-such-service'")
    r = _post(client, path, {"version": version, "reason": "wrong", "assignee": "nobody-such", "group": "network"})
    _refused(r, "assignee", "no agent 'nobody-such'")
    r = client.http.patch(
        f"/tickets/{number}", headers=agent(), body=json.dumps({"version": version, "service": "no-such-service"})
    )
    _refused(r, "service", "no catalog service 'no-such-service'")
    ok = _post(client, path, {"version": version, "reason": "network issue", "group": "network", "assignee": "nadia"})
    assert ok.status_code == 200 and ok.json_body["group"] == "network"


def test_a_catalog_service_must_name_an_existing_active_group(client: Any) -> None:
    service = {
        "name": "plotter",
        "title": "Large-format plotter",
        "keywords": ["plotter"],
        "support_group": "no-such-group",
    }
    r = client.http.post("/admin/services", headers=manager(), body=json.dumps(service))
    _refused(r, "support_group", "unknown group 'no-such-group'")
    _retire(client, "groups", "facilities")
    retired_group = {**service, "support_group": "facilities"}
    r = client.http.post("/admin/services", headers=manager(), body=json.dumps(retired_group))
    _refused(r, "support_group", "group 'facilities' is retired")
    agent_doc = {"name": "zed", "display_name": "Zed", "groups": ["no-such-group"]}
    r = client.http.post("/admin/agents", headers=manager(), body=json.dumps(agent_doc))
    _refused(r, "groups[0]", "unknown group 'no-such-group'")


def test_a_retired_agent_keeps_their_tickets_but_takes_no_new_ones(client: Any, clock: Any) -> None:
    t = _open(client)
    r = _post(client, f"/tickets/{t['number']}/assignment", {"version": t["version"], "assignee": "chloe"})
    assert r.status_code == 200
    _retire(client, "agents", "chloe")
    kept = client.http.get(f"/tickets/{t['number']}", headers=agent()).json_body
    assert kept["assignee"] == "chloe"
    other = _open(client)
    r = _post(client, f"/tickets/{other['number']}/assignment", {"version": other["version"], "assignee": "chloe"})
    _refused(r, "assignee", "agent 'chloe' is retired")
    # The document stays readable, with its history.
    assert client.http.get("/admin/agents/chloe?version=1", headers=manager()).json_body["active"] is True


def test_a_retired_service_or_group_is_not_offered_at_intake(client: Any, clock: Any) -> None:
    vpn = ("VPN keeps disconnecting", "AnyConnect drops the tunnel every few minutes")
    before = _open(client, *vpn)
    assert before["service"] == "vpn" and before["group"] == "network"
    _retire(client, "groups", "network")
    grouped = _open(client, *vpn)
    assert grouped["group"] != "network" and grouped["assignee"] not in ("nadia", "noah", "nils")
    _retire(client, "services", "vpn")
    after = _open(client, *vpn)
    assert after["service"] != "vpn" and after["group"] != "network"
    # The old ticket still names them.
    old = client.http.get(f"/tickets/{before['number']}", headers=agent()).json_body
    assert (old["service"], old["group"]) == ("vpn", "network")
    correction = {"version": old["version"], "reason": "x", "service": "vpn"}
    r = _post(client, f"/tickets/{old['number']}/classification", correction)
    _refused(r, "service", "catalog service 'vpn' is retired")
