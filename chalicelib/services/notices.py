"""Builds the notices the desk sends: one per recipient and channel, each with a deterministic id.

A notice's id is ``<what happened>#<channel>``, where *what happened* is the claimed id of the
alert, escalation step or ticket change (e.g. ``INC-000042:resolution:breach:1:1``), so a retried
or concurrent sweep can never queue the same notice twice. Notices are plain dicts in the shape
of :class:`chalicelib.notify.channels.Notice` so they travel through the outbox and the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.sla import Alert
from chalicelib.domain.ticket import Ticket

#: Channels for operations alerts and for requester notices; the outbox always keeps a copy.
OPERATIONS_CHANNELS = ("sns", "slack")
REQUESTER_CHANNELS = ("email",)
OUTBOX = "outbox"


def _minutes(seconds: float | None) -> str:
    if seconds is None:
        return "unknown"
    minutes = int(seconds // 60)
    if minutes >= 120:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes} min"


@dataclass(frozen=True)
class NoticeFactory:
    channels: tuple[str, ...]
    public_url: str

    def _channels(self, wanted: Sequence[str]) -> list[str]:
        return [OUTBOX, *[c for c in wanted if c in self.channels and c != OUTBOX]]

    def link(self, ticket: Ticket) -> str:
        return f"{self.public_url.rstrip('/')}/tickets/{ticket.number}"

    def build(
        self,
        *,
        happened: str,
        kind: str,
        ticket: Ticket | None,
        recipient: str,
        subject: str,
        text: str,
        now: datetime,
        wanted: Sequence[str],
        urgent: bool = False,
        data: dict[str, Any] | None = None,
        deliver_after: datetime | None = None,
        link: str | None = None,
    ) -> list[dict[str, Any]]:
        return [
            {
                "notice_id": f"{happened}#{channel}",
                "kind": kind,
                "ticket": ticket.number if ticket else None,
                "recipient": recipient,
                "channel": channel,
                "subject": subject[:200],
                "text": text,
                "link": link if link is not None else (self.link(ticket) if ticket else ""),
                "urgent": urgent,
                "data": data or {},
                "created_at": now.isoformat(),
                "deliver_after": deliver_after.isoformat() if deliver_after else None,
            }
            for channel in self._channels(wanted)
        ]

    def sla_alert(
        self, ticket: Ticket, alert: Alert, left_seconds: float | None, now: datetime
    ) -> list[dict[str, Any]]:
        """The operations alert for a warning or a breach."""
        clock = alert.clock.replace("_", " ")
        who = f"assigned to {ticket.assignee}" if ticket.assignee else "unassigned"
        group = f" ({ticket.group})" if ticket.group else ""
        if alert.kind == "breach":
            headline = f"{clock} clock breached at {alert.at:%Y-%m-%d %H:%M} UTC"
        else:
            headline = f"{clock} clock at {int(alert.threshold * 100)}% ({_minutes(left_seconds)} left)"
        text = f"{ticket.number} ({ticket.priority}, {ticket.title}): {headline}. {who}{group}. {self.link(ticket)}"
        return self.build(
            happened=alert.alert_id(ticket.number),
            kind="sla_breach" if alert.kind == "breach" else "sla_warning",
            ticket=ticket,
            recipient="operations",
            subject=f"{ticket.number}: {headline}",
            text=text,
            now=now,
            wanted=OPERATIONS_CHANNELS,
            urgent=alert.kind == "breach" and ticket.priority in ("P1", "P2"),
            data={**alert.to_dict(), "priority": ticket.priority, "left_seconds": left_seconds},
        )
