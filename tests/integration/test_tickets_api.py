"""Every ticket route through chalice.test.Client on moto, errors included."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.conftest import auth, token_for


def agent() -> dict[str, str]:
    return auth("ann", "agent")


def _open(client: Any, headers: dict[str, str] | None = None, **body: Any) -> Any:
    payload: dict[str, Any] = {"type": "incident", "title": "VPN down", "description": "Cannot connect since 9am"}
    payload.update(body)
    return client.http.post("/tickets", headers=headers or auth(), body=json.dumps(payload))


def _post(client: Any, path: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.http.post(path, headers=headers or agent(), body=json.dumps(body))


# -- intake ---------------------------------------------------------------------------------


def test_open_answers_201_with_number_and_defaults(client: Any) -> None:
    r = _open(client)
    assert r.status_code == 201, r.body
    t = r.json_body
    assert t["number"] == "INC-000001"
    assert r.headers["Location"] == "/tickets/INC-000001"
    assert t["requester"] == "alice" and t["status"] == "new" and t["version"] == 1
    assert (t["impact"], t["urgency"], t["priority"]) == ("medium", "medium", "P3")
    assert t["impact_defaulted"] is True and t["urgency_defaulted"] is True


def test_numbers_per_type_and_problem_for_agents_only(client: Any) -> None:
    assert _open(client, type="service_request").json_body["number"] == "REQ-000001"
    assert _open(client, type="change_request").json_body["number"] == "CHG-000001"
    assert _open(client, type="incident", impact="high", urgency="high").json_body["priority"] == "P1"
    refused = _open(client, type="problem")
    assert refused.status_code == 403
    assert _open(client, agent(), type="problem").json_body["number"] == "PRB-000001"


def test_idempotency_key_replays_the_same_ticket(client: Any) -> None:
    headers = {**auth(), "Idempotency-Key": "k-1"}
    first = _open(client, headers)
    second = _open(client, headers)
    assert first.status_code == second.status_code == 201
    assert first.json_body["number"] == second.json_body["number"] == "INC-000001"
    listed = client.http.get("/tickets", headers=agent()).json_body["tickets"]
    assert len(listed) == 1


def test_idempotency_key_with_another_body_is_refused(client: Any) -> None:
    headers = {**auth(), "Idempotency-Key": "k-2"}
    assert _open(client, headers).status_code == 201
    r = _open(client, headers, title="Something else")
    assert r.status_code == 422
    assert r.json_body["field"] == "Idempotency-Key"
    assert len(client.http.get("/tickets", headers=agent()).json_body["tickets"]) == 1


def test_same_key_from_another_requester_is_another_ticket(client: Any) -> None:
    a = _open(client, {**auth("alice"), "Idempotency-Key": "shared"})
    b = _open(client, {**auth("bob"), "Idempotency-Key": "shared"})
    assert a.json_body["number"] != b.json_body["number"]


def test_without_key_each_post_is_a_new_ticket(client: Any) -> None:
    assert _open(client).json_body["number"] != _open(client).json_body["number"]


# -- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "incident", "title": "t", "description": "d", "colour": "red"}, "colour"),
        ({"type": "outage", "title": "t", "description": "d"}, "type"),
        ({"type": "incident", "title": "", "description": "d"}, "title"),
        ({"type": "incident", "title": "   ", "description": "d"}, "title"),
        ({"type": "incident", "title": "x" * 201, "description": "d"}, "title"),
        ({"type": "incident", "title": "t", "description": "d" * 20_001}, "description"),
        ({"type": "incident", "title": 5, "description": "d"}, "title"),
        ({"type": "incident", "description": "d"}, "title"),
        ({"type": "incident", "title": "t", "description": "d", "impact": "huge"}, "impact"),
        ({"type": "incident", "title": "t", "description": "d", "tags": "vpn"}, "tags"),
        ({"type": "incident", "title": "t", "description": "d", "tags": [""]}, "tags.0"),
    ],
)
def test_bad_bodies_name_the_field(client: Any, body: dict[str, Any], field: str) -> None:
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(body))
    assert r.status_code == 400, r.body
    assert r.json_body["field"] == field
    assert r.json_body["errors"][0]["reason"]
    assert client.http.get("/tickets", headers=agent()).json_body["tickets"] == []


def test_title_of_exactly_200_is_accepted(client: Any) -> None:
    assert _open(client, title="x" * 200, description="d" * 20_000).status_code == 201


@pytest.mark.parametrize(
    ("raw", "content_type", "field"),
    [
        (b"{not json", "application/json", "body"),
        (b"", "application/json", "body"),
        (b"[1, 2]", "application/json", "body"),
        (b'{"type": "incident"}', "text/plain", "Content-Type"),
        (b"\xff\xfe", "application/json", "body"),
    ],
)
def test_bad_json_and_content_type(client: Any, raw: bytes, content_type: str, field: str) -> None:
    headers = {**auth(), "Content-Type": content_type}
    r = client.http.post("/tickets", headers=headers, body=raw)
    assert r.status_code == 400, r.body
    assert r.json_body["field"] == field


# -- identity -------------------------------------------------------------------------------


def test_health_needs_no_token(client: Any) -> None:
    assert client.http.get("/health").status_code == 200


def test_missing_token_is_401(client: Any) -> None:
    assert client.http.get("/tickets").status_code == 401


@pytest.mark.parametrize("token", ["garbage", "Bearer abc.def.ghi", ""])
def test_bad_token_is_401(client: Any, token: str) -> None:
    assert client.http.get("/tickets", headers={"Authorization": token}).status_code == 401


def test_token_signed_with_another_secret_is_401(client: Any) -> None:
    import jwt

    forged = jwt.encode({"sub": "eve", "role": "admin", "exp": int(time.time()) + 60}, "x" * 32, algorithm="HS256")
    assert client.http.get("/tickets", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_expired_token_is_401(client: Any) -> None:
    expired = token_for("alice", "requester", exp=int(time.time()) - 10)
    assert client.http.get("/tickets", headers={"Authorization": f"Bearer {expired}"}).status_code == 401


def test_wrong_role_is_403(client: Any) -> None:
    number = _open(client).json_body["number"]
    r = _post(client, f"/tickets/{number}/assignment", {"version": 1, "assignee": "ann"}, auth())
    assert r.status_code == 403


# -- reading and listing --------------------------------------------------------------------


def test_requester_sees_only_own_tickets(client: Any) -> None:
    number = _open(client, auth("alice")).json_body["number"]
    _open(client, auth("bob"))
    assert client.http.get(f"/tickets/{number}", headers=auth("alice")).status_code == 200
    r = client.http.get(f"/tickets/{number}", headers=auth("bob"))
    assert r.status_code == 404
    assert client.http.get(f"/tickets/{number}", headers=agent()).status_code == 200
    mine = client.http.get("/tickets", headers=auth("bob")).json_body["tickets"]
    assert [t["requester"] for t in mine] == ["bob"]
    assert client.http.get("/tickets?requester=alice", headers=auth("bob")).status_code == 403


def test_missing_ticket_is_404(client: Any) -> None:
    assert client.http.get("/tickets/INC-999999", headers=agent()).status_code == 404


def test_list_filters_newest_first_with_cursor(client: Any) -> None:
    numbers = [_open(client).json_body["number"] for _ in range(5)]
    _open(client, type="service_request")
    _post(client, f"/tickets/{numbers[0]}/assignment", {"version": 1, "assignee": "ann", "group": "network"})
    page1 = client.http.get("/tickets?type=incident&limit=2", headers=agent()).json_body
    assert [t["number"] for t in page1["tickets"]] == numbers[::-1][:2]
    page2 = client.http.get(f"/tickets?type=incident&limit=2&cursor={page1['cursor']}", headers=agent()).json_body
    assert [t["number"] for t in page2["tickets"]] == numbers[::-1][2:4]
    page3 = client.http.get(f"/tickets?type=incident&limit=2&cursor={page2['cursor']}", headers=agent()).json_body
    assert [t["number"] for t in page3["tickets"]] == numbers[:1]
    assert page3["cursor"] is None
    by_assignee = client.http.get("/tickets?assignee=ann", headers=agent()).json_body["tickets"]
    assert [t["number"] for t in by_assignee] == [numbers[0]]
    by_group = client.http.get("/tickets?group=network&status=assigned", headers=agent()).json_body["tickets"]
    assert [t["number"] for t in by_group] == [numbers[0]]
    by_status = client.http.get("/tickets?status=new&type=service_request", headers=agent()).json_body["tickets"]
    assert [t["type"] for t in by_status] == ["service_request"]
    by_requester = client.http.get("/tickets?requester=alice", headers=agent()).json_body["tickets"]
    assert len(by_requester) == 6


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=open", "status"), ("limit=0", "limit"), ("limit=x", "limit"), ("cursor=zzz", "cursor"), ("foo=1", "foo")],
)
def test_bad_list_queries_are_400(client: Any, query: str, field: str) -> None:
    r = client.http.get(f"/tickets?{query}", headers=agent())
    assert r.status_code == 400, r.body
    assert r.json_body["field"] == field


# -- working the ticket ---------------------------------------------------------------------


def test_transition_and_illegal_transition(client: Any) -> None:
    number = _open(client).json_body["number"]
    r = _post(client, f"/tickets/{number}/transitions", {"to": "in_progress", "version": 1})
    assert r.status_code == 200 and r.json_body["status"] == "in_progress" and r.json_body["version"] == 2
    r = _post(client, f"/tickets/{number}/transitions", {"to": "closed", "version": 2})
    assert r.status_code == 409
    assert r.json_body["error"] == "illegal_transition"
    assert r.json_body["allowed"] == ["assigned", "waiting_on_requester", "resolved", "cancelled"]


def test_a_requester_reopens_with_the_word_they_use(client: Any) -> None:
    number = _open(client).json_body["number"]
    assert _post(client, f"/tickets/{number}/transitions", {"to": "resolved", "version": 1}).status_code == 200
    r = _post(client, f"/tickets/{number}/transitions", {"to": "reopened", "version": 2}, auth())
    assert r.status_code == 200, r.body
    assert r.json_body["status"] == "in_progress" and r.json_body["reopen_count"] == 1
    r = _post(client, f"/tickets/{number}/transitions", {"to": "resolved", "version": 3}, auth())
    assert r.status_code == 403 and r.json_body["field"] == "to"


def test_stale_version_is_409_and_changes_nothing(client: Any) -> None:
    number = _open(client).json_body["number"]
    assert _post(client, f"/tickets/{number}/transitions", {"to": "in_progress", "version": 1}).status_code == 200
    r = _post(client, f"/tickets/{number}/transitions", {"to": "resolved", "version": 1})
    assert r.status_code == 409 and r.json_body["error"] == "stale_version" and r.json_body["current_version"] == 2
    stored = client.http.get(f"/tickets/{number}", headers=agent()).json_body
    assert stored["status"] == "in_progress" and stored["version"] == 2
    events = client.http.get(f"/tickets/{number}/events", headers=agent()).json_body["events"]
    assert [e["kind"] for e in events if e["kind"] in ("opened", "status_changed")] == ["opened", "status_changed"]


def test_concurrent_writers_one_wins(client: Any) -> None:
    """Both read version 1; the repository's conditional write refuses the second."""
    from chalicelib import wiring
    from chalicelib.domain.identity import Identity

    number = _open(client).json_body["number"]
    service = wiring.desk().ticket_service
    ticket = service.get_ticket(number, Identity("ann", "agent"))
    service.repository.save(ticket.evolve(title="first"), 1, [])
    from chalicelib.domain.errors import StaleVersion

    with pytest.raises(StaleVersion):
        service.repository.save(ticket.evolve(title="second"), 1, [])
    assert service.get_ticket(number, Identity("ann", "agent")).title == "first"


def test_resolve_reopen_and_close_by_requester(client: Any) -> None:
    number = _open(client).json_body["number"]
    t = _post(client, f"/tickets/{number}/transitions", {"to": "resolved", "version": 1}).json_body
    assert t["resolved_at"]
    r = _post(
        client, f"/tickets/{number}/transitions", {"to": "in_progress", "version": 2, "reason": "still broken"}, auth()
    )
    assert r.status_code == 200 and r.json_body["reopen_count"] == 1
    r = _post(client, f"/tickets/{number}/transitions", {"to": "resolved", "version": 3}, auth())
    assert r.status_code == 403
    _post(client, f"/tickets/{number}/transitions", {"to": "resolved", "version": 3})
    r = _post(client, f"/tickets/{number}/transitions", {"to": "closed", "version": 4}, auth())
    assert r.status_code == 200 and r.json_body["status"] == "closed"


def test_transition_body_is_validated(client: Any) -> None:
    number = _open(client).json_body["number"]
    r = _post(client, f"/tickets/{number}/transitions", {"to": "in_progress"})
    assert r.status_code == 400 and r.json_body["field"] == "version"
    r = _post(client, f"/tickets/{number}/transitions", {"to": "in_progress", "version": "1"})
    assert r.status_code == 400 and r.json_body["field"] == "version"
    r = _post(client, f"/tickets/{number}/transitions", {"to": "done", "version": 1})
    assert r.status_code == 409 and r.json_body["field"] == "to"
    assert "say one of: assign, start" in r.json_body["message"]
    assert {"to": "resolved", "word": "resolve"} in r.json_body["moves"]


def test_assignment_records_resolver_and_monitor(client: Any) -> None:
    number = _open(client).json_body["number"]
    r = _post(
        client, f"/tickets/{number}/assignment", {"version": 1, "assignee": "ann", "group": "network", "monitor": "max"}
    )
    assert r.status_code == 200
    t = r.json_body
    assert (t["status"], t["assignee"], t["group"], t["monitor"]) == ("assigned", "ann", "network", "max")
    r = _post(
        client, f"/tickets/{number}/assignment", {"version": t["version"], "assignee": "ben", "reason": "transfer"}
    )
    assert r.json_body["assignee"] == "ben" and r.json_body["monitor"] == "max"
    events = client.http.get(f"/tickets/{number}/events", headers=agent()).json_body["events"]
    transfer = [e for e in events if e["kind"] == "assigned"][-1]
    assert transfer["before"]["assignee"] == "ann" and transfer["after"]["assignee"] == "ben"
    assert transfer["note"] == "transfer" and transfer["actor"] == "ann"


def test_comments_and_first_response(client: Any) -> None:
    number = _open(client).json_body["number"]
    r = _post(client, f"/tickets/{number}/comments", {"body": "private", "visibility": "internal"})
    assert r.status_code == 201 and r.json_body["first_response_at"] is None
    r = _post(client, f"/tickets/{number}/comments", {"body": "On it"})
    first = r.json_body["first_response_at"]
    assert first
    r = _post(client, f"/tickets/{number}/comments", {"body": "More"})
    assert r.json_body["first_response_at"] == first
    r = _post(client, f"/tickets/{number}/comments", {"body": "x", "visibility": "internal"}, auth())
    assert r.status_code == 403
    requester_view = client.http.get(f"/tickets/{number}/events", headers=auth()).json_body["events"]
    assert "private" not in json.dumps(requester_view)
    agent_view = client.http.get(f"/tickets/{number}/events", headers=agent()).json_body["events"]
    assert "private" in json.dumps(agent_view)


def test_patch_changes_priority_and_is_audited(client: Any) -> None:
    number = _open(client).json_body["number"]
    r = client.http.patch(
        f"/tickets/{number}",
        headers=agent(),
        body=json.dumps({"version": 1, "impact": "high", "urgency": "high", "title": "VPN down for all"}),
    )
    assert r.status_code == 200, r.body
    assert r.json_body["priority"] == "P1" and r.json_body["title"] == "VPN down for all"
    kinds = [e["kind"] for e in client.http.get(f"/tickets/{number}/events", headers=agent()).json_body["events"]]
    assert [k for k in kinds if k not in ("classified", "assigned", "sla_applied")] == [
        "opened",
        "updated",
        "priority_changed",
    ]


def test_events_are_the_audit_trail(client: Any) -> None:
    number = _open(client).json_body["number"]
    _post(client, f"/tickets/{number}/transitions", {"to": "in_progress", "version": 1})
    events = client.http.get(f"/tickets/{number}/events", headers=agent()).json_body["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["kind"] for e in events][:4] == ["opened", "classified", "assigned", "sla_applied"]
    change = events[-1]
    assert change["kind"] == "status_changed" and change["actor"] == "ann"
    assert change["before"] == {"status": "new"} and change["after"] == {"status": "in_progress"}
    assert change["at"]
    assert client.http.get(f"/tickets/{number}/events", headers=auth("bob")).status_code == 404


def test_times_show_in_the_readers_zone_as_well_as_the_instant(client: Any) -> None:
    number = _open(client).json_body["number"]
    for headers in (auth(), agent()):
        view = client.http.get(f"/tickets/{number}", headers=headers).json_body
        local = view["local_times"]
        assert local["zone"] == "America/Chicago"  # the service's office calendar, or the desk's zone
        created = view["created_at"][:19]
        assert local["created_at"].endswith(f"({created}Z)")
        assert " CST (" in local["created_at"] and local["resolved_at"] is None
