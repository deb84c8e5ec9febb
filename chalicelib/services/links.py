"""Linking tickets: one mechanism for every process (``chalicelib.domain.links``).

Both halves of a link are written in one transaction, each ticket guarded by the version read
and given its own ``linked``/``unlinked`` event, so the two tickets never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from chalicelib.domain.errors import NotFound, StaleVersion, ValidationFailed
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.identity import STAFF_ROLES, Identity
from chalicelib.domain.links import Link, check_kind, check_link, inverse_of
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import tracer
from chalicelib.services.ports import Clock


class LinkedTickets(Protocol):
    """Reading tickets and writing several in one transaction."""

    def get(self, number: str) -> Ticket | None: ...

    def save_together(self, writes: Sequence[tuple[Ticket, int, Sequence[TicketEvent]]]) -> list[Ticket]: ...


def _with_event(
    ticket: Ticket, links: tuple[Link, ...], kind: str, link: Link, actor: str, now: datetime
) -> tuple[Ticket, TicketEvent]:
    seq = ticket.event_seq + 1
    payload = link.to_dict()
    event = TicketEvent(
        ticket=ticket.number,
        seq=seq,
        at=now,
        actor=actor,
        kind=kind,
        before=payload if kind == EventKind.UNLINKED else {},
        after=payload if kind == EventKind.LINKED else {},
    )
    return ticket.evolve(links=links, event_seq=seq, updated_at=now), event


#: Told of each new link once it is written: (the source ticket, the target ticket, the source's link).
LinkListener = Callable[[Ticket, Ticket, Link], None]


class LinkService:
    def __init__(self, repository: LinkedTickets, clock: Clock, *, on_linked: LinkListener | None = None) -> None:
        self.repository = repository
        self.clock = clock
        self.on_linked = on_linked

    def _source(self, number: str, caller: Identity, version: int | None) -> Ticket:
        caller.require(*STAFF_ROLES)
        ticket = self.repository.get(number)
        if ticket is None:
            raise NotFound(f"no ticket {number}", field="number")
        if version is not None and version != ticket.version:
            raise StaleVersion(version, ticket.version)
        return ticket

    @tracer.capture_method
    def link(self, number: str, kind: str, target: str, caller: Identity, version: int | None = None) -> Ticket:
        """Link ``number`` to ``target`` as ``kind`` (and ``target`` back with the inverse kind).
        Linking again what is linked already changes nothing."""
        check_kind(kind)
        source = self._source(number, caller, version)
        other = self.repository.get(target)
        if other is None:
            raise ValidationFailed([{"field": "target", "reason": f"no ticket {target}"}])
        halves = check_link(source.number, source.type, source.links, kind, other.number, other.type, other.links)
        if halves is None:
            return source
        mine, theirs = halves
        now = self.clock()
        new_source, source_event = _with_event(source, (*source.links, mine), EventKind.LINKED, mine, caller.user, now)
        new_other, other_event = _with_event(other, (*other.links, theirs), EventKind.LINKED, theirs, caller.user, now)
        stored = self.repository.save_together(
            [(new_source, source.version, [source_event]), (new_other, other.version, [other_event])]
        )
        if self.on_linked is not None:
            self.on_linked(stored[0], stored[1], mine)
        return stored[0]

    @tracer.capture_method
    def unlink(self, number: str, kind: str, target: str, caller: Identity) -> Ticket:
        """Remove the link (both halves)."""
        check_kind(kind)
        source = self._source(number, caller, None)
        mine = Link(kind, target)
        if mine not in source.links:
            raise NotFound(f"{number} has no {kind} link to {target}", field="link")
        now = self.clock()
        writes: list[tuple[Ticket, int, Sequence[TicketEvent]]] = []
        new_source, event = _with_event(
            source, tuple(x for x in source.links if x != mine), EventKind.UNLINKED, mine, caller.user, now
        )
        writes.append((new_source, source.version, [event]))
        other = self.repository.get(target)
        theirs = inverse_of(mine, number)
        if other is not None and theirs in other.links:
            new_other, other_event = _with_event(
                other, tuple(x for x in other.links if x != theirs), EventKind.UNLINKED, theirs, caller.user, now
            )
            writes.append((new_other, other.version, [other_event]))
        return self.repository.save_together(writes)[0]
