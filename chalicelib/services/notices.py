"""Builds the notices the desk sends: one per recipient and channel, each with a deterministic id.

A notice's id is ``<what happened>#<channel>``, where *what happened* is the claimed id of the
alert, escalation step or ticket change (e.g. ``INC-000042:resolution:breach:1:1``), so a retried
or concurrent sweep can never queue the same notice twice. A notice is written for an audience
(operations, the requester, one agent, the Service Manager) and goes to the configured channels
that serve it, as :data:`chalicelib.domain.notice.CHANNELS` declares them; the outbox always keeps
a copy. The conversation's notices (assignment, replies, hand-overs) are ``<ticket>:<event
seq>:<kind>:<recipient>``; a notice to an agent waits for their working hours as
:mod:`chalicelib.domain.quiet_hours` decides, and times read in the reader's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.identity import DESK_ACTOR
from chalicelib.domain.instants import aware_instant, for_reader, format_span
from chalicelib.domain.lifecycle import REQUESTER as REQUESTER_ACTOR
from chalicelib.domain.lifecycle import Phase
from chalicelib.domain.notice import (
    ACKNOWLEDGEMENT,
    AGENT,
    AGENT_REPLY,
    APPROVAL_REQUEST,
    ASSIGNMENT,
    CHANNELS,
    COMPLETION,
    EMAIL,
    GROUP_HANDOVER,
    MAIL_REFUSED,
    OPERATIONS,
    PAGE,
    REASSIGNED_AWAY,
    REQUESTER,
    REQUESTER_REPLY,
    SLA_BREACH,
    SLA_WARNING,
    STATUS_CHANGE,
    ChannelDeclaration,
    Notice,
    channels_for,
)
from chalicelib.domain.processes import lifecycle_of, phase_of
from chalicelib.domain.quiet_hours import delivery_time
from chalicelib.domain.satisfaction import RATED_TYPES
from chalicelib.domain.ticket import Ticket

if TYPE_CHECKING:
    from chalicelib.domain.sla.calendar import BusinessCalendar
    from chalicelib.domain.sla.clocks import Alert
    from chalicelib.services.action_links import ActionLinks


class Readers(Protocol):
    """Who reads a notice: their working hours and time zone (``chalicelib.services.directory``)."""

    def calendar_of(self, user: str) -> BusinessCalendar | None:
        """The working calendar of an agent; None when unknown (no quiet hours)."""
        ...

    def zone_of(self, user: str | None, service: str | None) -> str | None:
        """The IANA zone ``user`` reads times in: their own calendar's, else ``service``'s; None
        when neither is known."""
        ...

    def group_lead(self, group: str | None) -> str | None: ...

    def members(self, group: str) -> tuple[str, ...]:
        """The agents whose groups include ``group``."""
        ...


#: Status changes the requester hears about (the rest is the desk's own business).
REQUESTER_PHASES = (Phase.WAITING, Phase.RESOLVED, Phase.CLOSED, Phase.CANCELLED)


@dataclass(frozen=True)
class NoticeFactory:
    """Builds notices; ``channels`` are the enabled channel names (``NOTIFY_CHANNELS``)."""

    channels: tuple[str, ...]
    public_url: str
    email_domain: str = "example.com"
    declared: tuple[ChannelDeclaration, ...] = CHANNELS
    #: Signs the completion notice's confirm, reopen and rate links; None: the notice links the ticket.
    links: ActionLinks | None = None
    #: Working hours (quiet hours) and time zones of the people notices go to.
    readers: Readers | None = None
    #: The zone of a reader whose own is not known (``DESK_TIMEZONE``).
    default_zone: str = "UTC"

    # -- the reader: time zone and quiet hours ----------------------------------------------

    def zone_of(self, user: str | None, ticket: Ticket | None = None) -> str:
        """The reader's zone: their calendar's, else the ticket's service calendar's, else the desk's."""
        found = self.readers.zone_of(user, ticket.service if ticket else None) if self.readers else None
        return found or self.default_zone

    def when(self, moment: datetime, user: str | None, ticket: Ticket | None = None) -> str:
        """``moment`` as ``user`` reads it: local time and zone, then the UTC instant."""
        return for_reader(moment, self.zone_of(user, ticket))

    def timed(self, notices: list[Notice], user: str, now: datetime) -> list[Notice]:
        """``notices`` to ``user`` held until their working hours when quiet hours say so."""
        if not notices or self.readers is None:
            return notices
        after = delivery_time(notices[0], self.readers.calendar_of(user), now)
        return [n.with_delivery_after(after if after > now else None) for n in notices]

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
                # Mail needs an address: a user id (the Service Manager's) becomes theirs.
                recipient=self.address(recipient) if channel == EMAIL else recipient,
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
            headline = f"{clock} clock breached at {self.when(alert.at, None, ticket)}"
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

    def pages(self, ticket: Ticket, events: list[TicketEvent], now: datetime) -> list[Notice]:
        """The urgent page to whoever is on call, for each ``paged`` event among ``events``; its id
        ``<ticket>:page:<seq>`` makes it one page per event, so one per ticket at intake."""
        out: list[Notice] = []
        for event in events:
            if event.kind != EventKind.PAGED:
                continue
            recipient = str(event.after["recipient"])
            why = str(event.after.get("why") or "")
            text = (
                f"You are on call: {ticket.number} ({ticket.priority}, {ticket.title}) needs someone now: {why}. "
                f"{self.link(ticket)}"
            )
            out.extend(
                self.build(
                    happened=f"{ticket.number}:page:{event.seq}",
                    kind=PAGE,
                    ticket=ticket,
                    recipient=recipient,
                    subject=f"PAGE {ticket.number} ({ticket.priority}): {ticket.title}",
                    text=text,
                    now=now,
                    audience=OPERATIONS,
                    urgent=True,
                    data={
                        "type": ticket.type,
                        "priority": ticket.priority,
                        "title": ticket.title,
                        "group": ticket.group,
                        "tags": list(ticket.tags),
                        **{key: event.after.get(key) for key in ("rota", "rota_version", "source")},
                    },
                )
            )
        return out

    # -- requester notices (seed 002: status reporting and completion notices) ---------------

    def _shown(self, value: Any, user: str | None, ticket: Ticket | None) -> str:
        moment = aware_instant(value)
        return str(value) if moment is None else self.when(moment, user, ticket)

    def _requester(
        self, ticket: Ticket, *, happened: str, kind: str, subject: str, text: str, now: datetime, **data: Any
    ) -> list[Notice]:
        if ticket.requester == DESK_ACTOR:
            return []  # a ticket the desk opened itself (a problem behind an incident): nobody to tell
        data.setdefault("zone", self.zone_of(ticket.requester, ticket))
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
            f"{name.replace('_', ' ')} by {self._shown(clock['due_at'], ticket.requester, ticket)}"
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
            said = f"{ticket.number} ({ticket.title}) is resolved" + (f": {reason}" if reason else "") + ".\n"
            if self.links is None:
                text = said + f"Please confirm it is done or reopen it: {link}"
                return self._requester(
                    ticket,
                    happened=f"{ticket.number}:status:{seq}",
                    kind=COMPLETION,
                    subject=f"{ticket.number} resolved: please confirm",
                    text=text,
                    now=now,
                )
            confirm = self.links.issue(ticket.number, ticket.requester, seq, "confirm", now)
            reopen = self.links.issue(ticket.number, ticket.requester, seq, "reopen", now)
            until = self.when(confirm.expires_at, ticket.requester, ticket)
            text = (
                said + f"Please confirm it is done ({self.links.url(confirm)}) "
                f"or reopen it ({self.links.url(reopen)}). These links work once, until {until}."
            )
            rating: dict[str, Any] = {}
            if ticket.type in RATED_TYPES:
                rate = self.links.issue(ticket.number, ticket.requester, seq, "rate", now)
                rating["rate_link"] = self.links.url(rate)
                text += (
                    f"\nHow satisfied are you with how it was handled? Rate it from 1 to 5, with a comment "
                    f"if you like: {rating['rate_link']}"
                )
            return self._requester(
                ticket,
                happened=f"{ticket.number}:status:{seq}",
                kind=COMPLETION,
                subject=f"{ticket.number} resolved: please confirm",
                text=text,
                now=now,
                confirm_link=self.links.url(confirm),
                reopen_link=self.links.url(reopen),
                links_expire_at=confirm.expires_at.isoformat(),
                **rating,
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

    def mail_refused(
        self, address: str, subject: str, reason: str, happened: str, now: datetime
    ) -> list[Notice]:
        """To the sender of a mail the desk did not act on: why, and what to do instead. Never
        links a ticket the sender may not see."""
        text = (
            f"The service desk did not act on your message \"{subject}\": {reason}.\n"
            "Nothing was added to any ticket. If you need help, write a new message from your own "
            "work address, or open a ticket on the portal."
        )
        return self.build(
            happened=happened,
            kind=MAIL_REFUSED,
            ticket=None,
            recipient=address,
            subject=f"Not delivered to the service desk: {subject}"[:200],
            text=text,
            now=now,
            audience=REQUESTER,
            link="",
            data={"reason": reason},
        )

    # -- the conversation: agents hear of their work, requesters of the replies -------------

    def _agent(
        self,
        ticket: Ticket,
        agent: str,
        *,
        happened: str,
        kind: str,
        subject: str,
        text: str,
        now: datetime,
        **data: Any,
    ) -> list[Notice]:
        """A notice to one agent, held to their working hours as quiet hours say."""
        notices = self.build(
            happened=happened,
            kind=kind,
            ticket=ticket,
            recipient=self.address(agent),
            subject=subject,
            text=text,
            now=now,
            audience=AGENT,
            data={
                "type": ticket.type,
                "priority": ticket.priority,
                "title": ticket.title,
                "status": ticket.status,
                "tags": list(ticket.tags),
                "assignee": ticket.assignee,
                "group": ticket.group,
                "requester": ticket.requester,
                "zone": self.zone_of(agent, ticket),
                **data,
            },
        )
        return self.timed(notices, agent, now)

    def assignment(self, ticket: Ticket, agent: str, seq: int, now: datetime, by: str) -> list[Notice]:
        """To the agent a ticket was assigned to (at intake, by a person or on reclassification)."""
        who = "the desk" if by == "system" or by == ticket.requester else by
        text = (
            f"{ticket.number} ({ticket.priority}, {ticket.title}) is assigned to you by {who} "
            f"at {self.when(now, agent, ticket)}" + (f", in {ticket.group}" if ticket.group else "") + ".\n"
            + self.link(ticket)
        )
        return self._agent(
            ticket,
            agent,
            happened=f"{ticket.number}:{seq}:{ASSIGNMENT}:{agent}",
            kind=ASSIGNMENT,
            subject=f"{ticket.number} assigned to you: {ticket.title}",
            text=text,
            now=now,
        )

    def agent_reply(self, ticket: Ticket, author: str, body: str, seq: int, now: datetime) -> list[Notice]:
        """To the requester: an agent's public reply, with its text."""
        text = (
            f"{author} replied on {ticket.number} ({ticket.title}) at {self.when(now, ticket.requester, ticket)}:\n\n"
            f"{body}\n\nReply on the ticket: {self.link(ticket)}"
        )
        return self._requester(
            ticket,
            happened=f"{ticket.number}:{seq}:{AGENT_REPLY}:{ticket.requester}",
            kind=AGENT_REPLY,
            subject=f"{ticket.number}: reply from the service desk",
            text=text,
            now=now,
            author=author,
            body=body,
        )

    def requester_reply(self, ticket: Ticket, agent: str, body: str, seq: int, now: datetime) -> list[Notice]:
        """To the agent working the ticket: the requester's reply, with its text."""
        text = (
            f"{ticket.requester} replied on {ticket.number} ({ticket.title}) at {self.when(now, agent, ticket)}:\n\n"
            f"{body}\n\n{self.link(ticket)}"
        )
        return self._agent(
            ticket,
            agent,
            happened=f"{ticket.number}:{seq}:{REQUESTER_REPLY}:{agent}",
            kind=REQUESTER_REPLY,
            subject=f"{ticket.number}: the requester replied",
            text=text,
            now=now,
            body=body,
        )

    def reassigned_away(
        self, ticket: Ticket, agent: str, to_group: str, happened: str, why: str, now: datetime
    ) -> list[Notice]:
        """To the agent whose ticket escalation moved to another group."""
        text = (
            f"{ticket.number} ({ticket.priority}, {ticket.title}) was taken from you at "
            f"{self.when(now, agent, ticket)} and moved to {to_group}: {why}.\n{self.link(ticket)}"
        )
        return self._agent(
            ticket,
            agent,
            happened=f"{happened}:{REASSIGNED_AWAY}:{agent}",
            kind=REASSIGNED_AWAY,
            subject=f"{ticket.number} moved to {to_group}",
            text=text,
            now=now,
        )

    def group_handover(
        self, ticket: Ticket, lead: str, from_group: str | None, happened: str, why: str, now: datetime
    ) -> list[Notice]:
        """To the lead of the group escalation moved a ticket to: it waits in their queue, unassigned."""
        origin = f" from {from_group}" if from_group else ""
        text = (
            f"{ticket.number} ({ticket.priority}, {ticket.title}) was moved to {ticket.group}{origin} at "
            f"{self.when(now, lead, ticket)} and waits for an assignee: {why}.\n{self.link(ticket)}"
        )
        return self._agent(
            ticket,
            lead,
            happened=f"{happened}:{GROUP_HANDOVER}:{lead}",
            kind=GROUP_HANDOVER,
            subject=f"{ticket.number} escalated to {ticket.group}: {ticket.title}",
            text=text,
            now=now,
        )

    # -- change approvals ---------------------------------------------------------------------

    def approvers(self, ticket: Ticket) -> list[str]:
        """Who may decide on a change: the members of its implementer group and the group's lead."""
        group = ticket.change.implementer_group if ticket.change is not None else None
        if not group or self.readers is None:
            return []
        lead = self.readers.group_lead(group)
        return sorted({*self.readers.members(group), *([lead] if lead else [])})

    def approval_request(self, ticket: Ticket, approver: str, seq: int, now: datetime, by: str) -> list[Notice]:
        """To a member (or the lead) of the implementer group: the change awaits their decision."""
        assert ticket.change is not None
        plan = ticket.change
        window = ""
        if plan.window is not None:
            start, end = (self.when(m, approver, ticket) for m in (plan.window.start, plan.window.end))
            window = f", window {start} to {end}"
        risk = f", risk {plan.risk.band}" if plan.risk is not None else ""
        text = (
            f"{ticket.number} ({ticket.title}) was submitted by {by} and awaits the decision of "
            f"{plan.implementer_group}{risk}{window}.\nApprove or reject it: {self.link(ticket)}"
        )
        return self._agent(
            ticket,
            approver,
            happened=f"{ticket.number}:{seq}:{APPROVAL_REQUEST}:{approver}",
            kind=APPROVAL_REQUEST,
            subject=f"{ticket.number} awaits your decision: {ticket.title}",
            text=text,
            now=now,
            implementer_group=plan.implementer_group,
        )
