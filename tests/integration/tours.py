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


def schedule_tour(name: str) -> Tour:
    """A scheduled function run in a fresh container a day after tickets were opened (their
    clocks are due, the patrol's time has come, three look alike), or eight days after one was
    resolved for the auto-close (three business days over Thanksgiving)."""

    def tour(client: Any, clock: Any) -> set[Call]:
        from app import app

        for _ in range(3):
            _open(client, title="Printer offline on floor 3", description="The printer on floor 3 is offline")
        resolved = _open(client)
        r = client.http.post(f"/tickets/{resolved['number']}/transitions", headers=_agent(),
                             body=json.dumps({"to": "resolved", "version": resolved["version"]}))
        assert r.status_code == 200, r.body
        # rated low: the patrol finds it through the rollups and reads it back
        r = client.http.post(f"/tickets/{resolved['number']}/rating", headers=auth(),
                             body=json.dumps({"rating": 1, "comment": "slow"}))
        assert r.status_code == 201, r.body
        from tests.integration.test_reports_api import play_stream

        play_stream()
        if name == "retrain_classifier":
            _label_examples()
        clock.advance(days=8 if name == "auto_close" else 1)
        event = client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                resources=[])
        with record_calls() as log:
            _cold_container(clock)  # the container's init is the function's too
            app.handler_map[name](event, None)
        return log.actions()

    return tour


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
    assert "events" in {json.loads(b)["channel"] for b in bodies}
    failing = {**json.loads(bodies[0]), "notice_id": "tour:failing", "channel": "slack"}
    records = [(b, "1") for b in bodies] + [(json.dumps(later), "1"), (json.dumps(failing), "5"),
                                            (_slack_intake(clock), "1")]
    with record_calls() as log:
        _cold_container(clock)
        for body, attempt in records:
            event = client.events.generate_sqs_event(message_bodies=[body])
            event["Records"][0]["attributes"]["ApproximateReceiveCount"] = attempt
            with contextlib.suppress(Exception):  # the failing one raises, for SQS to retry
                app.handler_map["deliver_notices"](event, None)
    return log.actions()


def _slack_intake(clock: Any) -> str:
    """A ticket the Slack slash command acknowledged, for the notifier to open."""
    from chalicelib.domain.slack import SlackIntake
    from chalicelib.services.slack import intake_notice

    intake = SlackIntake(key="command:tour", source="command", type="incident", title="VPN is down",
                         description="VPN is down", team="T1", user="U1", user_name="steve", channel="C1")
    return intake_notice(intake, clock()).to_json()
def mail_tour(client: Any, clock: Any) -> set[Call]:
    """The mail function, in a fresh container, on the mail SES stored: a new message with files
    (a ticket opened, its files kept), the requester's reply (a comment, threaded back by the
    Message-ID the desk sent), the same reply again, a stranger's reply (refused with a notice)
    and an auto-reply (ignored)."""
    from pathlib import Path

    from app import app
    from chalicelib import wiring
    from chalicelib.inbound.mail import s3_event
    from chalicelib.storage.attachments import create_bucket, s3_client

    fixtures = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
    settings = wiring.desk().settings
    s3 = s3_client(settings)
    create_bucket(s3, settings.inbound_mail_bucket, settings.region)
    number = _open(client)["number"]
    wiring.desk().mail_ledger.remember_sent("tour-sent@example.com", number, clock())
    reply = ("From: alice@example.com\r\nTo: desk@example.com\r\nSubject: Re: your ticket\r\n"
             "Message-ID: <tour-reply@example.com>\r\nIn-Reply-To: <tour-sent@example.com>\r\n\r\nStill down.\r\n")
    messages = {
        "mail/new": (fixtures / "attachment.eml").read_bytes(),
        "mail/reply": reply.encode(),
        "mail/again": reply.encode(),
        "mail/stranger": (fixtures / "unknown_sender.eml").read_bytes().replace(b"INC-000001", number.encode()),
        "mail/ooo": (fixtures / "auto_reply.eml").read_bytes(),
    }
    for key, raw in messages.items():
        s3.put_object(Bucket=settings.inbound_mail_bucket, Key=key, Body=raw)
    with record_calls() as log:
        _cold_container(clock)
        for key in messages:
            outcomes = app.handler_map["receive_mail"](s3_event(settings.inbound_mail_bucket, key), None)
            assert (outcomes and outcomes[0]["action"] != "opened") or key == "mail/new", outcomes
    return log.actions()
