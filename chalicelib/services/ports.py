"""What the services need from the outside world, as protocols.

``chalicelib.storage`` implements them on DynamoDB; ``tests/unit/fakes.py`` in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.domain.events import TicketEvent
from chalicelib.domain.ticket import Ticket

#: The injected clock: returns an aware UTC datetime.
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class TicketFilter:
    """Filters of ``GET /tickets``; every one is served by a key or an index."""

    status: str | None = None
    type: str | None = None
    assignee: str | None = None
    group: str | None = None
    requester: str | None = None


@dataclass(frozen=True)
class TicketPage:
    tickets: list[Ticket]
    cursor: str | None


class TicketRepository(Protocol):
    def allocate_number(self, ticket_type: str) -> str:
        """A new number for ``ticket_type``: atomic, never reused."""

    def create(self, ticket: Ticket, events: Sequence[TicketEvent]) -> None:
        """Write a new ticket and its first events together, or nothing."""

    def get(self, number: str) -> Ticket | None: ...

    def save(self, ticket: Ticket, expected_version: int, events: Sequence[TicketEvent]) -> Ticket:
        """Write ``ticket`` and append ``events`` in one step if the stored version is
        ``expected_version``; raise ``StaleVersion`` otherwise. Returns the stored ticket."""

    def events(self, number: str) -> list[TicketEvent]: ...

    def list(self, filters: TicketFilter, limit: int, cursor: str | None) -> TicketPage: ...
