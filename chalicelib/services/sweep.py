"""The SLA sweep: fire every due warning and breach exactly once, and move ``next_deadline`` on.

Each run queries the sparse ``by_deadline`` index for tickets whose ``next_deadline`` has come
(so its cost grows with the due tickets, not with all tickets), replays each one's clocks, and
writes, in one transaction per ticket: the ``sla_warning``/``sla_breached`` events, the claims
of their deterministic ids, their notices for the outbox, and the ticket with its clocks and next
deadline moved on. A concurrent or retried sweep loses that transaction (the ticket's version or
a claim has moved) and re-reads the ticket, whose events now say the alert fired: nothing twice,
nothing lost.

The index hands over each due ticket as it last saw it, with its events, so the sweep's first
attempt reads nothing per ticket. That copy may be a moment stale; it is safe because the
transaction holds only if the ticket is still at the version the copy carries. A lost transaction
is retried on a consistent read of the ticket and its events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.errors import AlreadyClaimed, StaleVersion
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.identity import DESK_ACTOR
from chalicelib.domain.notice import Notice
from chalicelib.domain.sla.replay import due_alerts
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import logger
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.ports import Claim, Clock, TicketRepository
from chalicelib.services.sla import SlaClockKeeper

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class DueTicket:
    """A ticket the index found due, as the index last saw it (possibly a moment stale).

    ``events`` are its events up to ``ticket.event_seq``, or None when the index did not read them
    all (the sweep then reads the ticket and its events itself).
    """

    ticket: Ticket
    events: list[TicketEvent] | None = None


class DueTickets(Protocol):
    def due(self, now: datetime) -> Iterable[DueTicket]:
        """The tickets whose ``next_deadline`` is at or before ``now``."""
        ...


class Escalations(Protocol):
    """Escalation steps due on a ticket (see ``chalicelib.services.escalation``)."""

    def plan(
        self, ticket: Ticket, events: Sequence[TicketEvent], now: datetime
    ) -> tuple[Ticket, list[dict[str, Any]], list[Claim], list[Notice]]:
        """(ticket changed by the steps, events to append, claims, notices)."""
        ...


@dataclass
class SweepReport:
    due: int = 0
    alerts: int = 0
    escalations: int = 0
    notices: int = 0
    retries: int = 0
    tickets_read: int = 0
    fired: list[str] = field(default_factory=list)
    #: How long the oldest due deadline had waited when the sweep found it (0: none was due):
    #: the sweep lag its alarm watches.
    lag_seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "alerts": self.alerts,
            "escalations": self.escalations,
            "notices": self.notices,
            "retries": self.retries,
            "tickets_read": self.tickets_read,
        }


class SlaSweep:
    def __init__(
        self,
        repository: TicketRepository,
        index: DueTickets,
        keeper: SlaClockKeeper,
        notices: NoticeFactory,
        clock: Clock,
        escalations: Escalations | None = None,
    ) -> None:
        self.repository = repository
        self.index = index
        self.keeper = keeper
        self.notices = notices
        self.clock = clock
        self.escalations = escalations

    def run(self) -> SweepReport:
        now = self.clock()
        report = SweepReport()
        for due in self.index.due(now):
            report.due += 1
            if due.ticket.next_deadline is not None:
                report.lag_seconds = max(report.lag_seconds, (now - due.ticket.next_deadline).total_seconds())
            self._sweep_ticket(due, now, report)
        logger.info("sla sweep", extra=report.to_dict())
        return report

    def _sweep_ticket(self, due: DueTicket, now: datetime, report: SweepReport) -> None:
        number = due.ticket.number
        ticket: Ticket | None = due.ticket
        events = due.events
        for attempt in range(MAX_ATTEMPTS):
            if attempt or events is None:
                # A retry (or an index that did not read the events): the ticket as it is now.
                ticket = self.repository.get(number)
                report.tickets_read += 1
                events = None
            if ticket is None or ticket.next_deadline is None or ticket.next_deadline > now:
                return  # another sweep (or a change) moved it on meanwhile
            if events is None:
                events = self.repository.events(number)
            try:
                self._fire(ticket, events, now, report)
                return
            except (StaleVersion, AlreadyClaimed):
                report.retries += 1
        logger.warning("ticket kept changing during the sweep", extra={"ticket": number})

    def _fire(self, ticket: Ticket, events: list[TicketEvent], now: datetime, report: SweepReport) -> None:
        clocks = self.keeper.clocks(events, now)
        new_events: list[TicketEvent] = []
        claims: list[Claim] = []
        notices: list[Notice] = []
        seq = ticket.event_seq

        def append(kind: str, after: dict[str, Any], note: str | None = None) -> None:
            nonlocal seq
            seq += 1
            new_events.append(TicketEvent(ticket.number, seq, now, DESK_ACTOR, kind, {}, after, note))

        if clocks is not None:
            for alert in due_alerts(clocks, now):
                alert_id = alert.alert_id(ticket.number)
                kind = EventKind.SLA_BREACHED if alert.kind == "breach" else EventKind.SLA_WARNING
                append(kind, {**alert.event_after(), "alert_id": alert_id})
                claims.append(Claim(alert_id, now, ticket.number, alert.to_dict()))
                left = clocks.clocks[alert.clock].left_seconds if alert.clock in clocks.clocks else None
                notices.extend(self.notices.sla_alert(ticket, alert, left, now))
        changed = ticket.evolve(event_seq=seq)
        if self.escalations is not None:
            changed, step_events, step_claims, step_notices = self.escalations.plan(
                changed, [*events, *new_events], now
            )
            for step in step_events:
                append(step["kind"], step.get("after", {}), step.get("note"))
            claims.extend(step_claims)
            notices.extend(step_notices)
            report.escalations += len(step_claims)
        changed = self.keeper.refresh(changed.evolve(event_seq=seq), [*events, *new_events], now)
        self.repository.save(changed, ticket.version, new_events, claims=claims, notices=notices, previous=ticket)
        report.alerts += sum(1 for e in new_events if e.kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED))
        report.notices += len(notices)
        report.fired.extend(c.claim_id for c in claims)
