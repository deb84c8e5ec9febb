"""A tour of what each deployed function does, on moto, recording the AWS calls it makes.

Each tour drives one function the way AWS would (the API through ``chalice.test.Client``, a
schedule or the queue through its handler) across the behaviours that reach storage: the
least-privilege test compares the calls with the function's policy in the template.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from infra.calls import Call, record_calls
from tests.conftest import auth

Tour = Callable[[Any, Any], set[Call]]


def _agent() -> dict[str, str]:
    return auth("ann", "agent")


def _manager() -> dict[str, str]:
    return auth("sam", "manager")


def _open(client: Any, **body: Any) -> dict[str, Any]:
    payload = {"type": "incident", "title": "VPN down", "description": "The tunnel will not come up", **body}
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(payload))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def api_tour(client: Any, clock: Any) -> set[Call]:
    """Every route family that reaches storage: intake (with an Idempotency-Key), reads, search,
    moves, links, changes and their calendar, problems, knowledge, admin and the outbox."""
    with record_calls() as log:
        t = _open(client)
        headers = {**auth(), "Idempotency-Key": "tour-1"}
        client.http.post("/tickets", headers=headers, body=json.dumps({"type": "request", "title": "New laptop",
                                                                      "description": "Mine broke"}))
        n = t["number"]
        for path in (f"/tickets/{n}", f"/tickets/{n}/events", f"/tickets/{n}/sla", "/tickets?q=vpn", "/queues",
                     "/triage", "/approvals", "/changes/calendar", "/known-errors", "/problems/candidates",
                     "/knowledge", "/reports/patrol", "/admin/outbox?day=2026-11-23", "/oncall"):
            client.http.get(path, headers=_manager())
    return log.actions()


#: How long after the tickets were opened a scheduled function runs, when not a day: the
#: auto-close eight days after one was resolved (three business days over Thanksgiving), the
#: steering report the next Monday morning (with last week's rollups kept from the stream).
DAYS_LATER = {"auto_close": 8, "steering_report": 7}


def schedule_tour(name: str) -> Tour:
    """A scheduled function run in a fresh container a day after tickets were opened (their
    clocks are due, the patrol's time has come, three look alike), or :data:`DAYS_LATER`."""

    def tour(client: Any, clock: Any) -> set[Call]:
        from app import app

        for _ in range(3):
            _open(client, title="Printer offline on floor 3", description="The printer on floor 3 is offline")
        resolved = _open(client)
        r = client.http.post(f"/tickets/{resolved['number']}/transitions", headers=_agent(),
                             body=json.dumps({"to": "resolved", "version": resolved["version"]}))
        assert r.status_code == 200, r.body
        if name == "retrain_classifier":
            _label_examples()
        clock.advance(days=DAYS_LATER.get(name, 1))
        if name == "steering_report":
            _play_events()  # last week's rollups, as the stream keeps them
        event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
        with record_calls() as log:
            _cold_container(clock)  # the container's init is the function's too
            app.handler_map[name](event, None)
        return log.actions()

    return tour


def _events_player() -> Any:
    """The events table's stream played as Lambda's event source mapping plays it."""
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client
    from chalicelib.storage.streams import StreamPlayer, streams_client

    return StreamPlayer(client("dynamodb"), streams_client(), get_settings().events_table)


def _play_events() -> None:
    from app import app

    _events_player().play(app.handler_map["apply_events_to_rollups"])


def rollups_tour(client: Any, clock: Any) -> set[Call]:
    """The events stream's function applying new events to the rollups in a fresh container:
    tickets opened, one assigned, answered, resolved and reopened (every measure moves). Only the
    function's own calls are recorded: reading the stream is the event source mapping's."""
    from app import app

    ticket = _open(client)
    n = ticket["number"]
    _post(client, f"/tickets/{n}/assignment", {"version": ticket["version"], "assignee": "ann"}, _agent())
    _post(client, f"/tickets/{n}/comments", {"body": "On it", "visibility": "public"}, _agent())
    clock.advance(hours=1)
    ticket = client.http.get(f"/tickets/{n}", headers=_agent()).json_body
    ticket = _post(client, f"/tickets/{n}/transitions", {"to": "resolved", "version": ticket["version"]}, _agent())
    _post(client, f"/tickets/{n}/transitions", {"to": "reopened", "version": ticket["version"]}, auth())
    handler = app.handler_map["apply_events_to_rollups"]
    with record_calls() as init:
        _cold_container(clock)
    calls = init.actions()

    def recorded(event: dict[str, Any], context: Any) -> Any:
        with record_calls() as log:
            answer = handler(event, context)
        calls.update(log.actions())
        return answer

    assert _events_player().play(recorded) > 0
    return calls


def _post(client: Any, path: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    r = client.http.post(path, headers=headers, body=json.dumps(body))
    assert r.status_code in (200, 201), (path, r.body)
    return dict(r.json_body)


def _cold_container(clock: Any) -> None:
    """A fresh desk, as a new Lambda container has: nothing cached from the set-up, its settings
    (and the stage's secrets) read again."""
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.secrets import forget_provider

    get_settings.cache_clear()
    forget_provider()
    wiring.install(wiring.bootstrap(clock=clock))


def _label_examples() -> None:
    """Enough labelled history for the retraining to train and store models."""
    from chalicelib import wiring
    from chalicelib.storage.learning_store import DynamoExampleStore
    from tests.integration.test_learning import seed_examples

    seed_examples(DynamoExampleStore(wiring.desk().settings), 40)


def notifier_tour(client: Any, clock: Any) -> set[Call]:
    """The notifier delivering what intake and a sweep queued (e-mail to the requester, SNS
    escalations), deferring a notice to after quiet hours, and dead-lettering one whose channel
    failed on the last attempt."""
    from app import app
    from chalicelib import wiring
    from chalicelib.storage.aws import client as aws_client

    _open(client)
    clock.advance(days=1)
    app.handler_map["sla_sweep"](client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]), None)
    sqs = aws_client("sqs")
    url = wiring.desk().settings.notices_queue_url
    bodies: list[str] = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies.extend(m["Body"] for m in got)
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert {json.loads(b)["channel"] for b in bodies} >= {"email", "sns"}
    later = {**json.loads(bodies[0]), "notice_id": "tour:deferred",
             "deliver_after": (clock() + timedelta(hours=1)).isoformat()}
    failing = {**json.loads(bodies[0]), "notice_id": "tour:failing", "channel": "slack"}
    records = [(b, "1") for b in bodies] + [(json.dumps(later), "1"), (json.dumps(failing), "5")]
    with record_calls() as log:
        _cold_container(clock)
        for body, attempt in records:
            event = client.events.generate_sqs_event(message_bodies=[body])
            event["Records"][0]["attributes"]["ApproximateReceiveCount"] = attempt
            with contextlib.suppress(Exception):  # the failing one raises, for SQS to retry
                app.handler_map["deliver_notices"](event, None)
    return log.actions()
