"""Classification, routing, triage and corrections through the API (moto, seeded catalog)."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import auth
from tests.unit.fakes import FakeClock

# Monday 23 November 2026, 09:00 in Chicago: the office shifts are on.


def agent() -> dict[str, str]:
    return auth("ann", "agent")


def manager() -> dict[str, str]:
    return auth("max", "manager")




def _open(client: Any, title: str, description: str, headers: dict[str, str] | None = None, **body: Any) -> Any:
    payload = {"type": "incident", "title": title, "description": description, **body}
    r = client.http.post("/tickets", headers=headers or auth(), body=json.dumps(payload))
    assert r.status_code == 201, r.body
    # Intake's working (explanations, routing scores, triage reasons) is for staff to read.
    return client.http.get(f"/tickets/{r.json_body['number']}", headers=agent()).json_body


def _events(client: Any, number: str) -> list[dict[str, Any]]:
    return list(client.http.get(f"/tickets/{number}/events", headers=agent()).json_body["events"])


def test_english_ticket_is_classified_routed_and_assigned(client: Any, clock: FakeClock) -> None:
    t = _open(client, "VPN keeps disconnecting", "AnyConnect drops the tunnel every few minutes")
    assert t["service"] == "vpn" and t["group"] == "network"
    assert t["assignee"] in ("nadia", "noah", "nils") and t["status"] == "assigned"
    c = t["classification"]
    assert c["service"]["source"] == "catalog" or "vpn" in c["service"]["explanation"]
    assert "vpn" in c["service"]["explanation"].lower() or "anyconnect" in c["service"]["explanation"].lower()
    assert t["triage"] is False and t["out_of_catalog"] is False
    assert "on shift" in t["routing"]["reason"]
    kinds = [e["kind"] for e in _events(client, t["number"])]
    assert kinds[:4] == ["opened", "classified", "assigned", "status_changed"]


def test_german_ticket_is_understood(client: Any, clock: FakeClock) -> None:
    t = _open(client, "Druckerproblem im 3. Stock", "Der Drucker druckt seit heute früh nicht mehr")
    assert t["service"] == "printing" and t["group"] == "end-user-computing"
    t = _open(client, "Passwort vergessen", "Ich kann mich nicht anmelden, bitte Kennwort zurücksetzen")
    assert t["service"] == "accounts"


def test_workload_spreads_tickets_across_the_skilled_agents(client: Any, clock: FakeClock) -> None:
    from chalicelib.domain.catalog.defaults import default_agents
    from chalicelib.storage.repository import read_workloads

    skilled = sorted(a["name"] for a in default_agents() if "network" in a["groups"] and "vpn" in a["skills"])
    assert len(skilled) >= 2
    assignees = [_open(client, "VPN down", "The VPN tunnel will not come up")["assignee"] for _ in range(len(skilled))]
    assert sorted(assignees) == skilled  # each skilled agent once: lowest workload first
    loads = read_workloads(skilled)
    assert {name: (w.open_count, w.weighted) for name, w in loads.items()} == {name: (1, 2.0) for name in skilled}


def test_out_of_catalog_is_recorded_and_sent_to_triage(client: Any, clock: FakeClock) -> None:
    t = _open(client, "Need the holodeck booked", "For Friday", service="holodeck")
    assert t["out_of_catalog"] is True and t["triage"] is True
    assert t["assignee"] is None
    assert any("catalog" in reason for reason in t["triage_reasons"])
    queue = client.http.get("/triage", headers=manager()).json_body["tickets"]
    assert [q["number"] for q in queue] == [t["number"]]
    assert client.http.get("/triage", headers=auth()).status_code == 403


def test_a_cancelled_ticket_leaves_the_triage_queue(client: Any, clock: FakeClock) -> None:
    t = _open(client, "It does not work", "Please help")
    assert [q["number"] for q in client.http.get("/triage", headers=manager()).json_body["tickets"]] == [t["number"]]
    r = client.http.post(f"/tickets/{t['number']}/transitions", headers=auth(),
                         body=json.dumps({"to": "cancelled", "version": t["version"], "reason": "works again"}))
    assert r.status_code == 200, r.body
    assert r.json_body["triage"] is False
    assert client.http.get("/triage", headers=manager()).json_body["tickets"] == []


def test_vague_ticket_goes_to_triage_without_assignee(client: Any, clock: FakeClock) -> None:
    t = _open(client, "It does not work", "Please help")
    assert t["triage"] is True and t["assignee"] is None and t["group"] == "service-desk"
    assert t["impact_defaulted"] is True


def test_correction_is_recorded_clears_triage_and_becomes_an_example(client: Any, clock: FakeClock) -> None:
    from chalicelib.config import get_settings
    from chalicelib.storage.learning_store import DynamoExampleStore

    t = _open(client, "It does not work", "Please help")
    body = {
        "version": t["version"],
        "reason": "it is the VPN",
        "service": "vpn",
        "group": "network",
        "assignee": "noah",
    }
    r = client.http.post(f"/tickets/{t['number']}/classification", headers=manager(), body=json.dumps(body))
    assert r.status_code == 200, r.body
    fixed = r.json_body
    assert (fixed["service"], fixed["group"], fixed["assignee"]) == ("vpn", "network", "noah")
    assert fixed["triage"] is False
    assert fixed["classification"]["service"]["source"] == "correction"
    assert client.http.get("/triage", headers=manager()).json_body["tickets"] == []
    classified = [e for e in _events(client, t["number"]) if e["kind"] == "classified"][-1]
    assert classified["note"] == "it is the VPN" and classified["actor"] == "max"
    assert classified["before"]["service"] is None and classified["after"]["service"] == "vpn"
    examples = list(DynamoExampleStore(get_settings()).all())
    assert [(e["ticket"], e["source"], e["labels"]["service"]) for e in examples] == [
        (t["number"], "correction", "vpn")
    ]


def test_correction_needs_a_reason_and_staff(client: Any, clock: FakeClock) -> None:
    t = _open(client, "VPN down", "The tunnel is down")
    path = f"/tickets/{t['number']}/classification"
    r = client.http.post(path, headers=manager(), body=json.dumps({"version": t["version"], "service": "vpn"}))
    assert r.status_code == 400 and r.json_body["field"] == "reason"
    r = client.http.post(
        path, headers=auth(), body=json.dumps({"version": t["version"], "reason": "x", "type": "problem"})
    )
    assert r.status_code == 403


def test_type_correction_chooses_the_sla_policy_again(client: Any, clock: FakeClock) -> None:
    t = _open(client, "New laptop please", "For our new starter", type="incident")
    assert t["sla"]["policy"] == "incident-default"
    body = {"version": t["version"], "reason": "a request, not an incident", "type": "service_request"}
    r = client.http.post(f"/tickets/{t['number']}/classification", headers=manager(), body=json.dumps(body))
    assert r.json_body["type"] == "service_request" and r.json_body["number"] == t["number"]
    assert r.json_body["sla"]["policy"] == "service-request-default"


def test_requester_can_contest_and_it_goes_back_to_triage(client: Any, clock: FakeClock) -> None:
    t = _open(client, "VPN down", "The tunnel is down")
    assert t["triage"] is False
    r = client.http.post(
        f"/tickets/{t['number']}/classification/contest",
        headers=auth(),
        body=json.dumps({"reason": "this is about the whole office, not only me"}),
    )
    assert r.status_code == 200, r.body
    assert r.json_body["triage"] is True
    assert "triage_reasons" not in r.json_body  # the requester sees that it awaits triage, not why
    staff_view = client.http.get(f"/tickets/{t['number']}", headers=agent()).json_body
    assert "contested by alice" in staff_view["triage_reasons"][-1]
    assert [q["number"] for q in client.http.get("/triage", headers=manager()).json_body["tickets"]] == [t["number"]]
    other = client.http.post(
        f"/tickets/{t['number']}/classification/contest", headers=auth("bob"), body=json.dumps({"reason": "x"})
    )
    assert other.status_code == 404


def test_closing_a_ticket_records_a_labelled_example(client: Any, clock: FakeClock) -> None:
    from chalicelib.config import get_settings
    from chalicelib.storage.learning_store import DynamoExampleStore

    t = _open(client, "Printer jam", "Tray 2 jammed", impact="low", urgency="low")
    for status in ("resolved", "closed"):
        t = client.http.post(
            f"/tickets/{t['number']}/transitions",
            headers=agent(),
            body=json.dumps({"to": status, "version": t["version"]}),
        ).json_body
    examples = list(DynamoExampleStore(get_settings()).all())
    assert [(e["source"], e["labels"]["service"], e["labels"]["impact"]) for e in examples] == [
        ("closed", "printing", "low")
    ]


def test_catalog_admin_routes(client: Any) -> None:
    service = {
        "name": "badge-printer",
        "title": "Badge printer",
        "support_group": "facilities",
        "keywords": ["badge", "ausweis"],
        "patterns": ["(?i)badge\\s+print"],
    }
    r = client.http.post("/admin/services", headers=manager(), body=json.dumps(service))
    assert r.status_code == 201, r.body
    bad = {**service, "name": "bad-one", "patterns": ["(unclosed"]}
    r = client.http.post("/admin/services", headers=manager(), body=json.dumps(bad))
    assert r.status_code == 400 and r.json_body["errors"][0]["field"].startswith("patterns")
    names = [s["name"] for s in client.http.get("/admin/services", headers=agent()).json_body["items"]]
    assert "badge-printer" in names and "vpn" in names
    assert client.http.post("/admin/groups", headers=manager(), body=json.dumps({"name": "x"})).status_code == 403
    agents = client.http.get("/admin/agents", headers=agent()).json_body["items"]
    assert any(a["name"] == "nadia" for a in agents)


def test_classification_rule_wins_over_the_catalog(client: Any, clock: FakeClock) -> None:
    rule = {"name": "outage-is-urgent", "keywords": ["outage"], "set": {"urgency": "high"}}
    assert client.http.post("/admin/classification-rules", headers=manager(), body=json.dumps(rule)).status_code == 201
    from chalicelib import wiring

    wiring.desk().config_service.forget_cache()
    t = _open(client, "Email outage", "Outlook cannot reach the server")
    assert t["urgency"] == "high" and t["urgency_defaulted"] is False
    assert t["classification"]["urgency"]["source"] == "rule"


def test_retrained_model_routes_and_its_version_is_recorded(client: Any, clock: FakeClock) -> None:
    from app import app
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.storage.learning_store import DynamoExampleStore

    examples = DynamoExampleStore(get_settings())
    for i in range(30):
        for text, group in (("zorblax frobnicator stalls", "database"), ("quibble ledger mismatch", "erp")):
            examples.add(
                {
                    "ticket": f"INC-9{i:05d}{group[0]}",
                    "text": f"{text} again, case {i}",
                    "labels": {"group": group},
                    "source": "closed",
                    "at": f"2026-11-01T10:{i:02d}:00+00:00",
                }
            )
    report = app.handler_map["retrain_classifier"](
        {
            "version": "0",
            "id": "t",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "1",
            "time": "2026-11-23T15:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": {},
        },
        None,
    )
    assert report["group"]["version"] == 1
    wiring.install(wiring.bootstrap(clock=clock))  # a fresh model cache
    t = _open(client, "zorblax frobnicator stalls", "since this morning")
    group = t["classification"]["group"]
    assert (t["group"], group["source"]) == ("database", "model")
    assert group["model_version"] == report["group"]["model_version"]
    assert "zorblax" in group["explanation"] or "frobnicator" in group["explanation"]
