"""What the services need from the outside world, as protocols.

``chalicelib.storage`` implements them on DynamoDB; ``tests/unit/fakes.py`` in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.events import TicketEvent
from chalicelib.domain.notice import Notice
from chalicelib.domain.search import SearchQuery
from chalicelib.domain.ticket import Ticket

#: The injected clock: returns an aware UTC datetime.
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class TicketFilter:
    """Filters of ``GET /tickets``. The listing is always one index Query (the most selective of
    ``requester``, ``assignee``, ``group``, ``status``, ``type``, else every ticket newest
    first), never a Scan; the other filters narrow what it reads."""

    status: str | None = None
    type: str | None = None
    assignee: str | None = None
    group: str | None = None
    requester: str | None = None
    #: Narrow the index's answer (DynamoDB filter conditions, or the search's own check).
    priority: str | None = None
    service: str | None = None
    #: Only tickets in an open state (the queues), only those nobody is assigned.
    open_only: bool = False
    unassigned: bool = False


class TicketSearch(Protocol):
    """The ticket search index (``GET /tickets?q=``): the numbers of the tickets matching every
    word of a query, newest first (``storage/search.py`` on DynamoDB)."""

    def matching(self, query: SearchQuery) -> list[str]: ...


@dataclass(frozen=True)
class TicketPage:
    tickets: list[Ticket]
    cursor: str | None


@dataclass(frozen=True)
class Claim:
    """A side effect claimed exactly once by its deterministic id."""

    claim_id: str
    at: datetime
    ticket: str | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class IntakeKey:
    """One idempotent intake: the id it is claimed under (from the requester and their
    Idempotency-Key) and the fingerprint of the request it was made from."""

    claim_id: str
    fingerprint: str


class TicketRepository(Protocol):
    def allocate_number(self, ticket_type: str) -> str:
        """A new number for ``ticket_type``: atomic, never reused."""

    def create(
        self,
        ticket: Ticket,
        events: Sequence[TicketEvent],
        notices: Sequence[Notice] = (),
        *,
        intake: IntakeKey | None = None,
    ) -> None:
        """Write a new ticket, its first events and its notices together, or nothing. With
        ``intake``, its claim too; when an earlier attempt of that intake stored its ticket,
        raises :class:`~chalicelib.domain.errors.IntakeAlreadyStored` naming it."""

    def get(self, number: str) -> Ticket | None: ...

    def get_many(self, numbers: Sequence[str]) -> list[Ticket]:
        """The stored tickets of ``numbers``, in that order (missing ones left out)."""

    def due_before(self, bound: datetime, limit: int) -> list[Ticket]:
        """Tickets whose next SLA deadline (a warning or a breach) is at or before ``bound``,
        soonest first, at most ``limit`` (the sparse deadline index)."""

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
        """Write ``ticket``, append ``events``, claim ``claims`` and queue ``notices`` in one step
        if the stored version is ``expected_version``; raise ``StaleVersion`` otherwise, or
        ``AlreadyClaimed`` when a claim was taken before. Returns the stored ticket."""

    def events(self, number: str) -> list[TicketEvent]: ...

    def list(self, filters: TicketFilter, limit: int, cursor: str | None) -> TicketPage: ...

    def triage(self, limit: int, cursor: str | None) -> TicketPage:
        """Tickets awaiting triage, oldest first."""
        ...


@dataclass(frozen=True)
class StoredDocument:
    """One version of a configuration document (calendar, SLA policy, service...)."""

    kind: str
    name: str
    version: int
    body: dict[str, Any]
    created_at: datetime
    created_by: str

    def view(self) -> dict[str, Any]:
        return {
            **self.body,
            "name": self.name,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
        }


class ConfigRepository(Protocol):
    def add_version(
        self, kind: str, name: str, version: int, body: dict[str, Any], actor: str, now: datetime
    ) -> StoredDocument:
        """Store a new version; ``Conflict`` if that version exists already."""

    def latest(self, kind: str, name: str) -> StoredDocument | None: ...

    def get(self, kind: str, name: str, version: int) -> StoredDocument | None: ...

    def list_latest(self, kind: str) -> list[StoredDocument]: ...
