"""``GET /tickets?q=`` on moto: the term index written with the ticket, read by Queries, never a Scan."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.storage.aws import count_dynamodb_requests
from tests.conftest import auth


def _open(client: Any, title: str, description: str = "since this morning", who: str = "alice") -> dict[str, Any]:
    body = {"type": "incident", "title": title, "description": description}
    r = client.http.post("/tickets", headers=auth(who), body=json.dumps(body))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def _search(client: Any, q: str, who: str = "ann", role: str = "agent", **params: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"q": q, **params}.items())
    return client.http.get(f"/tickets?{query}", headers=auth(who, role))


def test_search_finds_tickets_by_the_words_they_begin_in_english_and_german(client: Any) -> None:
    vpn = _open(client, "VPN drops every hour", "the VPN-Client reconnects")
    drucker = _open(client, "Drucker im Büro", "Das Gerät zeigt Papierstau", who="bob")
    _open(client, "Mailbox full")
    assert [t["number"] for t in _search(client, "vpn").json_body["tickets"]] == [vpn["number"]]
    assert [t["number"] for t in _search(client, "client").json_body["tickets"]] == [vpn["number"]]
    assert [t["number"] for t in _search(client, "druck%20papier").json_body["tickets"]] == [drucker["number"]]
    assert [t["number"] for t in _search(client, "buro").json_body["tickets"]] == [drucker["number"]]
    assert [t["number"] for t in _search(client, vpn["number"]).json_body["tickets"]] == [vpn["number"]]
    assert _search(client, "vpn%20papier").json_body == {"tickets": [], "cursor": None}
    # A requester finds only their own.
    assert _search(client, "druck", "alice", "requester").json_body["tickets"] == []


def test_a_search_reads_one_query_per_word_and_one_batch_of_tickets(client: Any) -> None:
    for n in range(3):
        _open(client, f"VPN outage {n}", "the tunnel drops")
    _open(client, "Printer jammed", "tray 2")
    with count_dynamodb_requests() as counter:
        found = _search(client, "vpn%20tunnel", limit="2")
    assert found.status_code == 200 and len(found.json_body["tickets"]) == 2
    assert counter.calls == ["Query", "Query", "BatchGetItem"]
    assert "Scan" not in counter.calls
    rest = _search(client, "vpn%20tunnel", limit="2", cursor=found.json_body["cursor"]).json_body
    assert len(rest["tickets"]) == 1 and rest["cursor"] is None


def test_an_edited_title_is_found_by_its_new_words_only(client: Any) -> None:
    t = _open(client, "Laptop slow")
    body = {"version": t["version"], "title": "Laptop overheating"}
    edited = client.http.patch(f"/tickets/{t['number']}", headers=auth("ann", "agent"), body=json.dumps(body))
    assert edited.status_code == 200, edited.body
    assert [x["number"] for x in _search(client, "overheat").json_body["tickets"]] == [t["number"]]
    assert _search(client, "slow").json_body["tickets"] == []


def test_bad_searches_are_refused_naming_q_or_cursor(client: Any) -> None:
    short = _search(client, "vp")
    assert short.status_code == 400 and short.json_body["errors"][0]["field"] == "q"
    empty = _search(client, "the")
    assert empty.status_code == 400 and empty.json_body["errors"][0]["field"] == "q"
    cursor = _search(client, "vpn", cursor="garbage")
    assert cursor.status_code == 400 and cursor.json_body["errors"][0]["field"] == "cursor"
    long = _search(client, "x" * 201)
    assert long.status_code == 400 and long.json_body["errors"][0]["field"] == "q"


def test_the_queues_of_an_agent_and_their_tickets(client: Any) -> None:
    mine = _open(client, "Laptop will not boot")
    other = _open(client, "Printer jammed")
    for t, assignee in ((mine, "elena"), (other, None)):
        body = {"version": t["version"], "group": "end-user-computing", "assignee": assignee}
        path = f"/tickets/{t['number']}/assignment"
        r = client.http.post(path, headers=auth("mia", "manager"), body=json.dumps(body))
        assert r.status_code == 200, r.body
    listed = client.http.get("/queues", headers=auth("elena", "agent")).json_body["queues"]
    assert {"name": "unassigned", "label": "Unassigned in end-user-computing", "group": "end-user-computing"} in listed
    elena = auth("elena", "agent")
    with count_dynamodb_requests() as counter:
        assigned = client.http.get("/queues/mine", headers=elena).json_body["tickets"]
    assert [t["number"] for t in assigned] == [mine["number"]] and counter.calls == ["Query"]
    unassigned = client.http.get("/queues/unassigned?group=end-user-computing", headers=elena).json_body
    assert [t["number"] for t in unassigned["tickets"]] == [other["number"]]
    with count_dynamodb_requests() as counter:
        soon = client.http.get("/queues/breaching", headers=elena)
    assert soon.status_code == 200 and set(counter.calls) == {"Query"} and len(counter.calls) == 8  # one a shard
    assert client.http.get("/queues/group?group=network", headers=elena).status_code == 403
    assert client.http.get("/queues/mine", headers=auth()).status_code == 403
    refused = client.http.get("/queues/unassigned", headers=elena)
    assert refused.status_code == 400 and refused.json_body["errors"][0]["field"] == "group"
    unknown = client.http.get("/queues/mine?colour=red", headers=elena)
    assert unknown.status_code == 400 and unknown.json_body["errors"][0]["field"] == "colour"


def test_listing_and_search_narrow_by_priority_and_service(client: Any) -> None:
    body = {"type": "incident", "title": "VPN down for everyone", "description": "x", "service": "vpn",
            "impact": "high", "urgency": "high"}
    r = client.http.post("/tickets", headers=auth("alice"), body=json.dumps(body))
    assert r.status_code == 201, r.body
    urgent = r.json_body
    calm = _open(client, "VPN slow in the evening")
    staff = auth("ann", "agent")
    listed = client.http.get(f"/tickets?priority={urgent['priority']}", headers=staff).json_body["tickets"]
    assert [t["number"] for t in listed] == [urgent["number"]]
    printer = _open(client, "Printer jammed on the second floor")
    assert printer["service"] != "vpn"
    on_vpn = client.http.get("/tickets?service=vpn&type=incident", headers=staff).json_body["tickets"]
    assert [t["number"] for t in on_vpn] == [t["number"] for t in (calm, urgent) if t["service"] == "vpn"]
    assert urgent["number"] in [t["number"] for t in on_vpn]
    found = _search(client, "vpn", priority=calm["priority"]).json_body["tickets"]
    assert [t["number"] for t in found] == [calm["number"]]
    bad = client.http.get("/tickets?priority=P9", headers=staff)
    assert bad.status_code == 400 and bad.json_body["errors"][0]["field"] == "priority"
