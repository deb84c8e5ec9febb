"""Notices, their texts, the channels that need no AWS (Slack with a fake ``post``, the outbox),
the channel declarations and the notifier routing a notice to its channel."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.config import Settings, get_settings
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.notice import (
    CHANNEL_NAMES,
    CHANNELS,
    NOTICE_KINDS,
    OPERATIONS,
    REQUESTER,
    SERVICE_MANAGER,
    SLA_BREACH,
    ChannelDeclaration,
    Notice,
)
from chalicelib.notify.email import SesEmailChannel
from chalicelib.notify.failures import DeliveryError
from chalicelib.notify.formatting import format_email, format_left, format_slack_message, sla_alert_text
from chalicelib.notify.outbox import OutboxChannel
from chalicelib.notify.registry import ADAPTERS, build_channels
from chalicelib.notify.slack import SlackWebhookChannel
from chalicelib.notify.sns import SNS_SUBJECT_MAX, SnsChannel, sns_subject
from chalicelib.services.delivery import DeliveryFailed, Notifier, OutboxEntry
from chalicelib.services.notices import NoticeFactory

AT = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
LINK = "https://desk/tickets/INC-000042"
WEBHOOK = "https://hooks.slack.example/services/T/B/X"


def breach_text() -> str:
    return sla_alert_text(
        "INC-000042",
        priority="P2",
        title="Printer offline",
        clock="resolution",
        alert="breach",
        at=AT,
        left_seconds=0,
        assignee="ann",
        group="network",
        link=LINK,
    )


def breach_notice(**changes: Any) -> Notice:
    fields: dict[str, Any] = {
        "notice_id": "INC-000042:resolution:breach:1:1",
        "kind": "sla_breach",
        "ticket": "INC-000042",
        "recipient": "ann",
        "channel": "slack",
        "subject": "INC-000042 resolution breached",
        "text": breach_text(),
        "link": LINK,
        "created_at": AT,
        "data": {
            "type": "incident",
            "priority": "P2",
            "title": "Printer offline",
            "clock": "resolution",
            "alert": "breach",
            "left_seconds": 0,
            "assignee": "ann",
            "group": "network",
        },
    }
    fields.update(changes)
    return Notice(**fields)


class FakePost:
    def __init__(self, status: int = 200, answer: str = "ok") -> None:
        self.status = status
        self.answer = answer
        self.calls: list[tuple[str, dict[str, Any], Mapping[str, str], float]] = []

    def __call__(self, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, str]:
        self.calls.append((url, json.loads(body), headers, timeout))
        return self.status, self.answer


# -- texts ---------------------------------------------------------------------------------------


def test_sla_alert_text_reads_well() -> None:
    assert breach_text() == (
        "INC-000042 (P2, Printer offline): resolution clock breached at 14:05 UTC; 0 min left. "
        "Assigned to ann (network). https://desk/tickets/INC-000042"
    )
    warning = sla_alert_text(
        "REQ-000007",
        priority="P3",
        title=None,
        clock="first_response",
        alert="warning",
        threshold=0.75,
        at=AT,
        left_seconds=5400,
        assignee=None,
        group="service-desk",
    )
    assert warning == (
        "REQ-000007 (P3): first response clock reached its 75% warning at 14:05 UTC; 1 h 30 min left. "
        "Unassigned (group service-desk)."
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 min"), (59, "0 min"), (2700, "45 min"), (3600, "1 h"), (5400, "1 h 30 min"), (183600, "2 d 3 h"),
     (-5, "0 min"), (None, "unknown")],
)  # fmt: skip
def test_format_left(seconds: float | None, text: str) -> None:
    assert format_left(seconds) == text


def test_slack_message_has_ticket_clock_time_left_and_link() -> None:
    message = format_slack_message(breach_notice(urgent=True))
    first = message["blocks"][0]["text"]
    assert first["type"] == "mrkdwn"
    assert first["text"].startswith(":rotating_light: *URGENT* *<https://desk/tickets/INC-000042|INC-000042>* ")
    fields = [f["text"] for f in message["blocks"][1]["fields"]]
    assert fields == [
        "*Clock*\nresolution (breached)",
        "*Time left*\n0 min",
        "*Priority*\nP2",
        "*Assigned to*\nann (network)",
    ]
    assert message["blocks"][-1]["elements"][0]["text"] == f"sla breach · <{LINK}|Open INC-000042>"
    assert message["text"].startswith("URGENT INC-000042 resolution breached: INC-000042 (P2, Printer offline)")


def test_slack_message_escapes_mrkdwn() -> None:
    message = format_slack_message(breach_notice(text="a <b> & c", subject="x>y", data={}))
    assert "a &lt;b&gt; &amp; c" in message["blocks"][0]["text"]["text"]
    assert "x&gt;y" in message["blocks"][0]["text"]["text"]
    assert len(message["blocks"]) == 2  # no fields without data


def test_email_for_staff_and_for_requesters() -> None:
    subject, body = format_email(breach_notice(channel="email", urgent=True))
    assert subject == "URGENT: INC-000042 resolution breached"
    assert body.startswith(breach_text())
    assert body.rstrip().endswith("Ticket INC-000042, notice INC-000042:resolution:breach:1:1")

    done = breach_notice(
        kind="completion",
        subject="Your request REQ-000007 is resolved",
        text="We resolved your request: the printer driver was reinstalled.",
        link="https://desk/tickets/REQ-000007",
        data={"confirm_link": "https://desk/t/REQ-000007/confirm?k=1", "reopen_link": "https://desk/t/REQ-000007/reopen?k=1"},
    )  # fmt: skip
    _, body = format_email(done)
    assert "If this solves it, please confirm: https://desk/t/REQ-000007/confirm?k=1" in body
    assert "If it does not, reopen the ticket: https://desk/t/REQ-000007/reopen?k=1" in body
    assert "How did we do?" not in body
    rated = breach_notice(
        kind="completion", text="Resolved.", link="https://desk/tickets/REQ-000007",
        data={"confirm_link": "https://desk/links/c", "rate_link": "https://desk/links/r"},
    )
    assert "How did we do? Rate it from 1 to 5: https://desk/links/r" in format_email(rated)[1]

    bare = breach_notice(kind="completion", text="Resolved.", link="https://desk/tickets/REQ-000007", data={})
    assert "Confirm the solution or reopen the ticket here: https://desk/tickets/REQ-000007" in format_email(bare)[1]

    ack = breach_notice(kind="acknowledgement", text="We received REQ-000007.", link="https://desk/tickets/REQ-000007")
    assert "Follow your ticket here: https://desk/tickets/REQ-000007" in format_email(ack)[1]


def test_sns_subject_is_short_ascii_one_line() -> None:
    assert sns_subject("Café\nbreach — INC-000042") == "Cafe breach INC-000042"
    long = sns_subject("x" * 300)
    assert len(long) == SNS_SUBJECT_MAX and long.endswith("...")
    assert sns_subject("\n") == "Service desk notice"


# -- the notice as a queue message ---------------------------------------------------------------


def test_notice_json_round_trip() -> None:
    notice = breach_notice(deliver_after=AT + timedelta(hours=12), urgent=True)
    assert Notice.from_json(notice.to_json()) == notice
    assert Notice.from_dict(json.loads(json.dumps(notice.to_dict()))) == notice


def test_notice_from_dict_lists_every_problem() -> None:
    with pytest.raises(ValidationFailed) as caught:
        Notice.from_dict({"kind": "gossip", "channel": "pigeon", "created_at": "yesterday", "urgent": "yes"})
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"notice_id", "recipient", "subject", "text", "kind", "channel", "created_at", "urgent"}


@given(
    kind=st.sampled_from(NOTICE_KINDS),
    channel=st.sampled_from(CHANNEL_NAMES),
    text=st.text(max_size=200),
    urgent=st.booleans(),
    ticket=st.none() | st.from_regex(r"INC-\d{6}", fullmatch=True),
    minutes=st.none() | st.integers(min_value=0, max_value=10_000),
)
def test_any_notice_round_trips(
    kind: str, channel: str, text: str, urgent: bool, ticket: str | None, minutes: int | None
) -> None:
    notice = Notice(
        notice_id="n",
        kind=kind,
        ticket=ticket,
        recipient="r",
        channel=channel,
        subject=text[:50],
        text=text,
        created_at=AT,
        urgent=urgent,
        data={"left_seconds": minutes},
        deliver_after=None if minutes is None else AT + timedelta(minutes=minutes),
    )
    assert Notice.from_json(notice.to_json()) == notice


# -- channels ------------------------------------------------------------------------------------


def test_slack_posts_the_message() -> None:
    post = FakePost()
    channel = SlackWebhookChannel(WEBHOOK, post=post)
    channel.send(breach_notice())
    ((url, body, headers, timeout),) = post.calls
    assert url == WEBHOOK and timeout == 10.0
    assert headers["Content-Type"].startswith("application/json")
    assert body == format_slack_message(breach_notice())


@pytest.mark.parametrize(("status", "retryable"), [(429, True), (500, True), (503, True), (400, False), (404, False)])
def test_slack_failures(status: int, retryable: bool) -> None:
    channel = SlackWebhookChannel(WEBHOOK, post=FakePost(status, "invalid_payload"))
    with pytest.raises(DeliveryError) as caught:
        channel.send(breach_notice())
    assert caught.value.retryable is retryable
    assert str(status) in caught.value.reason


def test_slack_needs_https() -> None:
    with pytest.raises(ValueError):
        SlackWebhookChannel("http://hooks.slack.example/x")


def test_outbox_keeps_every_notice_in_memory() -> None:
    kept: list[Notice] = []
    outbox = OutboxChannel(kept.append)
    outbox.send(breach_notice())
    outbox.send(breach_notice(notice_id="other"))
    assert [n.notice_id for n in kept] == ["INC-000042:resolution:breach:1:1", "other"]
    default = OutboxChannel()
    default.send(breach_notice())
    assert len(default.notices) == 1


def test_outbox_store_failure_is_retryable() -> None:
    def broken(notice: Notice) -> None:
        raise RuntimeError("table unavailable")

    with pytest.raises(DeliveryError) as caught:
        OutboxChannel(broken).send(breach_notice())
    assert caught.value.retryable


class FailingClient:
    def __init__(self, code: str, status: int) -> None:
        from botocore.exceptions import ClientError

        response: Any = {"Error": {"Code": code, "Message": "nope"}, "ResponseMetadata": {"HTTPStatusCode": status}}
        self.error = ClientError(response, "Op")

    def publish(self, **kwargs: Any) -> None:
        raise self.error

    def send_raw_email(self, **kwargs: Any) -> None:
        raise self.error


@pytest.mark.parametrize(
    ("code", "status", "retryable"),
    [("Throttling", 400, True), ("InternalError", 500, True), ("InvalidParameter", 400, False)],
)
def test_aws_errors_map_to_delivery_errors(code: str, status: int, retryable: bool) -> None:
    with pytest.raises(DeliveryError) as caught:
        SnsChannel(FailingClient(code, status), "arn:aws:sns:us-east-1:123456789012:t").send(breach_notice())
    assert caught.value.retryable is retryable and code in caught.value.reason


def test_email_needs_an_address() -> None:
    with pytest.raises(DeliveryError) as caught:
        SesEmailChannel(FailingClient("MessageRejected", 400), "desk@example.org").send(breach_notice(recipient="ann"))
    assert not caught.value.retryable
    with pytest.raises(DeliveryError) as rejected:
        SesEmailChannel(FailingClient("MessageRejected", 400), "desk@example.org").send(
            breach_notice(recipient="ann@example.org")
        )
    assert not rejected.value.retryable


# -- channel declarations, adapters and the notifier ---------------------------------------------


class InMemoryOutbox:
    """The notifier's outbox: entries by notice id."""

    def __init__(self, notices: list[Notice]) -> None:
        self.entries = {n.notice_id: OutboxEntry(n, "queued") for n in notices}

    def pending(self) -> list[str]:
        return [i for i, e in self.entries.items() if e.state == "pending"]

    def get(self, notice_id: str) -> OutboxEntry | None:
        return self.entries.get(notice_id)

    def mark_queued(self, notice_id: str, now: datetime) -> bool:
        return True

    def record_failure(self, notice_id: str, reason: str, final: bool) -> None:
        entry = self.entries[notice_id]
        self.entries[notice_id] = replace(
            entry, state="failed" if final else "retrying", attempts=entry.attempts + 1, last_error=reason
        )

    def mark_delivered(self, notice_id: str, now: datetime) -> bool:
        entry = self.entries[notice_id]
        if entry.state == "delivered":
            return False
        self.entries[notice_id] = replace(entry, state="delivered", attempts=entry.attempts + 1, delivered_at=now)
        return True


def no_aws(service: str) -> Any:
    raise AssertionError(f"no {service} client is needed")


def settings(*channels: str, **changes: Any) -> Settings:
    base = {"alerts_topic_arn": "", "slack_webhook_url": "", "email_sender": ""}
    return replace(get_settings(), notify_channels=channels, **{**base, **changes})


def factory(*channels: str, declared: tuple[ChannelDeclaration, ...] = CHANNELS) -> NoticeFactory:
    return NoticeFactory(channels=channels, public_url="https://desk", declared=declared)


def notices_for(built: NoticeFactory, audience: str) -> list[Notice]:
    return built.build(
        happened="INC-000042:resolution:breach:1:1",
        kind=SLA_BREACH,
        ticket=None,
        recipient="network",
        subject="INC-000042 resolution breached",
        text=breach_text(),
        now=AT,
        audience=audience,
    )


def test_each_audience_reaches_the_enabled_channels_declared_for_it() -> None:
    every = factory(*CHANNEL_NAMES)
    assert [n.channel for n in notices_for(every, OPERATIONS)] == ["outbox", "sns", "slack"]
    assert [n.channel for n in notices_for(every, REQUESTER)] == ["outbox", "email", "slack_thread"]
    assert [n.channel for n in notices_for(every, SERVICE_MANAGER)] == ["outbox", "sns", "slack", "email"]
    assert [n.channel for n in notices_for(every, "systems")] == ["outbox", "events"]
    assert [n.channel for n in notices_for(factory("email"), OPERATIONS)] == ["outbox"]
    assert [n.notice_id for n in notices_for(factory("slack"), OPERATIONS)] == [
        "INC-000042:resolution:breach:1:1#outbox",
        "INC-000042:resolution:breach:1:1#slack",
    ]
    with pytest.raises(ValueError):
        notices_for(every, "everyone")


def test_every_declared_channel_has_an_adapter() -> None:
    assert set(ADAPTERS) == set(CHANNEL_NAMES)


def test_channels_are_built_when_enabled_and_configured() -> None:
    assert set(build_channels(settings(), no_aws)) == {"outbox"}
    # Enabled without its webhook or topic: left out rather than failing every notice.
    assert set(build_channels(settings("slack", "sns"), no_aws)) == {"outbox"}
    built = build_channels(settings("slack", "sns", slack_webhook_url=WEBHOOK), no_aws)
    assert set(built) == {"outbox", "slack"} and isinstance(built["slack"], SlackWebhookChannel)


class TeamsChannel:
    """A channel the desk does not have: declared and adapted in this test alone."""

    name = "teams"
    sent: list[Notice] = []

    @classmethod
    def from_settings(cls, settings: Settings, client: Callable[[str], Any]) -> TeamsChannel:
        return cls()

    def send(self, notice: Notice) -> None:
        TeamsChannel.sent.append(notice)


def test_a_new_channel_is_one_declaration_and_one_adapter() -> None:
    teams = ChannelDeclaration("teams", frozenset({OPERATIONS}))
    declared = (*CHANNELS, teams)
    TeamsChannel.sent.clear()

    notices = notices_for(factory("teams", declared=declared), OPERATIONS)
    assert [n.channel for n in notices] == ["outbox", "teams"]
    assert notices_for(factory("teams", declared=declared), REQUESTER)[-1].channel == "outbox"

    channels = build_channels(
        settings("teams"), no_aws, declared=declared, adapters={**ADAPTERS, "teams": TeamsChannel.from_settings}
    )
    assert set(channels) == {"outbox", "teams"}
    outbox = InMemoryOutbox(notices)
    notifier = Notifier(outbox, channels, lambda: AT)
    assert [notifier.deliver(n, attempt=1) for n in notices] == ["delivered", "delivered"]
    assert TeamsChannel.sent == [notices[1]]
    assert notifier.deliver(notices[1], attempt=2) == "duplicate" and len(TeamsChannel.sent) == 1


def test_a_notice_for_a_channel_not_configured_fails_and_is_recorded() -> None:
    notice = breach_notice(channel="slack")
    outbox = InMemoryOutbox([notice])
    notifier = Notifier(outbox, {"outbox": OutboxChannel()}, lambda: AT, max_attempts=2)
    with pytest.raises(DeliveryFailed) as caught:
        notifier.deliver(notice, attempt=1)
    assert "slack" in caught.value.reason
    entry = outbox.get(notice.notice_id)
    assert entry is not None and entry.state == "retrying" and entry.attempts == 1
