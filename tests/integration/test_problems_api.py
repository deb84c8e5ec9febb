"""Problem routes through chalice.test.Client on moto: the record, problem-from, the closure gate,
auto-open and auto-close, publishing the workaround, and their errors."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest

from tests.conftest import auth
from tests.unit.fakes import FakeClock

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def agent() -> dict[str, str]:
    return auth("ann", "agent")


CAUSE = {"description": "expired gateway certificate", "category": "configuration", "evidence": "gateway log"}


@pytest.fixture
def clock_start() -> datetime:
    return NOW


def _call(client: Any, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    kwargs: dict[str, Any] = {"headers": headers or agent()}
    if body is not None:
        kwargs["body"] = json.dumps(body)
    return getattr(client.http, method)(path, **kwargs)


def _incident(client: Any, urgency: str = "high") -> dict[str, Any]:
    body = {
        "type": "incident",
        "title": "VPN drops every few minutes",
        "description": "AnyConnect disconnects",
        "service": "vpn",
        "impact": "high",
        "urgency": urgency,
    }
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(body))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def _get(client: Any, number: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = _call(client, "get", f"/tickets/{number}", headers=headers)
    assert r.status_code == 200, r.body
    return dict(r.json_body)


def _move(client: Any, number: str, to: str, headers: dict[str, str] | None = None, **extra: Any) -> Any:
    version = _get(client, number)["version"]
    return _call(client, "post", f"/tickets/{number}/transitions", {"to": to, "version": version, **extra}, headers)


def _record(client: Any, number: str, headers: dict[str, str] | None = None, **fields: Any) -> Any:
    version = _get(client, number)["version"]
    return _call(client, "put", f"/tickets/{number}/problem", {"version": version, **fields}, headers)


def test_the_record_route_and_its_errors(client: Any, clock: FakeClock) -> None:
    incident = _incident(client)
    r = _call(client, "post", f"/tickets/{incident['number']}/problem-from", {"title": "VPN gateway"})
    assert r.status_code == 201, r.body
    problem = r.json_body
    assert problem["type"] == "problem" and problem["title"] == "VPN gateway"
    assert problem["incidents"][0]["number"] == incident["number"]
    number = problem["number"]
    r = _record(client, number, root_causes=[CAUSE], workaround="Use vpn2.example.com", symptoms=["vpn drops"])
    assert r.status_code == 200, r.body
    assert r.json_body["problem"]["has_root_cause"] and r.json_body["problem"]["symptoms"] == ["vpn drops"]
    stale = _call(client, "put", f"/tickets/{number}/problem", {"version": 1, "workaround": "x"})
    assert stale.status_code == 409
    bad = _record(client, number, root_causes=[{"description": "x", "category": "gremlins"}], colour="red")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json_body["errors"]} == {"colour", "root_causes[0].category"}
    assert _record(client, number, auth(), workaround="x").status_code == 403
    assert _record(client, incident["number"], workaround="x").status_code == 400
    assert _call(client, "put", "/tickets/PRB-999999/problem", {"version": 1, "workaround": "x"}).status_code == 404
    not_json = client.http.put(f"/tickets/{number}/problem", headers=agent(), body="[1]")
    assert not_json.status_code == 400
    r = _call(client, "post", f"/tickets/{number}/problem-from", {})
    assert r.status_code == 400 and r.json_body["field"] == "number"
    r = _call(client, "post", f"/tickets/{incident['number']}/problem-from", {"titel": "x"})
    assert r.status_code == 400 and r.json_body["field"] == "titel"
    assert _call(client, "post", f"/tickets/{incident['number']}/problem-from", {}, auth()).status_code == 403
    # the incident shows its problem, known error and workaround; to its requester too
    seen = _get(client, incident["number"], auth())
    assert seen["problem"]["number"] == number and seen["problem"]["workaround"] == "Use vpn2.example.com"
    assert seen["problem"]["known_error"] is True


def test_a_refused_problem_move_names_what_is_missing(client: Any, clock: FakeClock) -> None:
    incident = _incident(client)
    number = _call(client, "post", f"/tickets/{incident['number']}/problem-from").json_body["number"]
    assert _move(client, number, "analyse").status_code == 200
    r = _move(client, number, "known_error")
    assert r.status_code == 409
    assert r.json_body["missing"] == [
        "a root cause is required (problem.root_causes)",
        "a workaround is required (problem.workaround)",
    ]
    r = _move(client, number, "accept_risk")
    assert "only a manager may accept the risk" in r.json_body["missing"]


def test_the_closure_gate_over_http_agent_requester_and_auto_close(client: Any, clock: FakeClock) -> None:
    from app import app
    from tests.integration.test_delivery import _scheduled

    incident = _incident(client)
    number = incident["number"]
    resolved = _move(client, number, "resolve")
    assert resolved.status_code == 200
    problem = _get(client, number)["links"][0]["target"]  # opened by the desk
    assert problem.startswith("PRB-")
    refused = _move(client, number, "close")
    assert refused.status_code == 409 and "closes only once a linked problem has a root cause" in refused.body.decode()
    confirmed = _move(client, number, "confirm", auth())
    assert confirmed.status_code == 200 and confirmed.json_body["status"] == "resolved"
    assert confirmed.json_body["confirmed_at"].startswith("2026-11-23T15:00")
    assert confirmed.json_body["closure_gate"]["holds"] is True
    clock.advance(days=10)
    assert app.handler_map["auto_close"](_scheduled(), None)["closed"] == []
    _move(client, problem, "analyse")
    assert _record(client, problem, root_causes=[CAUSE]).status_code == 200
    assert _move(client, problem, "resolve", reason="certificate renewed").status_code == 200
    assert _get(client, number)["status"] == "closed"


def test_publishing_the_workaround_over_http(client: Any, clock: FakeClock) -> None:
    incident = _incident(client, urgency="low")
    number = _call(client, "post", f"/tickets/{incident['number']}/problem-from").json_body["number"]
    r = _call(client, "post", f"/tickets/{number}/workaround/publish")
    assert r.status_code == 400 and r.json_body["field"] == "workaround"
    _record(client, number, workaround="Use vpn2.example.com")
    r = _call(client, "post", f"/tickets/{number}/workaround/publish")
    assert r.status_code == 200 and r.json_body["published"] == [incident["number"]]
    again = _call(client, "post", f"/tickets/{number}/workaround/publish")
    assert again.json_body["published"] == [] and again.json_body["skipped"] == [incident["number"]]
    assert _call(client, "post", f"/tickets/{number}/workaround/publish", headers=auth()).status_code == 403
    answer = _call(client, "get", f"/tickets/{incident['number']}/events", headers=auth()).json_body
    events: list[dict[str, Any]] = answer["events"] if isinstance(answer, dict) else answer
    bodies = [e["after"].get("body", "") for e in events]
    assert any("vpn2.example.com" in b for b in bodies)


def _known_error(client: Any) -> str:
    incident = _incident(client, urgency="low")
    number = _call(client, "post", f"/tickets/{incident['number']}/problem-from", {"title": "VPN sessions drop"})
    problem = number.json_body["number"]
    _move(client, problem, "analyse")
    r = _record(
        client,
        problem,
        statement="VPN sessions drop every few minutes",
        symptoms=["vpn drops", "anyconnect disconnects"],
        services=["vpn"],
        root_causes=[CAUSE],
        workaround="Connect to the backup gateway vpn2.example.com",
    )
    assert r.status_code == 200, r.body
    assert _move(client, problem, "known_error").status_code == 200
    return str(problem)


def test_known_errors_are_found_across_languages_and_offered_at_intake(client: Any, clock: FakeClock) -> None:
    problem = _known_error(client)
    r = _call(client, "get", "/known-errors?q=VPN%20bricht%20alle%20paar%20Minuten%20ab&service=vpn")
    assert r.status_code == 200, r.body
    [found] = r.json_body["known_errors"]
    assert found["problem"] == problem and found["workaround"].endswith("vpn2.example.com")
    assert "bricht ~ drop" in found["matched"] and found["score"] >= 0.4
    assert _call(client, "get", "/known-errors?q=Drucker%20druckt%20nicht").json_body["known_errors"] == []
    assert _call(client, "get", "/known-errors?q=vpn&service=nope").status_code == 400
    assert _call(client, "get", "/known-errors").json_body["field"] == "q"
    assert _call(client, "get", "/known-errors?q=vpn&limit=0").json_body["field"] == "limit"
    assert _call(client, "get", "/known-errors?q=vpn", headers=auth()).status_code == 403

    body = {"type": "incident", "title": "VPN bricht ab", "description": "AnyConnect trennt alle paar Minuten"}
    opened = client.http.post("/tickets", headers=auth("bea"), body=json.dumps(body))
    assert opened.status_code == 201, opened.body
    [offered] = opened.json_body["known_errors"]
    assert offered["problem"] == problem and offered["workaround"].endswith("vpn2.example.com")
    events = _call(client, "get", f"/tickets/{opened.json_body['number']}/events").json_body["events"]
    matched = [e for e in events if e["kind"] == "known_errors_matched"]
    assert matched and matched[0]["actor"] == "desk" and matched[0]["after"]["matches"][0]["ref"] == problem
    seen = _get(client, opened.json_body["number"], auth("bea"))
    assert seen["known_errors"][0]["workaround"].endswith("vpn2.example.com")
    unrelated = {"type": "incident", "title": "Toner empty", "description": "The printer on floor 2 needs toner"}
    assert client.http.post("/tickets", headers=auth("bea"), body=json.dumps(unrelated)).json_body["known_errors"] == []


def test_problem_candidates_over_http(client: Any, clock: FakeClock) -> None:
    from app import app
    from tests.integration.test_delivery import _scheduled

    texts = [
        "VPN drops every few minutes, AnyConnect disconnects",
        "VPN bricht alle paar Minuten ab, AnyConnect trennt die Verbindung",
        "AnyConnect VPN keeps dropping the connection every few minutes",
    ]
    numbers = []
    for text in texts:
        body = {"type": "incident", "title": text, "description": text, "service": "vpn", "urgency": "low"}
        numbers.append(client.http.post("/tickets", headers=auth(), body=json.dumps(body)).json_body["number"])
    assert _call(client, "post", "/problems/candidates/scan").status_code == 403
    r = _call(client, "post", "/problems/candidates/scan", headers=auth("max", "manager"))
    assert r.status_code == 200, r.body
    [found] = r.json_body["new"]
    assert found["incidents"] == numbers and found["why"]["service"] == "vpn" and found["why"]["shared_words"]
    assert app.handler_map["problem_candidates"](_scheduled(), None) == {"new": []}
    listed = _call(client, "get", "/problems/candidates").json_body["candidates"]
    assert [c["id"] for c in listed] == [found["id"]]
    assert _call(client, "get", "/problems/candidates?state=maybe").json_body["field"] == "state"
    assert _call(client, "get", "/problems/candidates?colour=red").json_body["field"] == "colour"
    assert _call(client, "get", "/problems/candidates", headers=auth()).status_code == 403
    assert _call(client, "post", "/problems/candidates/vpn:INC-999999/accept").status_code == 404
    r = _call(client, "post", f"/problems/candidates/{found['id']}/accept", {"title": "VPN drops"})
    assert r.status_code == 201, r.body
    problem = r.json_body["problem"]
    assert problem["title"] == "VPN drops" and {i["number"] for i in problem["incidents"]} == set(numbers)
    assert r.json_body["candidate"]["state"] == "accepted"
    again = _call(client, "post", f"/problems/candidates/{found['id']}/dismiss")
    assert again.status_code == 400 and "accepted already" in again.body.decode()
    for text in texts:  # three more alike, on the same service: a new group to dismiss
        body = {"type": "incident", "title": text, "description": text, "service": "vpn", "urgency": "low"}
        client.http.post("/tickets", headers=auth("bea"), body=json.dumps(body))
    [other] = _call(client, "post", "/problems/candidates/scan", headers=auth("max", "manager")).json_body["new"]
    dismissed = _call(client, "post", f"/problems/candidates/{other['id']}/dismiss")
    assert dismissed.status_code == 200 and dismissed.json_body["candidate"]["state"] == "dismissed"
    assert _call(client, "post", "/problems/candidates/scan", headers=auth("max", "manager")).json_body["new"] == []
    assert _call(client, "post", f"/problems/candidates/{other['id']}/dismiss", headers=auth()).status_code == 403
    assert _call(client, "get", "/problems/candidates?state=accepted").json_body["candidates"][0]["problem"]


def test_the_knowledge_base_over_http(client: Any, clock: FakeClock) -> None:
    article = {
        "question": "How do I reset my password?",
        "answer": "Open https://password.example.com and follow the steps; the new password works at once.",
        "services": ["accounts"],
    }
    r = _call(client, "post", "/knowledge", article)
    assert r.status_code == 201, r.body
    assert r.json_body["name"] == "kb-how-do-i-reset-my-password" and r.json_body["version"] == 1
    internal = {**article, "name": "kb-unlock", "question": "Unlock an account in AD", "audience": "internal"}
    assert _call(client, "post", "/knowledge", internal).status_code == 201
    assert _call(client, "post", "/knowledge", article, auth()).status_code == 403
    bad = _call(client, "post", "/knowledge", {"question": "x", "services": ["nope"]})
    assert bad.status_code == 400 and {e["field"] for e in bad.json_body["errors"]} >= {"answer", "services[0]"}

    # the same matcher, across the languages; requesters see public articles only
    found = _call(client, "get", "/knowledge?q=Passwort%20zur%C3%BCcksetzen", headers=auth()).json_body["articles"]
    assert [a["name"] for a in found] == ["kb-how-do-i-reset-my-password"] and found[0]["matched"]
    assert [a["name"] for a in _call(client, "get", "/knowledge").json_body["articles"]] == [
        "kb-how-do-i-reset-my-password",
        "kb-unlock",
    ]
    assert [a["name"] for a in _call(client, "get", "/knowledge", headers=auth()).json_body["articles"]] == [
        "kb-how-do-i-reset-my-password"
    ]
    assert _call(client, "get", "/knowledge/kb-unlock", headers=auth()).status_code == 404
    assert _call(client, "get", "/knowledge?service=nope").status_code == 400
    edited = _call(client, "put", "/knowledge/kb-unlock", {**internal, "answer": "Use ADUC", "version": 1})
    assert edited.status_code == 200 and edited.json_body["version"] == 2
    assert _call(client, "get", "/knowledge/kb-unlock?version=1").json_body["answer"] == article["answer"]

    # intake offers the public article; an agent answers with it and resolves in one call
    body = {
        "type": "service_request",
        "title": "Passwort vergessen",
        "description": "Ich muss mein Passwort zuruecksetzen",
    }
    opened = client.http.post("/tickets", headers=auth(), body=json.dumps(body)).json_body
    assert [a["article"] for a in opened["articles"]] == ["kb-how-do-i-reset-my-password"]
    r = _call(
        client,
        "post",
        f"/tickets/{opened['number']}/answer",
        {"article": "kb-how-do-i-reset-my-password", "version": opened["version"], "resolve": True},
    )
    assert r.status_code == 200, r.body
    assert r.json_body["status"] == "resolved"
    events = _call(client, "get", f"/tickets/{opened['number']}/events").json_body["events"]
    answered = [e for e in events if e["kind"] == "answered_with_article"]
    assert answered[0]["after"]["article"] == "kb-how-do-i-reset-my-password"
    assert _call(client, "post", f"/tickets/{opened['number']}/answer", {"article": "kb-x"}).json_body["field"] == (
        "version"
    )
    stale = _call(client, "post", f"/tickets/{opened['number']}/answer", {"article": "kb-nope", "version": 9})
    assert stale.status_code == 409
    resolved = _get(client, opened["number"])
    body = {"article": "kb-nope", "version": resolved["version"]}
    missing = _call(client, "post", f"/tickets/{opened['number']}/answer", body)
    assert missing.status_code == 400 and missing.json_body["field"] == "article"
    body = {"article": "kb-how-do-i-reset-my-password", "version": resolved["version"]}
    done = _call(client, "post", f"/tickets/{opened['number']}/answer", body)
    assert done.status_code == 400 and "takes no answer" in done.body.decode()
    assert _call(client, "post", f"/tickets/{opened['number']}/answer", body, auth()).status_code == 403

    # made in one call from a resolved ticket (its last public reply) and from a known error
    made = _call(client, "post", f"/tickets/{opened['number']}/knowledge", {"name": "kb-forgotten-password"})
    assert made.status_code == 201, made.body
    assert made.json_body["source"] == opened["number"] and made.json_body["answer"] == article["answer"]
    problem = _known_error(client)
    made = _call(client, "post", f"/tickets/{problem}/knowledge")
    assert made.status_code == 201 and made.json_body["answer"].endswith("vpn2.example.com")
    assert made.json_body["name"] == f"kb-{problem.lower()}"
    fresh = _incident(client, urgency="low")
    assert _call(client, "post", f"/tickets/{fresh['number']}/knowledge").json_body["field"] == "number"


def test_make_runs_examples_are_seeded_once_and_match_at_intake(client: Any, clock: FakeClock) -> None:
    from chalicelib import wiring
    from chalicelib.services.problem_seeds import seed_problem_examples

    assert seed_problem_examples(wiring.desk()) == {"known_error": 1, "knowledge_article": 1}
    assert seed_problem_examples(wiring.desk()) == {"known_error": 0, "knowledge_article": 0}
    body = {"type": "incident", "title": "VPN bricht ab", "description": "AnyConnect trennt alle paar Minuten"}
    opened = client.http.post("/tickets", headers=auth(), body=json.dumps(body)).json_body
    assert opened["known_errors"][0]["workaround"].startswith("In AnyConnect, connect to the backup gateway")


def test_the_sweep_reminds_of_due_tasks_and_risk_reviews_once(client: Any, clock: FakeClock) -> None:
    from datetime import timedelta

    from chalicelib import wiring

    incident = _incident(client, urgency="low")
    problem = _call(client, "post", f"/tickets/{incident['number']}/problem-from").json_body["number"]
    _move(client, problem, "analyse")
    due = (NOW + timedelta(hours=2)).isoformat()
    review = (NOW + timedelta(days=30)).isoformat()
    task = {"title": "Renew the gateway certificate", "owner": "ann", "due": due}
    assert _record(client, problem, tasks=[task], review_at=review).status_code == 200
    assert _move(client, problem, "accept_risk", auth("max", "manager")).status_code == 200
    assert _get(client, problem)["next_deadline"].startswith((NOW + timedelta(hours=2)).isoformat()[:16])
    for days in (0.1, 0.2, 31, 32):
        clock.now = NOW + timedelta(days=days)
        wiring.desk().sla_sweep.run()
    events = _call(client, "get", f"/tickets/{problem}/events").json_body["events"]
    fired = [(e["after"]["timer"], e["actor"]) for e in events if e["kind"] == "problem_timer"]
    assert fired == [("task_due", "desk"), ("risk_review", "desk")]
    day = (NOW + timedelta(days=31)).date().isoformat()
    outbox = _call(client, "get", f"/admin/outbox?day={day}").json_body
    notices = outbox["notices"] if isinstance(outbox, dict) else outbox
    assert any(n.get("kind") == "problem_timer" and n.get("recipient") == "max" for n in notices)


def test_the_scan_reads_recent_incidents_with_one_query_and_no_scan(client: Any, clock: FakeClock) -> None:
    from chalicelib import wiring
    from chalicelib.storage.aws import count_dynamodb_requests

    for text in ("VPN drops every few minutes", "VPN bricht alle paar Minuten ab", "VPN keeps dropping"):
        body = {"type": "incident", "title": text, "description": text, "service": "vpn", "urgency": "low"}
        client.http.post("/tickets", headers=auth(), body=json.dumps(body))
    finder = wiring.desk().candidate_finder
    wiring.desk().service_terms()  # warm: the catalog
    with count_dynamodb_requests() as counter:
        [found] = finder.scan()
    assert len(found.incidents) == 3
    # One Query for the incidents of the window; per candidate, its stored state read and written.
    assert counter.calls == ["Query", "GetItem", "PutItem"]
