"""Satisfaction through the API: the portal's rating route and the completion notice's signed rate
link, once per resolution (a retried link acts once), a reopened ticket rated again, the figures
in ``/reports/measures`` (JSON and CSV) checked against the ticket events, the morning patrol's low
ratings and the steering report's satisfaction."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlparse

from tests.conftest import MONDAY_9AM_CHICAGO, auth
from tests.integration.test_reports_api import _assign, _move, _open, agent, manager, play_stream
from tests.unit.fakes import FakeClock

DAY = "2026-11-23"


def _rate(client: Any, number: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return client.http.post(f"/tickets/{number}/rating", headers=headers or auth(), body=json.dumps(body))


def _resolved(client: Any, title: str = "Printer jam") -> dict[str, Any]:
    ticket = _assign(client, _open(client, title), "ann")
    return _move(client, ticket, "resolved", agent("ann"))


def _rate_link(client: Any, number: str, nth: int = 0) -> str:
    """The path of the rate link of ``number``'s ``nth`` completion notice."""
    notices = client.http.get(f"/admin/outbox?day={DAY}&limit=200", headers=agent()).json_body["notices"]
    completions = [
        n for n in notices if n["kind"] == "completion" and n["ticket"] == number and n["channel"] == "outbox"
    ]
    completions.sort(key=lambda n: int(n["notice_id"].split("#")[0].rsplit(":", 1)[1]))  # by event seq
    return str(urlparse(completions[nth]["data"]["rate_link"]).path)


def _events(client: Any, number: str, kind: str) -> list[dict[str, Any]]:
    events = client.http.get(f"/tickets/{number}/events", headers=agent()).json_body["events"]
    return [e for e in events if e["kind"] == kind]


def test_the_requester_rates_a_resolution_once_from_the_portal(client: Any, clock: FakeClock) -> None:
    ticket = _assign(client, _open(client, "VPN down"), "ann")
    number = ticket["number"]
    state = client.http.get(f"/tickets/{number}/rating", headers=auth()).json_body
    assert state["can_rate"] is False and state["rating"] is None
    early = _rate(client, number, {"rating": 4})
    assert early.status_code == 409 and early.json_body["field"] == "rating"
    assert early.json_body["error"] == "not_rateable"
    _move(client, ticket, "resolved", agent("ann"))
    assert client.http.get(f"/tickets/{number}/rating", headers=auth()).json_body["can_rate"] is True

    for body, field in (({"rating": 6}, "rating"), ({"rating": 0}, "rating"), ({"rating": "4"}, "rating"),
                        ({"rating": 3, "comment": "x" * 1001}, "comment"), ({}, "rating"),
                        ({"rating": 3, "extra": 1}, "extra")):
        r = _rate(client, number, body)
        assert r.status_code == 400 and r.json_body["field"] == field, (body, r.body)
    staff = _rate(client, number, {"rating": 5}, agent("ann"))
    assert staff.status_code == 403 and staff.json_body["field"] == "rating"
    other = _rate(client, number, {"rating": 5}, auth("bob"))
    assert other.status_code == 404

    r = _rate(client, number, {"rating": 4, "comment": "  quick, thanks  "})
    assert r.status_code == 201, r.body
    assert r.json_body["can_rate"] is False
    assert r.json_body["rating"]["rating"] == 4 and r.json_body["rating"]["comment"] == "quick, thanks"
    again = _rate(client, number, {"rating": 1})
    assert again.status_code == 409 and again.json_body == {
        "error": "already_rated", "field": "rating", "message": again.json_body["message"],
    }
    [rated] = _events(client, number, "rated")
    assert rated["actor"] == "alice" and rated["after"]["rating"] == 4 and rated["after"]["source"] == "portal"
    # the agent reads the rating too
    assert client.http.get(f"/tickets/{number}/rating", headers=agent()).json_body["rating"]["rating"] == 4


def test_the_rate_link_rates_once_even_when_followed_twice(client: Any, clock: FakeClock) -> None:
    number = _resolved(client)["number"]
    link = _rate_link(client, number)
    page = client.http.get(link)
    html = page.body.decode()
    assert page.status_code == 200 and f"How satisfied are you with how {number} was handled?" in html
    assert '<input type="radio" id="rating-1" name="rating" value="1" required>' in html
    assert '<label for="comment">' in html
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    bad = client.http.post(link, headers=form, body="rating=9")
    assert bad.status_code == 400 and "rating" in bad.body.decode()
    as_json = {"Content-Type": "application/json", "Accept": "application/json"}
    for body, field in (("[" * 100 + "]" * 100, "body"), ('{"rating": 3, "comment": "half \\ud83d"}', "comment"),
                        ('{"rating": 3, "comment": 5}', "comment"), ("", "body")):
        refused = client.http.post(link, headers=as_json, body=body)
        assert refused.status_code == 400 and refused.json_body["field"] == field, (body, refused.body)
    first = client.http.post(link, headers=form, body="rating=2&comment=took+two+days")
    assert first.status_code == 200, first.body
    assert "your rating of" in first.body.decode()
    second = client.http.post(link, headers=form, body="rating=2&comment=took+two+days")
    assert second.status_code == 409 and "already used" in second.body.decode()
    as_json = client.http.post(link, headers={"Content-Type": "application/json", "Accept": "application/json"},
                               body=json.dumps({"rating": 5}))
    assert as_json.status_code == 409 and as_json.json_body["error"] == "link_used"
    [rated] = _events(client, number, "rated")
    assert rated["after"] == {"rating": 2, "comment": "took two days", "resolution": rated["after"]["resolution"],
                              "source": "link"}
    # the portal shares the same once
    assert _rate(client, number, {"rating": 5}).status_code == 409


def test_the_rate_link_still_works_after_the_confirm_link_closed_the_ticket(client: Any, clock: FakeClock) -> None:
    number = _resolved(client)["number"]
    notices = client.http.get(f"/admin/outbox?day={DAY}&limit=200", headers=agent()).json_body["notices"]
    completion = next(n for n in notices if n["kind"] == "completion" and n["ticket"] == number)
    assert "Rate it from 1 to 5" in completion["text"]
    confirm = urlparse(completion["data"]["confirm_link"]).path
    assert client.http.post(confirm, headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 200
    r = client.http.post(_rate_link(client, number), headers={"Content-Type": "application/json",
                                                              "Accept": "application/json"},
                         body=json.dumps({"rating": 5, "comment": "great"}))
    assert r.status_code == 200 and r.json_body["rating"] == 5


def test_a_reopened_ticket_is_rated_again_and_the_old_link_is_spent(client: Any, clock: FakeClock) -> None:
    ticket = _resolved(client)
    number = ticket["number"]
    old_link = _rate_link(client, number)
    assert _rate(client, number, {"rating": 1, "comment": "still jammed"}).status_code == 201
    clock.advance(minutes=30)
    current = client.http.get(f"/tickets/{number}", headers=agent()).json_body
    current = _move(client, current, "reopen", auth())
    assert _rate(client, number, {"rating": 3}).json_body["error"] == "not_rateable"
    clock.advance(minutes=30)
    _move(client, current, "resolved", agent("ann"))
    spent = client.http.post(old_link, headers={"Content-Type": "application/json", "Accept": "application/json"},
                             body=json.dumps({"rating": 5}))
    assert spent.status_code == 409 and spent.json_body["error"] == "link_used"
    new_link = _rate_link(client, number, 1)
    r = client.http.post(new_link, headers={"Content-Type": "application/json", "Accept": "application/json"},
                         body=json.dumps({"rating": 5}))
    assert r.status_code == 200, r.body
    state = client.http.get(f"/tickets/{number}/rating", headers=auth()).json_body
    assert [x["rating"] for x in state["ratings"]] == [1, 5] and state["can_rate"] is False


def independent_satisfaction(client: Any, numbers: list[str]) -> dict[str, Any]:
    """Resolutions and ratings counted from each ticket's audit trail."""
    resolutions, ratings = 0, []
    for number in numbers:
        events = client.http.get(f"/tickets/{number}/events", headers=agent()).json_body["events"]
        moves = [e for e in events if e["kind"] == "status_changed"]
        resolved = {e["seq"] for e in moves if e["after"]["status"] == "resolved"
                    and e["before"]["status"] not in ("resolved", "closed")}
        resolutions += len(resolved)
        seen: set[int] = set()
        for e in events:
            if e["kind"] == "rated" and e["after"]["resolution"] in resolved and e["after"]["resolution"] not in seen:
                seen.add(e["after"]["resolution"])
                ratings.append(e["after"]["rating"])
    return {"resolutions": resolutions, "rated": len(ratings), "mean": sum(ratings) / len(ratings)}


def test_measures_patrol_and_steering_read_the_ratings(client: Any, clock: FakeClock) -> None:
    first = _resolved(client, "VPN down")
    second = _resolved(client, "Printer jam")
    third = _resolved(client, "Mail slow")
    assert _rate(client, first["number"], {"rating": 5}).status_code == 201
    clock.advance(hours=1)
    assert _rate(client, second["number"], {"rating": 1, "comment": "nobody called back"}).status_code == 201
    numbers = [first["number"], second["number"], third["number"]]
    play_stream()

    report = client.http.get(f"/reports/measures?from={DAY}&to={DAY}", headers=manager()).json_body
    satisfaction = report["rows"][0]["satisfaction"]
    expected = independent_satisfaction(client, numbers)
    assert satisfaction["resolutions"] == expected["resolutions"] == 3
    assert satisfaction["rated"] == expected["rated"] == 2
    assert satisfaction["response_rate"] == round(2 / 3, 4) and satisfaction["mean_rating"] == expected["mean"] == 3.0
    assert satisfaction["ratings"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 1}
    by_agent = client.http.get(f"/reports/measures?from={DAY}&to={DAY}&by=agent", headers=manager()).json_body
    assert next(r for r in by_agent["rows"] if r["key"] == "ann")["satisfaction"]["rated"] == 2
    csv = client.http.get(f"/reports/measures?from={DAY}&to={DAY}&format=csv", headers=manager()).body.decode()
    header, row = csv.splitlines()[:2]
    columns = dict(zip(header.split(","), row.split(","), strict=True))
    assert columns["satisfaction.response_rate"] == "0.6667" and columns["satisfaction.mean_rating"] == "3.0"

    # the next morning's patrol lists the low rating, with its comment
    clock.now = datetime(2026, 11, 24, 14, 30, tzinfo=timezone.utc)  # Tuesday 08:30 in Chicago
    digest = client.http.get("/reports/patrol?date=2026-11-24", headers=manager()).json_body
    low = next(s for s in digest["sections"] if s["key"] == "low_ratings")
    assert [e["number"] for e in low["entries"]] == [second["number"]]
    assert "rated 1/5" in low["entries"][0]["reason"] and "nobody called back" in low["entries"][0]["reason"]

    steering = client.http.get("/reports/steering?week=2026-W48", headers=manager()).json_body
    assert steering["satisfaction"]["rated"] == 2 and steering["weeks"][-1]["satisfaction"]["mean_rating"] == 3.0
    assert [line.split(" ")[0] for line in steering["low_ratings"]] == [second["number"]]
    assert steering["weeks"][-1]["known_errors_added"] == 0 and "problem_candidates_added" in steering
    assert MONDAY_9AM_CHICAGO.date().isoformat() == DAY


def test_a_later_rating_updates_its_resolution_day_and_a_rebuild_equals_the_stream(
    client: Any, clock: FakeClock
) -> None:
    from chalicelib.storage.rollups import DynamoRollupStore, every_event
    from chalicelib.wiring import desk

    number = _resolved(client)["number"]
    play_stream()
    monday = f"/reports/measures?from={DAY}&to={DAY}"
    assert client.http.get(monday, headers=manager()).json_body["rows"][0]["satisfaction"]["rated"] == 0
    clock.now = datetime(2026, 11, 25, 18, 0, tzinfo=timezone.utc)  # Wednesday
    assert _rate(client, number, {"rating": 3}).status_code == 201
    play_stream()
    row = client.http.get(monday, headers=manager()).json_body["rows"][0]["satisfaction"]
    assert (row["resolutions"], row["rated"], row["mean_rating"]) == (1, 1, 3.0)
    wednesday = client.http.get("/reports/measures?from=2026-11-25&to=2026-11-25", headers=manager()).json_body
    assert all(r["satisfaction"]["resolutions"] == 0 for r in wednesday["rows"])

    store = DynamoRollupStore()
    built = store.every_cell()
    assert play_stream() > 0 and store.every_cell() == built  # delivered again: applied once
    desk().rollup_rebuild().rebuild(every_event(), datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())
    assert store.every_cell() == built


def test_a_rating_costs_a_few_requests_and_one_transaction(client: Any, clock: FakeClock) -> None:
    from chalicelib.storage.aws import count_dynamodb_requests

    number = _resolved(client)["number"]
    with count_dynamodb_requests() as counter:
        assert _rate(client, number, {"rating": 4}).status_code == 201
    # the ticket and its events (the rules), the events again for the clocks, the event and the
    # claim in one transaction, then the state answered (the ticket and its events)
    assert counter.calls == ["GetItem", "Query", "Query", "TransactWriteItems", "GetItem", "Query"]
