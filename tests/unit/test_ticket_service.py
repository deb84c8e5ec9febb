from __future__ import annotations

import pytest

from chalicelib.domain.errors import Forbidden, NotFound, StaleVersion
from chalicelib.domain.identity import Identity
from chalicelib.services.ports import TicketFilter
from chalicelib.services.tickets import OpenTicket, TicketChanges, TicketService
from tests.unit.fakes import FakeClock, InMemoryTicketRepository

ALICE = Identity("alice", "requester")
BOB = Identity("bob", "requester")
AGENT = Identity("ann", "agent")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def repo() -> InMemoryTicketRepository:
    return InMemoryTicketRepository()


@pytest.fixture
def service(repo: InMemoryTicketRepository, clock: FakeClock) -> TicketService:
    return TicketService(repo, clock)


def open_one(service: TicketService, who: Identity = ALICE, **kw: object) -> str:
    request = OpenTicket(**{"type": "incident", "title": "Printer jam", "description": "Tray 2", **kw})  # type: ignore[arg-type]
    return service.open_ticket(request, who).number


def test_open_defaults_impact_and_urgency_and_flags_them(service: TicketService) -> None:
    ticket = service.get_ticket(open_one(service), ALICE)
    assert (ticket.impact, ticket.urgency, ticket.priority) == ("medium", "medium", "P3")
    assert ticket.impact_defaulted and ticket.urgency_defaulted


def test_stated_impact_is_not_flagged(service: TicketService) -> None:
    ticket = service.get_ticket(open_one(service, impact="high", urgency="high"), ALICE)
    assert ticket.priority == "P1"
    assert not ticket.impact_defaulted and not ticket.urgency_defaulted


def test_numbers_per_type(service: TicketService) -> None:
    assert open_one(service) == "INC-000001"
    assert open_one(service) == "INC-000002"
    assert open_one(service, type="service_request") == "REQ-000001"
    assert open_one(service, AGENT, type="problem") == "PRB-000001"


def test_requester_cannot_open_problem(service: TicketService) -> None:
    with pytest.raises(Forbidden):
        open_one(service, type="problem")


def test_opened_event_is_first(service: TicketService, repo: InMemoryTicketRepository) -> None:
    number = open_one(service)
    events = repo.events(number)
    assert [e.kind for e in events] == ["opened"]
    assert events[0].after["priority"] == "P3" and events[0].actor == "alice"


def test_other_requester_gets_not_found(service: TicketService) -> None:
    number = open_one(service)
    with pytest.raises(NotFound):
        service.get_ticket(number, BOB)
    assert service.get_ticket(number, AGENT).number == number


def test_first_public_agent_reply_is_the_first_response_once(service: TicketService, clock: FakeClock) -> None:
    number = open_one(service)
    service.comment(number, AGENT, body="internal note", visibility="internal")
    assert service.get_ticket(number, AGENT).first_response_at is None
    clock.advance(minutes=5)
    service.comment(number, AGENT, body="Looking into it", visibility="public")
    first = service.get_ticket(number, AGENT).first_response_at
    assert first == clock.now
    clock.advance(minutes=5)
    service.comment(number, AGENT, body="Still looking", visibility="public")
    assert service.get_ticket(number, AGENT).first_response_at == first
    kinds = [e.kind for e in service.history(number, AGENT)]
    assert kinds.count("first_response") == 1


def test_requester_reply_resumes_work(service: TicketService) -> None:
    number = open_one(service)
    t = service.transition(number, "waiting_on_requester", 1, AGENT)
    service.comment(number, ALICE, body="Here is the log", visibility="public", version=t.version)
    assert service.get_ticket(number, ALICE).status == "in_progress"


def test_requester_history_hides_internal_comments(service: TicketService) -> None:
    number = open_one(service)
    service.comment(number, AGENT, body="secret", visibility="internal")
    assert all(e.after.get("visibility") != "internal" for e in service.history(number, ALICE))
    assert any(e.after.get("visibility") == "internal" for e in service.history(number, AGENT))


def test_stale_version_changes_nothing(service: TicketService, repo: InMemoryTicketRepository) -> None:
    number = open_one(service)
    service.transition(number, "in_progress", 1, AGENT)
    before = repo.get(number)
    with pytest.raises(StaleVersion):
        service.transition(number, "resolved", 1, AGENT)
    assert repo.get(number) == before


def test_assign_moves_new_ticket_to_assigned_and_records_responsibility(service: TicketService) -> None:
    number = open_one(service)
    t = service.assign(number, 1, AGENT, assignee="ann", group="network", monitor="mgr")
    assert (t.status, t.assignee, t.group, t.monitor) == ("assigned", "ann", "network", "mgr")
    assigned = next(e for e in service.history(number, AGENT) if e.kind == "assigned")
    assert assigned.before == {"assignee": None, "group": None, "monitor": None}
    assert assigned.after == {"assignee": "ann", "group": "network", "monitor": "mgr"}


def test_requester_cannot_assign(service: TicketService) -> None:
    number = open_one(service)
    with pytest.raises(Forbidden):
        service.assign(number, 1, ALICE, assignee="ann", group=None, monitor=None)


def test_resolve_then_reopen_counts(service: TicketService, clock: FakeClock) -> None:
    number = open_one(service)
    t = service.transition(number, "resolved", 1, AGENT)
    assert t.resolved_at == clock.now
    clock.advance(days=1)
    t = service.transition(number, "in_progress", t.version, ALICE)
    assert t.reopen_count == 1 and t.resolved_at is None
    reopen = [e for e in service.history(number, AGENT) if e.kind == "status_changed"][-1]
    assert reopen.after == {"status": "in_progress", "reopened": True}


def test_priority_change_is_an_event(service: TicketService) -> None:
    number = open_one(service)
    t = service.update(number, 1, AGENT, TicketChanges(impact="high", urgency="high"))
    assert t.priority == "P1" and not t.impact_defaulted
    change = next(e for e in service.history(number, AGENT) if e.kind == "priority_changed")
    assert change.before["priority"] == "P3" and change.after["priority"] == "P1"


def test_requester_list_is_forced_to_own(service: TicketService) -> None:
    open_one(service, ALICE)
    open_one(service, BOB)
    page = service.list_tickets(TicketFilter(), ALICE, 10, None)
    assert [t.requester for t in page.tickets] == ["alice"]
    with pytest.raises(Forbidden):
        service.list_tickets(TicketFilter(requester="bob"), ALICE, 10, None)
