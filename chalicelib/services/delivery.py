"""Delivery: the outbox relay (outbox -> queue) and the notifier (queue -> channel).

The relay hands every pending outbox item to the SQS queue and marks it queued. The notifier
(the queue's Lambda) delivers one notice to its one channel: a failing channel only ever fails
its own notices. A failure is recorded on the outbox item and re-raised so SQS retries it with
its visibility timeout as backoff; the last attempt moves the notice to the dead-letter queue
with the reason as a message attribute. A notice whose recipient is in quiet hours is put back
on the queue with a delay until ``deliver_after``. A notice delivered once is never delivered
again, even if the queue hands it over twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.observability import logger
from chalicelib.services.ports import Clock

#: The longest delay SQS accepts on one message.
MAX_QUEUE_DELAY_SECONDS = 900


class OutboxStore(Protocol):
    def pending(self) -> Iterable[str]: ...

    def get(self, notice_id: str) -> dict[str, Any] | None: ...

    def mark_queued(self, notice_id: str, now: datetime) -> bool: ...

    def record_failure(self, notice_id: str, reason: str, final: bool) -> None: ...

    def mark_delivered(self, notice_id: str, now: datetime) -> bool: ...

    def list_day(self, day: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Every notice of a day (``YYYY-MM-DD``) with its delivery state, a page at a time."""
        ...


class NoticeQueue(Protocol):
    def send(self, notice: Mapping[str, Any], delay_seconds: int = 0) -> None: ...

    def dead_letter(self, notice: Mapping[str, Any], reason: str) -> None: ...


class Sender(Protocol):
    def send(self, notice: Mapping[str, Any]) -> None:
        """Deliver one notice on its channel; raise ``DeliveryError`` on failure."""
        ...


class DeliveryFailed(Exception):
    """Raised by the notifier so the queue retries the message."""

    def __init__(self, notice_id: str, reason: str) -> None:
        super().__init__(f"{notice_id}: {reason}")
        self.notice_id = notice_id
        self.reason = reason


@dataclass
class RelayReport:
    queued: int = 0
    delivered_inline: int = 0


class OutboxRelay:
    """Moves pending notices from the outbox to the queue (or delivers them inline without one)."""

    def __init__(self, outbox: OutboxStore, queue: NoticeQueue | None, clock: Clock, notifier: Notifier) -> None:
        self.outbox = outbox
        self.queue = queue
        self.clock = clock
        self.notifier = notifier

    def relay(self) -> RelayReport:
        report = RelayReport()
        now = self.clock()
        for notice_id in list(self.outbox.pending()):
            notice = self.outbox.get(notice_id)
            if notice is None or not self.outbox.mark_queued(notice_id, now):
                continue
            if self.queue is None:
                self.notifier.deliver(notice, attempt=1)
                report.delivered_inline += 1
            else:
                self.queue.send(_message(notice), self.notifier.delay_seconds(notice))
                report.queued += 1
        return report


def _message(notice: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("state", "attempts", "last_error", "delivered_at")
    return {k: v for k, v in notice.items() if k not in keep}


class Notifier:
    def __init__(
        self,
        outbox: OutboxStore,
        senders: Mapping[str, Sender],
        clock: Clock,
        *,
        queue: NoticeQueue | None = None,
        max_attempts: int = 5,
    ) -> None:
        self.outbox = outbox
        self.senders = senders
        self.clock = clock
        self.queue = queue
        self.max_attempts = max_attempts

    def delay_seconds(self, notice: Mapping[str, Any]) -> int:
        after = notice.get("deliver_after")
        if not after:
            return 0
        wait = (datetime.fromisoformat(after) - self.clock()).total_seconds()
        return max(0, min(MAX_QUEUE_DELAY_SECONDS, int(wait + 0.999)))

    def deliver(self, notice: Mapping[str, Any], attempt: int) -> str:
        """Deliver one notice; returns ``delivered``, ``duplicate`` or ``deferred``.

        Raises :class:`DeliveryFailed` when the channel failed and the queue should retry.
        """
        notice_id = str(notice["notice_id"])
        stored = self.outbox.get(notice_id)
        if stored is not None and stored.get("state") == "delivered":
            return "duplicate"
        delay = self.delay_seconds(notice)
        if delay > 0 and self.queue is not None:
            self.queue.send(_message(notice), delay)  # quiet hours: come back later
            return "deferred"
        sender = self.senders.get(str(notice["channel"]))
        try:
            if sender is None:
                raise ValueError(f"no channel {notice['channel']!r} is configured")
            sender.send(notice)
        except Exception as exc:  # every channel failure is recorded, whatever its type
            reason = f"{type(exc).__name__}: {exc}"
            final = attempt >= self.max_attempts
            self.outbox.record_failure(notice_id, reason, final)
            logger.warning("notice not delivered", extra={"notice": notice_id, "reason": reason, "attempt": attempt})
            if final and self.queue is not None:
                self.queue.dead_letter(_message(notice), reason)
                return "dead_lettered"
            raise DeliveryFailed(notice_id, reason) from exc
        if not self.outbox.mark_delivered(notice_id, self.clock()):
            return "duplicate"
        logger.info(
            "notice sent",
            extra={
                "notice": notice_id,
                "channel": notice["channel"],
                "recipient": notice.get("recipient"),
                "text": notice.get("text"),
            },
        )
        return "delivered"


class SqsNoticeQueue:
    """The notice queue and its dead-letter queue on SQS."""

    def __init__(self, sqs_client: Any, queue_url: str, dead_letter_url: str | None = None) -> None:
        self.sqs = sqs_client
        self.queue_url = queue_url
        self.dead_letter_url = dead_letter_url

    def send(self, notice: Mapping[str, Any], delay_seconds: int = 0) -> None:
        self.sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(notice), DelaySeconds=delay_seconds)

    def dead_letter(self, notice: Mapping[str, Any], reason: str) -> None:
        url = self.dead_letter_url or self._dead_letter_from_redrive()
        self.sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(notice),
            MessageAttributes={"reason": {"DataType": "String", "StringValue": reason[:1000]}},
        )

    def _dead_letter_from_redrive(self) -> str:
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"])
        arn = json.loads(attributes["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"]
        name = arn.rsplit(":", 1)[-1]
        self.dead_letter_url = str(self.sqs.get_queue_url(QueueName=name)["QueueUrl"])
        return self.dead_letter_url
