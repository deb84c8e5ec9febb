"""Delivery: the outbox relay (outbox -> queue) and the notifier (queue -> channel).

The relay hands every pending outbox item to the notice queue and marks it queued. The notifier
(the queue's Lambda) delivers one notice to its one channel: a failing channel only ever fails
its own notices. A failure is recorded on the outbox item and re-raised so the queue retries it
with its visibility timeout as backoff; the last attempt moves the notice to the dead-letter queue
with the reason. A notice whose recipient is in quiet hours is put back on the queue with a delay
until ``deliver_after``. A notice delivered once is never delivered again, even if the queue hands
it over twice.

The ports: :class:`OutboxStore` (``chalicelib.storage.outbox``), :class:`NoticeQueue`
(``chalicelib.notify.queue``) and :class:`Channel` (the adapters of ``chalicelib.notify``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.notice import Notice
from chalicelib.observability import logger
from chalicelib.services.ports import Clock

#: The longest delay a queue accepts on one message (SQS).
MAX_QUEUE_DELAY_SECONDS = 900
DELIVERED = "delivered"


@dataclass(frozen=True)
class OutboxEntry:
    """A notice in the outbox and how far its delivery has come."""

    notice: Notice
    state: str
    attempts: int = 0
    last_error: str | None = None
    delivered_at: datetime | None = None


class OutboxStore(Protocol):
    def pending(self) -> Iterable[str]: ...

    def get(self, notice_id: str) -> OutboxEntry | None: ...

    def mark_queued(self, notice_id: str, now: datetime) -> bool: ...

    def record_failure(self, notice_id: str, reason: str, final: bool) -> None: ...

    def mark_delivered(self, notice_id: str, now: datetime) -> bool: ...


class OutboxLog(OutboxStore, Protocol):
    """The outbox as the desk's staff read it."""

    def list_day(self, day: str, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Every notice of a day (``YYYY-MM-DD``) with its delivery state, a page at a time."""
        ...


class NoticeQueue(Protocol):
    def send(self, notice: Notice, delay_seconds: int = 0) -> None: ...

    def dead_letter(self, notice: Notice, reason: str) -> None: ...


class Channel(Protocol):
    """Delivers notices of its one channel; raises (``chalicelib.notify.failures.DeliveryError``)
    when it cannot."""

    @property
    def name(self) -> str: ...

    def send(self, notice: Notice) -> None: ...


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
        for notice_id in list(self.outbox.pending()):
            self.relay_one(notice_id, report)
        return report

    def relay_one(self, notice_id: str, report: RelayReport | None = None) -> RelayReport:
        """Hand one pending notice to the queue (or deliver it inline without one) at once, as
        an inbound channel does with the work it acknowledged."""
        report = report or RelayReport()
        entry = self.outbox.get(notice_id)
        if entry is None or not self.outbox.mark_queued(notice_id, self.clock()):
            return report
        notice = entry.notice
        if self.queue is None:
            self.notifier.deliver(notice, attempt=1)
            report.delivered_inline += 1
        else:
            self.queue.send(notice, self.notifier.delay_seconds(notice))
            report.queued += 1
        return report


class Notifier:
    def __init__(
        self,
        outbox: OutboxStore,
        channels: Mapping[str, Channel],
        clock: Clock,
        *,
        queue: NoticeQueue | None = None,
        max_attempts: int = 5,
    ) -> None:
        self.outbox = outbox
        self.channels = channels
        self.clock = clock
        self.queue = queue
        self.max_attempts = max_attempts

    def delay_seconds(self, notice: Notice) -> int:
        if notice.deliver_after is None:
            return 0
        wait = (notice.deliver_after - self.clock()).total_seconds()
        return max(0, min(MAX_QUEUE_DELAY_SECONDS, int(wait + 0.999)))

    def deliver(self, notice: Notice, attempt: int) -> str:
        """Deliver one notice; returns ``delivered``, ``duplicate`` or ``deferred``.

        Raises :class:`DeliveryFailed` when the channel failed and the queue should retry.
        """
        notice_id = notice.notice_id
        stored = self.outbox.get(notice_id)
        if stored is not None and stored.state == DELIVERED:
            return "duplicate"
        delay = self.delay_seconds(notice)
        if delay > 0 and self.queue is not None:
            self.queue.send(notice, delay)  # quiet hours: come back later
            return "deferred"
        channel = self.channels.get(notice.channel)
        try:
            if channel is None:
                raise ValueError(f"no channel {notice.channel!r} is configured")
            channel.send(notice)
        except Exception as exc:  # every channel failure is recorded, whatever its type
            reason = f"{type(exc).__name__}: {exc}"
            final = attempt >= self.max_attempts
            self.outbox.record_failure(notice_id, reason, final)
            logger.warning("notice not delivered", extra={"notice": notice_id, "reason": reason, "attempt": attempt})
            if final and self.queue is not None:
                self.queue.dead_letter(notice, reason)
                return "dead_lettered"
            raise DeliveryFailed(notice_id, reason) from exc
        if not self.outbox.mark_delivered(notice_id, self.clock()):
            return "duplicate"
        logger.info(
            "notice sent",
            extra={
                "notice": notice_id,
                "channel": notice.channel,
                "recipient": notice.recipient,
                "text": notice.text,
            },
        )
        return "delivered"
