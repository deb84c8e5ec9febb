"""The notice queue and its dead-letter queue on SQS: the adapter behind the ``NoticeQueue`` port.

A message body is the notice's JSON (:meth:`~chalicelib.domain.notice.Notice.to_json`); the
dead-letter copy carries why it failed as the ``reason`` message attribute.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.notice import Notice


def notice_from_message(body: str) -> Notice:
    """The notice a queue message carries (``ValidationFailed`` when the body is not one)."""
    return Notice.from_json(body)


class SqsNoticeQueue:
    """The notice queue and its dead-letter queue on SQS."""

    def __init__(self, sqs_client: Any, queue_url: str, dead_letter_url: str | None = None) -> None:
        self.sqs = sqs_client
        self.queue_url = queue_url
        self.dead_letter_url = dead_letter_url

    def send(self, notice: Notice, delay_seconds: int = 0) -> None:
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=notice.to_json(), DelaySeconds=delay_seconds)

    def dead_letter(self, notice: Notice, reason: str) -> None:
        url = self.dead_letter_url or self._dead_letter_from_redrive()
        self.sqs.send_message(
            QueueUrl=url,
            MessageBody=notice.to_json(),
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:1000]}},
        )

    def _dead_letter_from_redrive(self) -> str:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"])
        arn = json.loads(attributes["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"]
        name = arn.rsplit(":", 1)[-1]
        self.dead_letter_url = str(self.sqs.get_queue_url(QueueName=name)["QueueUrl"])
        return self.dead_letter_url
