"""In-memory stand-ins for the services' collaborators: no I/O at all."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.domain.errors import AlreadyClaimed, IntakeAlreadyStored, StaleVersion
from chalicelib.domain.events import TicketEvent
from chalicelib.domain.notice import Notice
from chalicelib.domain.processes import ALL_OPEN_STATUSES
from chalicelib.domain.search import SearchQuery, index_terms
from chalicelib.domain.ticket import Ticket, format_number
from chalicelib.services.ports import Claim, IntakeKey, TicketFilter, TicketPage


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class InMemoryTicketSearch:
    """The search index over an in-memory repository, derived from its tickets as they are."""

    def __init__(self, repository: InMemoryTicketRepository) -> None:
        self.repository = repository

    def matching(self, query: SearchQuery) -> list[str]:
        rows = sorted(self.repository.tickets.values(), key=lambda t: (t.created_at, t.number), reverse=True)
        return [t.number for t in rows if query.matches(index_terms(t.number, t.title, t.description))]


class InMemoryTicketRepository:
    def __init__(self) -> None:
        self.tickets: dict[str, Ticket] = {}
        self.event_log: dict[str, list[TicketEvent]] = {}
        self.counters: dict[str, itertools.count[int]] = {}
        self.claims: dict[str, Claim] = {}
        self.outbox: list[Notice] = []
        self.examples: list[dict[str, Any]] = []

    def allocate_number(self, ticket_type: str) -> str:
        counter = self.counters.setdefault(ticket_type, itertools.count(1))
        return format_number(ticket_type, next(counter))

    def create(
        self,
        ticket: Ticket,
        events: Sequence[TicketEvent],
        notices: Sequence[Notice] = (),
        *,
        intake: IntakeKey | None = None,
    ) -> None:
        assert ticket.number not in self.tickets
        if intake is not None:
            stored = self.claims.get(intake.claim_id)
            if stored is not None:
                raise IntakeAlreadyStored(stored.ticket or "", (stored.detail or {}).get("fingerprint", ""))
            self.claims[intake.claim_id] = Claim(
                intake.claim_id, ticket.created_at, ticket.number, {"fingerprint": intake.fingerprint}
            )
        self.tickets[ticket.number] = ticket
        self.event_log[ticket.number] = list(events)
        self.outbox.extend(notices)

    def get(self, number: str) -> Ticket | None:
        return self.tickets.get(number)

    def due_before(self, bound: datetime, limit: int) -> list[Ticket]:
        due = [t for t in self.tickets.values() if t.next_deadline is not None and t.next_deadline <= bound]
        return sorted(due, key=lambda t: (t.next_deadline or bound, t.number))[:limit]

    def get_many(self, numbers: Sequence[str]) -> list[Ticket]:
        self.batch_reads = getattr(self, "batch_reads", 0) + 1
        return [self.tickets[n] for n in dict.fromkeys(numbers) if n in self.tickets]

    def save(
        self,
        ticket: Ticket,
        expected_version: int,
        events: Sequence[TicketEvent],
        *,
        claims: Sequence[Claim] = (),
        notices: Sequence[Notice] = (),
        previous: Ticket | None = None,
        examples: Sequence[dict[str, Any]] = (),
    ) -> Ticket:
        current = self.tickets[ticket.number]
        if current.version != expected_version:
            raise StaleVersion(expected_version, current.version)
        for claim in claims:
            if claim.claim_id in self.claims:
                raise AlreadyClaimed(claim.claim_id)
        stored = ticket.evolve(version=expected_version + 1)
        self.tickets[ticket.number] = stored
        self.event_log[ticket.number].extend(events)
        self.claims.update({c.claim_id: c for c in claims})
        self.examples.extend(examples)
        self.outbox.extend(notices)
        return stored

    def save_together(self, writes: Sequence[tuple[Ticket, int, Sequence[TicketEvent]]]) -> list[Ticket]:
        for ticket, expected_version, _events in writes:
            current = self.tickets[ticket.number]
            if current.version != expected_version:
                raise StaleVersion(expected_version, current.version)
        stored = []
        for ticket, expected_version, events in writes:
            stored.append(ticket.evolve(version=expected_version + 1))
            self.tickets[ticket.number] = stored[-1]
            self.event_log[ticket.number].extend(events)
        return stored

    def incidents_since(self, since: datetime) -> list[Ticket]:
        self.recent_queries = getattr(self, "recent_queries", 0) + 1
        return [t for t in self.tickets.values() if t.type == "incident" and t.created_at >= since]

    def in_early_life_support(self, now: datetime) -> list[Ticket]:
        from chalicelib.domain.change import early_life_support_end

        self.els_queries = getattr(self, "els_queries", 0) + 1
        return [t for t in self.tickets.values() if (end := early_life_support_end(t)) is not None and now < end]

    def awaiting_approval(self, group: str, limit: int) -> list[Ticket]:
        from chalicelib.domain.change import awaits_approval

        rows = sorted(
            (
                t
                for t in self.tickets.values()
                if t.change is not None
                and t.change.implementer_group == group
                and awaits_approval(t.status, t.change)
            ),
            key=lambda t: (t.created_at, t.number),
        )
        return rows[:limit]

    def events(self, number: str) -> list[TicketEvent]:
        return list(self.event_log.get(number, []))

    def list(self, filters: TicketFilter, limit: int, cursor: str | None) -> TicketPage:
        rows = sorted(self.tickets.values(), key=lambda t: (t.created_at, t.number), reverse=True)
        rows = [
            t
            for t in rows
            if (filters.status is None or t.status == filters.status)
            and (filters.type is None or t.type == filters.type)
            and (filters.assignee is None or t.assignee == filters.assignee)
            and (filters.group is None or t.group == filters.group)
            and (filters.requester is None or t.requester == filters.requester)
            and (filters.priority is None or t.priority == filters.priority)
            and (filters.service is None or t.service == filters.service)
            and (not filters.open_only or filters.status is not None or t.status in ALL_OPEN_STATUSES)
            and (not filters.unassigned or t.assignee is None)
        ]
        start = int(base64.b64decode(cursor)) if cursor else 0
        page = rows[start : start + limit]
        more = start + limit < len(rows)
        return TicketPage(page, base64.b64encode(str(start + limit).encode()).decode() if more else None)

    def triage(self, limit: int, cursor: str | None) -> TicketPage:
        rows = sorted((t for t in self.tickets.values() if t.awaits_triage), key=lambda t: t.created_at)
        start = int(base64.b64decode(cursor)) if cursor else 0
        more = start + limit < len(rows)
        return TicketPage(
            rows[start : start + limit], base64.b64encode(str(start + limit).encode()).decode() if more else None
        )
