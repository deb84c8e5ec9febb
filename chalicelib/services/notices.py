"""Builds the notices the desk sends: one per recipient and channel, each with a deterministic id.

A notice's id is ``<what happened>#<channel>``, where *what happened* is the claimed id of the
alert, escalation step or ticket change (e.g. ``INC-000042:resolution:breach:1:1``), so a retried
or concurrent sweep can never queue the same notice twice. A notice is written for an audience
(operations, the requester, the Service Manager) and goes to the configured channels that serve
it, as :data:`chalicelib.domain.notice.CHANNELS` declares them; the outbox always keeps a copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.instants import format_span
from chalicelib.domain.lifecycle import REQUESTER as REQUESTER_ACTOR
from chalicelib.domain.lifecycle import Phase
from chalicelib.domain.notice import (
    ACKNOWLEDGEMENT,
    CHANNELS,
    COMPLETION,
    OPERATIONS,
    REQUESTER,
    SLA_BREACH,
    SLA_WARNING,
    STATUS_CHANGE,
    ChannelDeclaration,
    Notice,
    channels_for,
)
from chalicelib.domain.processes import lifecycle_of, phase_of
from chalicelib.domain.ticket import Ticket

if TYPE_CHECKING:
    from chalicelib.domain.sla.clocks import Alert


#: Status changes the requester hears about (the rest is the desk's own business).
REQUESTER_PHASES = (Phase.WAITING, Phase.RESOLVED, Phase.CLOSED, Phase.CANCELLED)


@dataclass(frozen=True)
class NoticeFactory:
    """Builds notices; ``channels`` are the enabled channel names (``NOTIFY_CHANNELS``)."""

    channels: tuple[str, ...]
    public_url: str
    email_domain: str = "example.com"
    declared: tuple[ChannelDeclaration, ...] = CHANNELS

    def address(self, user: str) -> str:
        """The email address of a user id (ids that are addresses are kept)."""
        return user if "@" in user else f"{user}@{self.email_domain}"

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
        audience: str,
        urgent: bool = False,
        data: dict[str, Any] | None = None,
        link: str | None = None,
    ) -> list[Notice]:
        """One notice per channel serving ``audience``, each with the id ``<happened>#<channel>``."""
        return [
            Notice(
                notice_id=f"{happened}#{channel}",
                kind=kind,
                ticket=ticket.number if ticket else None,
                recipient=recipient,
                channel=channel,
                subject=subject[:200],
                text=text,
                created_at=now,
                link=link if link is not None else (self.link(ticket) if ticket else ""),
                urgent=urgent,
                data=data or {},
            )
            for channel in channels_for(audience, self.channels, self.declared)
        ]

    def sla_alert(
        self, ticket: Ticket, alert: Alert, left_seconds: float | None, now: datetime
    ) -> list[Notice]:
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
            kind=SLA_BREACH if alert.kind == "breach" else SLA_WARNING,
            ticket=ticket,
            recipient="operations",
            subject=f"{ticket.number}: {headline}",
            text=text,
            now=now,
            audience=OPERATIONS,
            urgent=alert.kind == "breach" and ticket.priority in ("P1", "P2"),
            data={**alert.to_dict(), "priority": ticket.priority, "left_seconds": left_seconds},
        )

    # -- requester notices (seed 002: status reporting and completion notices) ---------------

    def _requester(
        self, ticket: Ticket, *, happened: str, kind: str, subject: str, text: str, now: datetime, **data: Any
    ) -> list[Notice]:
        return self.build(
            happened=happened,
            kind=kind,
            ticket=ticket,
            recipient=self.address(ticket.requester),
            subject=subject,
            text=text,
            now=now,
            audience=REQUESTER,
            data={
                "type": ticket.type,
                "priority": ticket.priority,
                "title": ticket.title,
                "status": ticket.status,
                **data,
            },
        )

    def acknowledgement(self, ticket: Ticket, now: datetime) -> list[Notice]:
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
            kind=ACKNOWLEDGEMENT,
            subject=f"{ticket.number} received: {ticket.title}",
            text=text,
            now=now,
        )

    def status_change(
        self, ticket: Ticket, old: str, seq: int, now: datetime, reason: str | None
    ) -> list[Notice]:
        """A status change the requester needs to know of; the completion notice on ``resolved``."""
        phase = phase_of(ticket.type, ticket.status)
        if phase not in REQUESTER_PHASES:
            return []
        link = self.link(ticket)
        if phase == Phase.RESOLVED and lifecycle_of(ticket).allowed(ticket.status, REQUESTER_ACTOR):
            text = (
                f"{ticket.number} ({ticket.title}) is resolved" + (f": {reason}" if reason else "") + ".\n"
                f"Please confirm it is done ({link}?action=confirm) or reopen it ({link}?action=reopen)."
            )
            return self._requester(
                ticket,
                happened=f"{ticket.number}:status:{seq}",
                kind=COMPLETION,
                subject=f"{ticket.number} resolved: please confirm",
                text=text,
                now=now,
                confirm_link=f"{link}?action=confirm",
                reopen_link=f"{link}?action=reopen",
            )
        what = {
            "waiting_on_requester": "is waiting for information from you",
            "rejected": "was rejected",
            "review": "is implemented and under review",
            "closed": "is closed",
            "cancelled": "was cancelled",
        }.get(ticket.status) or f"is {ticket.status.replace('_', ' ')}"
        text = f"{ticket.number} ({ticket.title}) {what}" + (f": {reason}" if reason else "") + f".\n{link}"
        return self._requester(
            ticket,
            happened=f"{ticket.number}:status:{seq}",
            kind=STATUS_CHANGE,
            subject=f"{ticket.number} {what}",
            text=text,
            now=now,
            previous_status=old,
        )
