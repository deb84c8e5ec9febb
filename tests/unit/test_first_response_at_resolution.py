"""A resolution before any public reply is the first response: the ticket and the clocks agree."""

from __future__ import annotations

from chalicelib.domain.events import EventKind
from chalicelib.domain.identity import Identity
from chalicelib.services.tickets import OpenTicket, TicketService
from tests.unit.fakes import FakeClock, InMemoryTicketRepository

ALICE = Identity("alice", "requester")
AGENT = Identity("ann", "agent")


def _service() -> tuple[TicketService, InMemoryTicketRepository, FakeClock]:
    repo, clock = InMemoryTicketRepository(), FakeClock()
    return TicketService(repo, clock), repo, clock


def test_resolving_without_a_reply_sets_first_response_at_with_an_event_naming_the_resolution() -> None:
    service, repo, clock = _service()
    number = service.open_ticket(OpenTicket("incident", "Printer jam", "Tray 2"), ALICE).number
    clock.advance(hours=2)
    ticket = service.transition(number, "resolved", 1, AGENT, "replaced the roller")
    assert ticket.first_response_at == clock.now == ticket.resolved_at
    kinds = [e.kind for e in repo.events(number)]
    assert kinds[-2:] == [EventKind.FIRST_RESPONSE, EventKind.STATUS_CHANGED]
    first = repo.events(number)[-2]
    assert first.after == {"first_response_at": clock.now.isoformat(), "source": "resolution"}


def test_a_reply_before_the_resolution_stays_the_first_response() -> None:
    service, repo, clock = _service()
    number = service.open_ticket(OpenTicket("incident", "Printer jam", "Tray 2"), ALICE).number
    clock.advance(minutes=10)
    replied = service.comment(number, AGENT, body="On my way", visibility="public")
    answered_at = clock.now
    clock.advance(hours=1)
    ticket = service.transition(number, "resolved", replied.version, AGENT)
    assert ticket.first_response_at == answered_at
    assert [e.kind for e in repo.events(number)].count(EventKind.FIRST_RESPONSE) == 1
