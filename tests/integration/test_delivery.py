"""Delivery on moto: outbox -> SQS -> notifier -> channels, retries and the dead-letter queue;
requester notices, the morning patrol, auto-close and the outbox route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.domain.notice import Notice
from chalicelib.notify.queue import SqsNoticeQueue, notice_from_message
from chalicelib.notify.slack import SlackWebhookChannel
from chalicelib.services.delivery import DeliveryFailed, Notifier
from chalicelib.storage.aws import count_dynamodb_requests
from tests.conftest import auth
from tests.unit.fakes import FakeClock

MONDAY_9AM_CHICAGO = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def agent() -> dict[str, str]:
    return auth("ann", "agent")


@pytest.fixture
def desk(client: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The notice queue and alerts topic on moto, every channel on, and a fixed clock."""
    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client as aws_client
    from chalicelib.storage.tables import create_messaging

    urls = create_messaging(get_settings(), aws_client("sqs"), aws_client("sns"))
    for name, value in urls.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NOTIFY_CHANNELS", "outbox,sns,email")
    monkeypatch.setenv("EMAIL_SENDER", "desk@example.com")
    get_settings.cache_clear()
    wiring.install(None)
    aws_client("ses").verify_email_identity(EmailAddress="desk@example.com")
    clock = FakeClock(MONDAY_9AM_CHICAGO)
    wiring.install(wiring.bootstrap(clock=clock))
    yield {"client": client, "clock": clock, **urls}
    wiring.install(None)


def _open(client: Any, **body: Any) -> dict[str, Any]:
    payload = {"type": "incident", "title": "VPN down", "description": "The tunnel will not come up", **body}
    r = client.http.post("/tickets", headers=auth(), body=json.dumps(payload))
    assert r.status_code == 201, r.body
    return dict(r.json_body)


def _drain(queue_url: str) -> list[dict[str, Any]]:
    from chalicelib.storage.aws import client as aws_client

    sqs = aws_client("sqs")
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], AttributeNames=["All"]
        )
        messages = got.get("Messages", [])
        if not messages:
            return out
        for m in messages:
            out.append(m)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def _outbox(client: Any, day: str = "2026-11-23") -> list[dict[str, Any]]:
    r = client.http.get(f"/admin/outbox?day={day}&limit=200", headers=agent())
    assert r.status_code == 200, r.body
    return list(r.json_body["notices"])


def test_acknowledgement_flows_from_outbox_through_the_queue_to_its_channels(desk: dict[str, Any]) -> None:
    from app import app
    from chalicelib import wiring

    client = desk["client"]
    t = _open(client)
    acks = [n for n in _outbox(client) if n["kind"] == "acknowledgement"]
    assert {n["channel"] for n in acks} == {"outbox", "email"} and all(n["state"] == "pending" for n in acks)
    assert t["number"] in acks[0]["text"] and "Classified as incident" in acks[0]["text"]
    pending = [n for n in _outbox(client) if n["state"] == "pending"]  # the assignee is told too
    report = wiring.desk().outbox_relay.relay()
    assert report.queued == len(pending) >= 2
    messages = _drain(desk["NOTICES_QUEUE_URL"])
    event = client.events.generate_sqs_event(message_bodies=[m["Body"] for m in messages])
    for record in event["Records"]:
        app.handler_map["deliver_notices"]({"Records": [record]}, None)
    states = {n["channel"]: n["state"] for n in _outbox(client) if n["kind"] == "acknowledgement"}
    assert states == {"outbox": "delivered", "email": "delivered"}
    # Redelivered by the queue: nothing is sent twice.
    again = wiring.desk().notifier.deliver(notice_from_message(messages[0]["Body"]), attempt=2)
    assert again == "duplicate"


def test_resolution_sends_a_completion_notice_with_confirm_and_reopen_links(desk: dict[str, Any]) -> None:
    client = desk["client"]
    t = _open(client)
    r = client.http.post(
        f"/tickets/{t['number']}/transitions",
        headers=agent(),
        body=json.dumps({"to": "resolved", "version": t["version"]}),
    )
    completion = [n for n in _outbox(client) if n["kind"] == "completion"]
    assert {n["channel"] for n in completion} == {"outbox", "email"}
    data = completion[0]["data"]
    assert data["confirm_link"] in completion[0]["text"] and data["reopen_link"] in completion[0]["text"]
    assert "/links/" in data["confirm_link"] and data["confirm_link"] != data["reopen_link"]
    assert r.json_body["status"] == "resolved"


def test_a_failing_channel_is_retried_then_dead_lettered_with_its_reason(desk: dict[str, Any]) -> None:
    from chalicelib import wiring
    from chalicelib.storage.aws import client as aws_client

    calls: list[str] = []

    def failing_post(url: str, body: bytes, headers: Any, timeout: float) -> tuple[int, str]:
        calls.append(url)
        return 503, "service unavailable"

    outbox = wiring.desk().outbox
    queue = SqsNoticeQueue(aws_client("sqs"), desk["NOTICES_QUEUE_URL"], desk["NOTICES_DLQ_URL"])
    channels = {
        "slack": SlackWebhookChannel("https://hooks.slack.test/T/B/X", post=failing_post),
        "outbox": wiring.desk().notifier.channels["outbox"],
    }
    notifier = Notifier(outbox, channels, wiring.desk().clock, queue=queue, max_attempts=3)
    now = desk["clock"]()
    notices = [
        Notice(
            "INC-000009:resolution:breach:1:1#slack", "sla_breach", "INC-000009", "operations", "slack", "s", "t", now
        ),
        Notice(
            "INC-000009:resolution:breach:1:1#outbox", "sla_breach", "INC-000009", "operations", "outbox", "s", "t", now
        ),
    ]
    from chalicelib.storage.outbox import DynamoClaims

    assert DynamoClaims().claim("INC-000009:resolution:breach:1:1", now, None, notices)
    # The outbox channel is not held up by the failing Slack webhook.
    assert notifier.deliver(notices[1], attempt=1) == "delivered"
    for attempt in (1, 2):
        with pytest.raises(DeliveryFailed):
            notifier.deliver(notices[0], attempt=attempt)
    assert notifier.deliver(notices[0], attempt=3) == "dead_lettered"
    stored = outbox.get(notices[0].notice_id)
    assert stored is not None and stored.state == "failed" and stored.attempts == 3
    assert stored.notice == notices[0] and "503" in (stored.last_error or "")
    dead = _drain(desk["NOTICES_DLQ_URL"])
    assert len(dead) == 1 and "503" in dead[0]["MessageAttributes"]["reason"]["StringValue"]
    assert notice_from_message(dead[0]["Body"]) == notices[0]
    assert len(calls) == 3


def test_quiet_hours_put_a_notice_back_until_the_recipient_works(desk: dict[str, Any]) -> None:
    from chalicelib import wiring

    now = desk["clock"]()
    notice = Notice("INC-000010:x#outbox", "escalation", "INC-000010", "nadia", "outbox", "s", "t", now)
    notice = notice.with_delivery_after(now + timedelta(hours=10))
    from chalicelib.storage.aws import client as aws_client

    assert wiring.desk().notifier.deliver(notice, attempt=1) == "deferred"
    attributes = aws_client("sqs").get_queue_attributes(
        QueueUrl=desk["NOTICES_QUEUE_URL"], AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"  # back on the queue, delayed


def test_sweep_schedule_fires_warnings_and_relays_them(desk: dict[str, Any]) -> None:
    from app import app

    client = desk["client"]
    _open(client, title="Printer offline", description="Floor 3 printer is offline")
    desk["clock"].advance(hours=3, minutes=30)
    result = app.handler_map["sla_sweep"](_scheduled(), None)
    assert result["alerts"] == 1 and result["queued"] >= 2
    kinds = sorted({n["kind"] for n in _outbox(client)})
    assert "sla_warning" in kinds and "escalation" in kinds
    assert app.handler_map["sla_sweep"](_scheduled(), None)["alerts"] == 0


def test_morning_patrol_digest_route_and_schedule_send_once(desk: dict[str, Any]) -> None:
    from app import app

    client = desk["client"]
    _open(client, impact="high", urgency="high", title="Mail outage", description="Outlook cannot connect")
    _open(client, title="Holodeck", description="book it", service="holodeck")
    r = client.http.get("/reports/patrol?date=2026-11-23", headers=auth("max", "manager"))
    assert r.status_code == 200, r.body
    digest = r.json_body
    text = json.dumps(digest)
    assert "Mail outage" in text and "Holodeck" in text
    assert client.http.get("/reports/patrol?date=yesterday", headers=auth("max", "manager")).status_code == 400
    assert client.http.get("/reports/patrol", headers=auth()).status_code == 403
    desk["clock"].now = datetime(2026, 11, 24, 13, 0, tzinfo=timezone.utc)  # 07:00 in Chicago: too early
    assert app.handler_map["morning_patrol"](_scheduled(), None)["sent"] is False
    desk["clock"].now = datetime(2026, 11, 24, 14, 5, tzinfo=timezone.utc)  # 08:05 in Chicago
    assert app.handler_map["morning_patrol"](_scheduled(), None)["sent"] is True
    with count_dynamodb_requests() as counter:  # the day's later runs read the claim alone
        assert app.handler_map["morning_patrol"](_scheduled(), None)["sent"] is False
    assert counter.calls == ["GetItem"]
    patrols = [n for n in _outbox(client, "2026-11-24") if n["kind"] == "patrol"]
    assert {n["channel"] for n in patrols} == {"outbox", "sns", "email"}
    assert patrols[0]["recipient"] in ("service.manager", "service.manager@example.com")


def test_auto_close_after_three_business_days_without_an_answer(desk: dict[str, Any]) -> None:
    from app import app

    client = desk["client"]
    t = _open(client)
    t = client.http.post(
        f"/tickets/{t['number']}/transitions",
        headers=agent(),
        body=json.dumps({"to": "resolved", "version": t["version"]}),
    ).json_body
    # Resolved Monday 09:00 in Chicago. Thursday 26 November is Thanksgiving (a US holiday in
    # the office calendar), so three business days have passed only on the following Tuesday.
    desk["clock"].now = MONDAY_9AM_CHICAGO + timedelta(days=3, minutes=1)  # Thanksgiving, 09:01
    assert app.handler_map["auto_close"](_scheduled(), None)["closed"] == []
    desk["clock"].now = MONDAY_9AM_CHICAGO + timedelta(days=8, minutes=1)  # Tuesday 1 December, 09:01
    assert app.handler_map["auto_close"](_scheduled(), None)["closed"] == [t["number"]]
    closed = client.http.get(f"/tickets/{t['number']}", headers=agent()).json_body
    assert closed["status"] == "closed"
    notices = [n for n in _outbox(client, "2026-12-01") if n["kind"] == "status_change"]
    assert notices and "is closed" in notices[0]["text"]


def test_outbox_route_validates_its_parameters(desk: dict[str, Any]) -> None:
    client = desk["client"]
    assert client.http.get("/admin/outbox?day=2026-13-01", headers=agent()).status_code == 400
    assert client.http.get("/admin/outbox?limit=0", headers=agent()).status_code == 400
    assert client.http.get("/admin/outbox", headers=auth()).status_code == 403


def _scheduled() -> dict[str, Any]:
    return {
        "version": "0",
        "id": "test",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": "2026-11-23T15:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {},
    }


def test_patrol_date_default_is_today(desk: dict[str, Any]) -> None:
    r = desk["client"].http.get("/reports/patrol", headers=auth("max", "manager"))
    assert r.status_code == 200
    assert date(2026, 11, 23).isoformat() in json.dumps(r.json_body)
