"""The SNS channel: publishes a notice to the operations alerts topic."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from chalicelib.config import Settings
from chalicelib.domain.notice import SNS, Notice
from chalicelib.notify.failures import aws_failure

#: SNS refuses a Subject longer than this.
SNS_SUBJECT_MAX = 100


def sns_subject(text: str) -> str:
    """An SNS Subject: printable ASCII on one line, at most :data:`SNS_SUBJECT_MAX` characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    one_line = " ".join("".join(ch if ch.isprintable() else " " for ch in ascii_text).split())
    if len(one_line) > SNS_SUBJECT_MAX:
        one_line = one_line[: SNS_SUBJECT_MAX - 3].rstrip() + "..."
    return one_line or "Service desk notice"


class SnsChannel:
    """Publishes to one SNS topic; attributes ``kind``, ``ticket`` and ``urgent`` let subscriptions filter."""

    name = SNS

    def __init__(self, sns_client: Any, topic_arn: str) -> None:
        self._sns = sns_client
        self.topic_arn = topic_arn

    @classmethod
    def from_settings(cls, settings: Settings, client: Callable[[str], Any]) -> SnsChannel | None:
        """On ``ALERTS_TOPIC_ARN``; None when no topic is configured."""
        return cls(client("sns"), settings.alerts_topic_arn) if settings.alerts_topic_arn else None

    def send(self, notice: Notice) -> None:
        attributes: dict[str, dict[str, str]] = {
            "kind": {"DataType": "String", "StringValue": notice.kind},
            "urgent": {"DataType": "String", "StringValue": "true" if notice.urgent else "false"},
            "notice_id": {"DataType": "String", "StringValue": notice.notice_id},
        }
        if notice.ticket:
            attributes["ticket"] = {"DataType": "String", "StringValue": notice.ticket}
        message = notice.text
        if notice.link and notice.link not in message:
            message = f"{message}\n{notice.link}"
        try:
            self._sns.publish(
                TopicArn=self.topic_arn,
                Subject=sns_subject(notice.subject),
                Message=message,
                MessageAttributes=attributes,
            )
        except Exception as exc:
            raise aws_failure("SNS publish", exc) from exc
