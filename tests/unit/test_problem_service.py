"""The problem process over in-memory fakes: the record, problem-from, the closure gate's three
paths (agent, requester confirmation, desk), auto-open, auto-close, recurrence, publishing."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.errors import Forbidden, IllegalTransition, StaleVersion, ValidationFailed
from chalicelib.domain.events import EventKind
from chalicelib.domain.identity import SYSTEM, Identity
from chalicelib.domain.problem import DEFAULT_ROOT_CAUSE_CATEGORIES
from chalicelib.services.links import LinkService
from chalicelib.services.problems import ProblemService
from chalicelib.services.tickets import OpenTicket, TicketService
from tests.unit.fakes import FakeClock, InMemoryTicketRepository

ALICE = Identity("alice", "requester")
ANN = Identity("ann", "agent")
MAX = Identity("max", "manager")
CAUSE = {"description": "expired certificate", "category": "configuration"}


class Desk:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.repo = InMemoryTicketRepository()
        self.problems: ProblemService | None = None
        self.tickets = TicketService(
            self.repo, self.clock, moved=lambda before, after: self.service.after_move(before, after)
        )
        self.links = LinkService(self.repo, self.clock, on_linked=lambda *link: self.service.linked(*link))
        self.problems = ProblemService(
            self.tickets, self.links, services=lambda: {"vpn"}, categories=DEFAULT_ROOT_CAUSE_CATEGORIES
        )

    @property
    def service(self) -> ProblemService:
        assert self.problems is not None
        return self.problems

    def incident(self, urgency: str = "high", who: Identity = ALICE) -> str:
        request = OpenTicket("incident", "VPN drops", "AnyConnect drops", service="vpn", impact="high", urgency=urgency)
        return self.tickets.open_ticket(request, who).number

    def move(self, number: str, to: str, who: Identity = ANN, reason: str | None = None) -> Any:
        return self.tickets.transition(number, to, self.repo.tickets[number].version, who, reason)

    def record(self, number: str, **fields: Any) -> Any:
        return self.service.record(number, {"version": self.repo.tickets[number].version, **fields}, ANN)

    def get(self, number: str) -> Any:
        return self.repo.tickets[number]


@pytest.fixture
def desk() -> Desk:
    return Desk()


def test_the_record_is_version_guarded_staff_only_and_for_problems_only(desk: Desk) -> None:
    inc = desk.incident()
    prb = desk.service.open_from(inc, ANN).number
    with pytest.raises(StaleVersion):
        desk.service.record(prb, {"version": 99, "workaround": "x"}, ANN)
    with pytest.raises(Forbidden):
        desk.service.record(prb, {"version": 1, "workaround": "x"}, ALICE)
    with pytest.raises(ValidationFailed) as refused:
        desk.service.record(inc, {"version": desk.get(inc).version, "workaround": "x"}, ANN)
    assert refused.value.errors[0]["field"] == "number"
    stored = desk.record(prb, workaround="use vpn2", root_causes=[CAUSE])
    assert stored.problem.workaround == "use vpn2"
    assert desk.repo.event_log[prb][-1].kind == EventKind.PROBLEM_RECORDED


def test_problem_from_links_the_incident_both_ways(desk: Desk) -> None:
    inc = desk.incident()
    problem = desk.service.open_from(inc, ANN, "VPN gateway")
    assert problem.number == "PRB-000001" and problem.title == "VPN gateway"
    assert [(link.kind, link.target) for link in problem.links] == [("incidents", inc)]
    assert [(link.kind, link.target) for link in desk.get(inc).links] == [("problem", problem.number)]
    assert problem.problem is not None and problem.problem.services == ("vpn",)
    view = desk.service.related(problem, ANN)
    assert view["incidents"][0]["number"] == inc and view["incidents"][0]["status"] == "new"
    with pytest.raises(ValidationFailed):
        desk.service.open_from(problem.number, ANN)


def test_resolving_a_major_incident_without_a_problem_opens_one(desk: Desk) -> None:
    inc = desk.incident()
    resolved = desk.move(inc, "resolve")
    assert resolved.status == "resolved"
    assert [link.kind for link in resolved.links] == ["problem"]
    problem = desk.get(resolved.links[0].target)
    assert problem.type == "problem" and problem.requester == SYSTEM.user
    minor = desk.incident(urgency="low")  # P3
    assert desk.move(minor, "resolve").links == ()


def test_the_gate_refuses_the_agent_records_the_requester_and_the_problem_closes_the_incident(desk: Desk) -> None:
    inc = desk.incident()
    desk.move(inc, "resolve")
    prb = desk.get(inc).links[0].target
    with pytest.raises(IllegalTransition) as refused:
        desk.move(inc, "close")
    assert f"{prb} is new without a root cause" in str(refused.value)
    confirmed = desk.move(inc, "confirm", ALICE)
    assert confirmed.status == "resolved" and confirmed.confirmed_at == desk.clock.now
    assert desk.repo.event_log[inc][-1].kind == EventKind.CLOSURE_CONFIRMED
    again = desk.move(inc, "confirm", ALICE)
    assert again.version == confirmed.version  # recorded once
    gate = desk.service.related(desk.get(inc), ALICE)["closure_gate"]
    assert gate["holds"] and gate["confirmed_at"]

    desk.move(prb, "analyse")
    desk.record(prb, root_causes=[CAUSE], workaround="use vpn2")
    desk.move(prb, "known_error")
    assert desk.get(inc).status == "resolved"  # a known error is not addressed yet
    desk.move(prb, "resolve", reason="certificate renewed, monitoring added")
    closed = desk.get(inc)
    assert closed.status == "closed"
    trend = desk.service.related(desk.get(prb), ANN)["trend"]
    assert trend["before_per_week"] is not None and trend["weeks"][-1]["after_fix"] is False
    assert desk.repo.event_log[inc][-1].actor == SYSTEM.user


def test_the_desks_own_close_is_held_too(desk: Desk) -> None:
    inc = desk.incident()
    desk.move(inc, "resolve")
    with pytest.raises(IllegalTransition):
        desk.tickets.transition(inc, "close", desk.get(inc).version, SYSTEM, "auto-close")


def test_a_new_incident_linked_to_a_resolved_problem_is_a_recurrence(desk: Desk) -> None:
    inc = desk.incident()
    prb = desk.service.open_from(inc, ANN).number
    desk.move(prb, "analyse")
    desk.record(prb, root_causes=[CAUSE])
    desk.move(prb, "resolve", reason="renewed")
    old = desk.incident()
    desk.clock.advance(days=2)
    desk.links.link(prb, "incidents", old, ANN)  # opened before the fix: not a recurrence
    assert desk.get(prb).status == "resolved"
    new = desk.incident()
    desk.links.link(new, "problem", prb, ANN)
    again = desk.get(prb)
    assert again.status == "analysis"
    assert desk.repo.event_log[prb][-1].note == f"recurrence: {new} linked after resolution"


def test_publishing_the_workaround_replies_once_to_each_open_incident(desk: Desk) -> None:
    first, second, done = desk.incident(), desk.incident(urgency="low"), desk.incident(urgency="low")
    prb = desk.service.open_from(first, ANN).number
    for number in (second, done):
        desk.links.link(prb, "incidents", number, ANN)
    desk.move(done, "cancel")
    with pytest.raises(ValidationFailed) as refused:
        desk.service.publish_workaround(prb, ANN)
    assert refused.value.errors[0]["field"] == "workaround"
    desk.record(prb, workaround="Connect to vpn2.example.com")
    answer = desk.service.publish_workaround(prb, ANN)
    assert answer == {"problem": prb, "published": [first, second], "skipped": [done]}
    reply = [e for e in desk.repo.event_log[first] if e.kind == EventKind.COMMENTED][-1]
    assert reply.after["visibility"] == "public" and "vpn2.example.com" in reply.after["body"]
    assert desk.get(first).first_response_at is not None
    retried = desk.service.publish_workaround(prb, ANN)
    assert retried["published"] == [] and set(retried["skipped"]) == {first, second, done}
    assert sum(e.kind == EventKind.WORKAROUND_PUBLISHED for e in desk.repo.event_log[first]) == 1
    view = desk.service.related(desk.get(first), ALICE)
    assert view["problem"]["workaround"] == "Connect to vpn2.example.com"
    assert "has_root_cause" not in view["problem"]
