"""The agent's queues over in-memory fakes: who sees which, what each holds, refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import Forbidden, ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.services.queues import QueueService
from chalicelib.services.tickets import OpenTicket, TicketService
from tests.unit.fakes import FakeClock, InMemoryTicketRepository

ALICE = Identity("alice", "requester")
ELENA = Identity("elena", "agent")
NADIA = Identity("nadia", "agent")
MIA = Identity("mia", "manager")
GROUPS = {"elena": ("end-user-computing",), "nadia": ("network",)}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def repo() -> InMemoryTicketRepository:
    return InMemoryTicketRepository()


@pytest.fixture
def queues(repo: InMemoryTicketRepository, clock: FakeClock) -> QueueService:
    tickets = TicketService(repo, clock)
    return QueueService(tickets, lambda user: GROUPS.get(user, ()), lambda: {"end-user-computing", "network"})


def _open(queues: QueueService, title: str, group: str, assignee: str | None = None) -> str:
    tickets = queues.tickets
    number = tickets.open_ticket(OpenTicket(type="incident", title=title, description="d"), ALICE).number
    version = tickets.repository.get(number).version  # type: ignore[union-attr]
    tickets.assign(number, version, MIA, assignee=assignee, group=group, monitor=None)
    return number


def _titles(page: object) -> list[str]:
    return [t.title for t in page.tickets]  # type: ignore[attr-defined]


def test_each_queue_holds_what_its_name_says(queues: QueueService, repo: InMemoryTicketRepository) -> None:
    _open(queues, "laptop", "end-user-computing", "elena")
    _open(queues, "printer", "end-user-computing")
    waiting = _open(queues, "monitor", "end-user-computing", "elena")
    done = _open(queues, "mouse", "end-user-computing", "elena")
    _open(queues, "vpn", "network")
    tickets = queues.tickets
    tickets.transition(waiting, "ask_requester", repo.get(waiting).version, ELENA)  # type: ignore[union-attr]
    tickets.transition(done, "resolve", repo.get(done).version, ELENA)  # type: ignore[union-attr]

    assert _titles(queues.queue("mine", ELENA, None, 10, None)) == ["monitor", "laptop"]
    assert _titles(queues.queue("waiting", ELENA, None, 10, None)) == ["monitor"]
    assert _titles(queues.queue("group", ELENA, "end-user-computing", 10, None)) == ["monitor", "printer", "laptop"]
    assert _titles(queues.queue("unassigned", ELENA, "end-user-computing", 10, None)) == ["printer"]
    assert _titles(queues.queue("group", MIA, "network", 10, None)) == ["vpn"]


def test_breaching_soon_is_soonest_first_within_the_callers_groups(
    queues: QueueService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    later = _open(queues, "later", "end-user-computing")
    sooner = _open(queues, "sooner", "end-user-computing")
    far = _open(queues, "far", "end-user-computing")
    theirs = _open(queues, "theirs", "network")
    for number, hours in ((later, 3), (sooner, 1), (far, 30), (theirs, 2)):
        ticket = repo.get(number)
        assert ticket is not None
        repo.tickets[number] = ticket.evolve(next_deadline=clock.now + timedelta(hours=hours))
    assert _titles(queues.queue("breaching", ELENA, None, 10, None)) == ["sooner", "later"]
    assert _titles(queues.queue("breaching", MIA, None, 10, None)) == ["sooner", "theirs", "later"]


def test_the_queue_list_and_the_refusals(queues: QueueService) -> None:
    names = [(q.name, q.group) for q in queues.queues(ELENA)]
    assert names == [
        ("mine", None),
        ("waiting", None),
        ("breaching", None),
        ("triage", None),
        ("group", "end-user-computing"),
        ("unassigned", "end-user-computing"),
    ]
    assert len(queues.queues(MIA)) == 4 + 2 * 2
    with pytest.raises(Forbidden):
        queues.queues(ALICE)
    with pytest.raises(Forbidden):
        queues.queue("group", NADIA, "end-user-computing", 10, None)
    with pytest.raises(ValidationFailed) as info:
        queues.queue("group", ELENA, None, 10, None)
    assert info.value.errors[0]["field"] == "group"
    with pytest.raises(ValidationFailed) as info:
        queues.queue("everything", ELENA, None, 10, None)
    assert info.value.errors[0]["field"] == "name"
    with pytest.raises(ValidationFailed):
        queues.queue("mine", ELENA, "network", 10, None)
