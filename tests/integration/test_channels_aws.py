"""SNS and SES channels against moto: the message reaches a subscribed queue, the email is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_string, policy
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.domain.notice import Notice
from chalicelib.notify.email import SesEmailChannel
from chalicelib.notify.failures import DeliveryError
from chalicelib.notify.formatting import format_email
from chalicelib.notify.sns import SnsChannel

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
AT = datetime(2026, 11, 23, 14, 5, tzinfo=UTC)
SENDER = "desk@example.org"


def notice(**changes: Any) -> Notice:
    fields: dict[str, Any] = {
        "notice_id": "INC-000042:resolution:breach:1:1",
        "kind": "sla_breach",
        "ticket": "INC-000042",
        "recipient": "network",
        "channel": "sns",
        "subject": "INC-000042 (P2, Printer offline): resolution breached — assigned to ann " + "x" * 80,
        "text": "INC-000042 (P2, Printer offline): resolution clock breached at 14:05 UTC; 0 min left. "
        "Assigned to ann (network).",
        "link": "https://desk/tickets/INC-000042",
        "urgent": True,
        "created_at": AT,
    }
    fields.update(changes)
    return Notice(**fields)


@pytest.fixture
def aws_mock() -> Iterator[None]:
    with mock_aws():
        yield


def test_sns_message_reaches_a_subscribed_queue(aws_mock: None) -> None:
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic_arn = sns.create_topic(Name="desk-notices")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="desk-notices-copy")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    SnsChannel(sns, topic_arn).send(notice())

    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)["Messages"]
    assert len(messages) == 1
    envelope = json.loads(messages[0]["Body"])
    assert envelope["TopicArn"] == topic_arn
    assert len(envelope["Subject"]) <= 100 and envelope["Subject"].startswith("INC-000042 (P2, Printer offline)")
    assert envelope["Subject"].isascii()
    assert envelope["Message"].endswith("Assigned to ann (network).\nhttps://desk/tickets/INC-000042")
    attributes = {name: value["Value"] for name, value in envelope["MessageAttributes"].items()}
    assert attributes["kind"] == "sla_breach"
    assert attributes["ticket"] == "INC-000042"
    assert attributes["urgent"] == "true"


def test_sns_without_ticket_omits_the_attribute(aws_mock: None) -> None:
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic_arn = sns.create_topic(Name="desk-patrol")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="desk-patrol-copy")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    SnsChannel(sns, topic_arn).send(notice(kind="patrol", ticket=None, urgent=False, subject="Morning patrol"))

    (message,) = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    attributes = json.loads(message["Body"])["MessageAttributes"]
    assert "ticket" not in attributes and attributes["urgent"]["Value"] == "false"


def test_sns_to_a_missing_topic_is_not_retryable(aws_mock: None) -> None:
    sns = boto3.client("sns", region_name=REGION)
    with pytest.raises(DeliveryError) as caught:
        SnsChannel(sns, f"arn:aws:sns:{REGION}:{ACCOUNT}:nowhere").send(notice())
    assert not caught.value.retryable


def test_ses_sends_the_formatted_email(aws_mock: None) -> None:
    from moto.ses.models import ses_backends

    ses = boto3.client("ses", region_name=REGION)
    ses.verify_email_identity(EmailAddress=SENDER)
    completion = notice(
        kind="completion",
        channel="email",
        recipient="bob@example.org",
        urgent=False,
        subject="Your request REQ-000007 is resolved",
        text="We reinstalled the printer driver.",
        ticket="REQ-000007",
        link="https://desk/tickets/REQ-000007",
        data={"confirm_link": "https://desk/c/REQ-000007", "reopen_link": "https://desk/r/REQ-000007"},
    )

    SesEmailChannel(ses, SENDER, desk_address="servicedesk@example.org").send(completion)

    backend = ses_backends[ACCOUNT][REGION]
    (sent,) = backend.sent_messages
    mail = message_from_string(sent.raw_data, policy=policy.default)
    subject, body = format_email(completion)
    assert sent.source == SENDER
    assert set(sent.destinations) == {"bob@example.org"}  # moto adds the To header's too
    assert mail["Subject"] == "[REQ-000007] " + subject
    assert mail["Reply-To"] == "servicedesk+REQ-000007@example.org"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["References"] == "<REQ-000007@example.org>"
    assert mail["Message-ID"].endswith(".REQ-000007@example.org>")
    assert mail.get_content().replace("\r\n", "\n") == body  # sent with CRLF line ends
    assert "https://desk/r/REQ-000007" in body


def test_ses_from_an_unverified_sender_is_rejected(aws_mock: None) -> None:
    ses = boto3.client("ses", region_name=REGION)
    with pytest.raises(DeliveryError) as caught:
        SesEmailChannel(ses, "stranger@example.org").send(notice(channel="email", recipient="bob@example.org"))
    assert not caught.value.retryable
    assert "MessageRejected" in caught.value.reason
