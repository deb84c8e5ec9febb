"""Events for other systems: lifecycle moves, clock transitions, approvals and links reach the
EventBridge bus from the outbox, once each (a rule on moto's bus forwards them to a queue)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import auth


@pytest.fixture
def bus(client: Any, clock: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The events channel on, the stage's bus with a rule sending every desk event to a queue."""
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client as aws_client
    from chalicelib.storage.tables import create_event_bus

    monkeypatch.setenv("NOTIFY_CHANNELS", "outbox,events")
    get_settings.cache_clear()
    wiring.install(wiring.bootstrap(clock=clock))
    events, sqs = aws_client("events"), aws_client("sqs")
    name = create_event_bus(get_settings(), events)
    url = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="all", EventBusName=name, EventPattern=json.dumps({"source": ["service-desk"]}))
    events.put_targets(Rule="all", EventBusName=name, Targets=[{"Id": "q", "Arn": arn}])

    def received() -> list[dict[str, Any]]:
        out = []
        while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in got:
                out.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return out

    yield received
    wiring.install(None)


def _open(client: Any, title: str) -> dict[str, Any]:
    body = {"type": "incident", "title": title, "description": "It stopped"}
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(body))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def test_lifecycle_moves_clock_transitions_and_links_are_published_once(client: Any, bus: Any) -> None:
    from chalicelib.wiring import desk

    ticket = _open(client, "Mail is down")
    other = _open(client, "Mail is slow")
    number = ticket["number"]
    agent = auth("ann", "agent")
    r = client.http.post(f"/tickets/{number}/transitions", headers=agent, body=json.dumps(
        {"to": "waiting_on_requester", "version": ticket["version"], "reason": "which client?"}))
    assert r.status_code == 200, r.body
    linked = client.http.post(f"/tickets/{number}/links", headers=agent,
                              body=json.dumps({"kind": "related", "target": other["number"]}))
    assert linked.status_code in (200, 201), linked.body
    desk().outbox_relay.relay()
    desk().outbox_relay.relay()  # a second pass finds nothing left to publish
    got = [e for e in bus() if e["detail"]["ticket"] == number]
    kinds = [e["detail-type"] for e in got]
    assert kinds.count("Ticket Opened") == 1
    assert {"SLA Clock Started", "Ticket Status Changed", "SLA Clock Paused", "Ticket Linked"} <= set(kinds)
    assert len({e["detail"]["id"] for e in got}) == len(got)  # each event once
    assert all(e["source"] == "service-desk" for e in got)
    moves = [e["detail"] for e in got if e["detail-type"] == "Ticket Status Changed"]
    waiting = next(m for m in moves if m["to"] == "waiting_on_requester")
    assert waiting["reason"] == "which client?" and waiting["actor"] == "ann" and waiting["seq"] > 1
    paused = {e["detail"]["clock"] for e in got if e["detail-type"] == "SLA Clock Paused"}
    assert "resolution" in paused
    link = next(e for e in got if e["detail-type"] == "Ticket Linked")
    assert link["detail"]["target"] == other["number"]
    assert bus() == []


def test_without_the_events_channel_nothing_is_kept_for_the_bus(client: Any, clock: Any) -> None:
    from chalicelib.wiring import desk

    _open(client, "Printer jam")
    day = clock().date().isoformat()
    notices, _ = desk().outbox.list_day(day, 200, None)
    assert notices and not [n for n in notices if n["channel"] == "events"]
