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
from typing import TYPE_CHECKING, Any

from chalicelib.domain.instants import format_span
from chalicelib.domain.ticket import Ticket

if TYPE_CHECKING:
    from chalicelib.domain.sla.clocks import Alert

#: Channels for operations alerts and for requester notices; the outbox always keeps a copy.
OPERATIONS_CHANNELS = ("sns", "slack")
REQUESTER_CHANNELS = ("email",)
OUTBOX = "outbox"


#: Status changes the requester hears about (the rest is the desk's own business).
REQUESTER_STATUSES = ("waiting_on_requester", "resolved", "closed", "cancelled")


@dataclass(frozen=True)
class NoticeFactory:
    channels: tuple[str, ...]
    public_url: str
    email_domain: str = "example.com"

    def address(self, user: str) -> str:
        """The email address of a user id (ids that are addresses are kept)."""
        return user if "@" in user else f"{user}@{self.email_domain}"

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
            headline = f"{clock} clock at {int(alert.threshold * 100)}% ({format_span(left_seconds)} left)"
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

    # -- requester notices (seed 002: status reporting and completion notices) ---------------

    def _requester(
        self, ticket: Ticket, *, happened: str, kind: str, subject: str, text: str, now: datetime, **data: Any
    ) -> list[dict[str, Any]]:
        return self.build(
            happened=happened,
            kind=kind,
            ticket=ticket,
            recipient=self.address(ticket.requester),
            subject=subject,
            text=text,
            now=now,
            wanted=REQUESTER_CHANNELS,
            data={
                "type": ticket.type,
                "priority": ticket.priority,
                "title": ticket.title,
                "status": ticket.status,
                **data,
            },
        )

    def acknowledgement(self, ticket: Ticket, now: datetime) -> list[dict[str, Any]]:
        """Sent at intake: the number, how the desk classified the ticket, and its targets."""
        clocks = (ticket.sla or {}).get("clocks", {})
        targets = "; ".join(
            f"{name.replace('_', ' ')} by {clock['due_at']}"
            for name, clock in sorted(clocks.items())
            if clock.get("due_at")
        )
        classification = f"{ticket.type.replace('_', ' ')}, priority {ticket.priority}"
        if ticket.service:
            classification += f", service {ticket.service}"
        if ticket.group:
            classification += f", handled by {ticket.group}"
        text = (
            f"We have recorded your request as {ticket.number}: {ticket.title}.\n"
            f"Classified as {classification}.\n"
            + (f"Targets: {targets}.\n" if targets else "")
            + "If this classification is wrong, reply or contest it and the Service Manager will review it.\n"
            + self.link(ticket)
        )
        return self._requester(
            ticket,
            happened=f"{ticket.number}:acknowledgement",
            kind="acknowledgement",
            subject=f"{ticket.number} received: {ticket.title}",
            text=text,
            now=now,
        )

    def status_change(
        self, ticket: Ticket, old: str, seq: int, now: datetime, reason: str | None
    ) -> list[dict[str, Any]]:
        """A status change the requester needs to know of; the completion notice on ``resolved``."""
        if ticket.status not in REQUESTER_STATUSES:
            return []
        link = self.link(ticket)
        if ticket.status == "resolved":
            text = (
                f"{ticket.number} ({ticket.title}) is resolved" + (f": {reason}" if reason else "") + ".\n"
                f"Please confirm it is done ({link}?action=confirm) or reopen it ({link}?action=reopen)."
            )
            return self._requester(
                ticket,
                happened=f"{ticket.number}:status:{seq}",
                kind="completion",
                subject=f"{ticket.number} resolved: please confirm",
                text=text,
                now=now,
                confirm_link=f"{link}?action=confirm",
                reopen_link=f"{link}?action=reopen",
            )
        what = {
            "waiting_on_requester": "is waiting for information from you",
            "closed": "is closed",
            "cancelled": "was cancelled",
        }[ticket.status]
        text = f"{ticket.number} ({ticket.title}) {what}" + (f": {reason}" if reason else "") + f".\n{link}"
        return self._requester(
            ticket,
            happened=f"{ticket.number}:status:{seq}",
            kind="status_change",
            subject=f"{ticket.number} {what}",
            text=text,
            now=now,
            previous_status=old,
        )
