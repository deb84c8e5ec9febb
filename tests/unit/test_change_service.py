"""Change and link services over in-memory fakes: plan edits, the one approval, its queue, links."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, IllegalTransition, StaleVersion, ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.services.changes import ChangeService
from chalicelib.services.links import LinkService
from chalicelib.services.tickets import OpenTicket, TicketService
from tests.unit.fakes import FakeClock, InMemoryTicketRepository

ALICE = Identity("alice", "requester")
ANN = Identity("ann", "agent")
DORA = Identity("dora", "agent")
NADIA = Identity("nadia", "agent")
MIA = Identity("mia", "manager")
DIETER = Identity("dieter", "agent")


class Directory:
    def services(self) -> Collection[str]:
        return {"erp", "database-hosting"}

    def groups(self) -> Collection[str]:
        return {"database", "network"}

    def groups_of(self, user: str) -> tuple[str, ...]:
        groups = {"dora": ("database",), "dieter": ("database",), "ann": ("service-desk",), "nadia": ("network",)}
        return groups.get(user, ())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def repo() -> InMemoryTicketRepository:
    return InMemoryTicketRepository()


@pytest.fixture
def tickets(repo: InMemoryTicketRepository, clock: FakeClock) -> TicketService:
    return TicketService(repo, clock)


@pytest.fixture
def changes(tickets: TicketService, repo: InMemoryTicketRepository) -> ChangeService:
    return ChangeService(tickets, repo, Directory())


def open_change(tickets: TicketService, kind: str = "change_request") -> str:
    return tickets.open_ticket(OpenTicket(type=kind, title="Upgrade DB", description="to 16"), ALICE).number


def full_plan(clock: FakeClock, model: str = "normal") -> dict[str, Any]:
    return {
        "model": model,
        "services": ["erp"],
        "window": {"start": clock.now.isoformat(), "end": (clock.now + timedelta(hours=2)).isoformat()},
        "implementation_plan": "pg_upgrade",
        "backout_plan": "restore the snapshot",
        "risk": {"likelihood": 2, "impact": 4},
        "implementer_group": "database",
    }


def plan(changes: ChangeService, number: str, **fields: Any) -> Any:
    version = changes.tickets.repository.get(number).version  # type: ignore[union-attr]
    return changes.plan(number, {"version": version, **fields}, ANN)


def move(tickets: TicketService, number: str, to: str, who: Identity = ANN, **kw: Any) -> Any:
    version = tickets.repository.get(number).version  # type: ignore[union-attr]
    return tickets.transition(number, to, version, who, **kw)


def decide(
    changes: ChangeService, number: str, who: Identity, decision: str = "approve", comment: str | None = None
) -> Any:
    version = changes.tickets.repository.get(number).version  # type: ignore[union-attr]
    return changes.decide(number, decision, comment, version, who)


def to_authorization(changes: ChangeService, tickets: TicketService, clock: FakeClock) -> str:
    number = open_change(tickets)
    plan(changes, number, **full_plan(clock))
    move(tickets, number, "assess")
    move(tickets, number, "submit", Identity("ben", "agent"))
    return number


def test_a_plan_edit_is_recorded_with_before_and_after(
    changes: ChangeService, tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    number = open_change(tickets)
    ticket = plan(changes, number, model="normal", risk={"likelihood": 4, "impact": 4})
    assert ticket.change.model == "normal" and ticket.change.risk.band == "high"
    event = repo.events(number)[-1]
    assert event.kind == "change_planned"
    assert event.before == {"model": None, "risk": None}
    assert event.after["risk"] == {"likelihood": 4, "impact": 4, "level": 16, "band": "high"}
    same = plan(changes, number, model="normal")
    assert same.version == ticket.version  # nothing changed, nothing written


def test_only_staff_plan_only_change_requests_and_the_version_guards(
    changes: ChangeService, tickets: TicketService
) -> None:
    number = open_change(tickets)
    with pytest.raises(Forbidden):
        changes.plan(number, {"version": 1, "model": "normal"}, ALICE)
    with pytest.raises(StaleVersion):
        changes.plan(number, {"version": 9, "model": "normal"}, ANN)
    incident = open_change(tickets, "incident")
    with pytest.raises(ValidationFailed) as info:
        changes.plan(incident, {"version": 1, "model": "normal"}, ANN)
    assert info.value.errors[0]["field"] == "number"
    with pytest.raises(ValidationFailed) as info:
        changes.plan(number, {"version": 1, "services": ["mail"]}, ANN)
    assert info.value.errors == [{"field": "services[0]", "reason": "mail is not a service of the catalog"}]


def test_the_approval_schedules_a_normal_change(
    changes: ChangeService, tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    number = to_authorization(changes, tickets, clock)
    ticket = decide(changes, number, DORA, comment="fine")
    assert ticket.status == "scheduled"
    assert [a.by for a in ticket.change.approvals] == ["dora"]
    kinds = [e.kind for e in repo.events(number)[-2:]]
    assert kinds == ["change_decided", "status_changed"]
    assert move(tickets, number, "implement").status == "implementing"
    assert move(tickets, number, "review", outcome="successful").change.outcome == "successful"
    assert move(tickets, number, "close").status == "closed"


def test_a_manager_may_approve(changes: ChangeService, tickets: TicketService, clock: FakeClock) -> None:
    number = to_authorization(changes, tickets, clock)
    assert decide(changes, number, MIA).status == "scheduled"


def test_who_may_not_decide(changes: ChangeService, tickets: TicketService, clock: FakeClock) -> None:
    number = to_authorization(changes, tickets, clock)
    with pytest.raises(Forbidden, match="implementer group database"):
        decide(changes, number, NADIA)
    with pytest.raises(Forbidden, match="submitted"):
        decide(changes, number, Identity("ben", "manager"))
    with pytest.raises(Forbidden, match="requester"):
        decide(changes, number, Identity("alice", "manager"))


def test_a_rejection_needs_a_comment_and_sends_the_change_to_rework(
    changes: ChangeService, tickets: TicketService, clock: FakeClock
) -> None:
    number = to_authorization(changes, tickets, clock)
    with pytest.raises(ValidationFailed) as info:
        decide(changes, number, DORA, "reject")
    assert info.value.errors[0]["field"] == "comment"
    ticket = decide(changes, number, DORA, "reject", "no back-out for the schema change")
    assert ticket.status == "rejected"
    assert move(tickets, number, "rework", ALICE).status == "new"
    with pytest.raises(Conflict):
        decide(changes, number, DORA)


def test_a_decision_outside_authorization_is_a_conflict(
    changes: ChangeService, tickets: TicketService, clock: FakeClock
) -> None:
    number = open_change(tickets)
    plan(changes, number, **full_plan(clock))
    with pytest.raises(Conflict, match="awaits no decision"):
        decide(changes, number, DORA)


def test_a_material_edit_after_approval_voids_it_and_sends_the_change_back(
    changes: ChangeService, tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    number = to_authorization(changes, tickets, clock)
    decide(changes, number, DORA)
    kept = plan(changes, number, communication="mail the ERP users")
    assert kept.status == "scheduled" and kept.change.approved
    voided = plan(changes, number, backout_plan="restore from the replica")
    assert voided.status == "authorization" and voided.change.approvals == ()
    kinds = [e.kind for e in repo.events(number)[-3:]]
    assert kinds == ["change_planned", "change_approvals_voided", "status_changed"]
    assert repo.events(number)[-2].before["approvals"][0]["by"] == "dora"


def test_an_emergency_change_records_its_authorization_afterwards(
    changes: ChangeService, tickets: TicketService, clock: FakeClock
) -> None:
    number = open_change(tickets)
    plan(changes, number, model="emergency", implementer_group="database")
    move(tickets, number, "implement", Identity("sam", "agent"))
    move(tickets, number, "review", outcome="successful")
    with pytest.raises(IllegalTransition) as info:
        move(tickets, number, "close")
    assert "the implementer group's decision on the emergency change must be recorded" in (info.value.missing or [])
    assert decide(changes, number, DORA).status == "review"
    plan(changes, number, implementation_plan="patched", backout_plan="revert", risk={"likelihood": 3, "impact": 5})
    assert move(tickets, number, "close").status == "closed"


def test_the_approval_queue_lists_what_awaits_the_caller(
    changes: ChangeService, tickets: TicketService, clock: FakeClock
) -> None:
    number = to_authorization(changes, tickets, clock)
    other = open_change(tickets)
    plan(changes, other, **full_plan(clock))
    assert [t.number for t in changes.awaiting(DORA)] == [number]
    assert [t.number for t in changes.awaiting(MIA)] == [number]
    assert changes.awaiting(NADIA) == []
    with pytest.raises(Forbidden):
        changes.awaiting(ALICE)
    decide(changes, number, DORA)
    assert changes.awaiting(DORA) == []


def test_an_outcome_only_with_the_move_out_of_implementation(tickets: TicketService) -> None:
    number = open_change(tickets)
    with pytest.raises(ValidationFailed) as info:
        move(tickets, number, "cancel", outcome="failed")
    assert info.value.errors[0]["field"] == "outcome"


# -- links --------------------------------------------------------------------------------


def test_a_link_is_written_on_both_tickets_with_events(
    tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    links = LinkService(repo, clock)
    incident = open_change(tickets, "incident")
    change = open_change(tickets)
    linked = links.link(incident, "caused_by", change, ANN, version=1)
    assert [link.to_dict() for link in linked.links] == [{"kind": "caused_by", "target": change}]
    assert [link.to_dict() for link in repo.get(change).links] == [{"kind": "caused", "target": incident}]  # type: ignore[union-attr]
    assert repo.events(change)[-1].kind == "linked" and repo.events(incident)[-1].after["target"] == change
    assert links.link(incident, "caused_by", change, ANN).version == linked.version  # again: nothing new
    unlinked = links.unlink(change, "caused", incident, ANN)
    assert unlinked.links == () and repo.get(incident).links == ()  # type: ignore[union-attr]
    assert repo.events(incident)[-1].kind == "unlinked"


def test_links_refused(tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock) -> None:
    links = LinkService(repo, clock)
    incident = open_change(tickets, "incident")
    with pytest.raises(ValidationFailed) as info:
        links.link(incident, "related", "INC-000099", ANN)
    assert info.value.errors == [{"field": "target", "reason": "no ticket INC-000099"}]
    with pytest.raises(Forbidden):
        links.link(incident, "related", incident, ALICE)
    with pytest.raises(StaleVersion):
        links.link(incident, "related", open_change(tickets), ANN, version=7)


def test_the_requester_hears_of_a_rejection_and_a_review_without_being_asked_to_confirm(
    changes: ChangeService, tickets: TicketService, clock: FakeClock
) -> None:
    from chalicelib.services.notices import NoticeFactory

    number = to_authorization(changes, tickets, clock)
    notices = NoticeFactory(channels=("outbox",), public_url="https://desk")
    rejected = tickets.repository.get(number).evolve(status="rejected")  # type: ignore[union-attr]
    [notice] = notices.status_change(rejected, "authorization", 9, clock.now, "no back-out")
    assert notice.subject == f"{number} was rejected"
    review = rejected.evolve(status="review")
    [notice] = notices.status_change(review, "implementing", 10, clock.now, None)
    assert notice.kind == "status_change" and "confirm" not in notice.text


def test_an_incident_reclassified_as_a_change_starts_in_triage(
    tickets: TicketService, repo: InMemoryTicketRepository
) -> None:
    number = open_change(tickets, "incident")
    move(tickets, number, "start")
    ticket = tickets.reclassify(number, 2, ANN, {"type": "change_request"}, "it is a change")
    assert ticket.status == "new"  # the change lifecycle has no in_progress: triage chooses its model
    moved = [e for e in repo.events(number) if e.kind == "status_changed"][-1]
    assert (moved.before["status"], moved.after["status"], moved.note) == (
        "in_progress",
        "new",
        "reclassified as change_request",
    )
    assert tickets.comment(number, ANN, body="moving it to triage", visibility="internal").status == "new"
    with pytest.raises(IllegalTransition):
        move(tickets, number, "resolved")
    # A type whose process has the ticket's status keeps it.
    request = open_change(tickets, "incident")
    move(tickets, request, "start")
    assert tickets.reclassify(request, 2, ANN, {"type": "service_request"}, "routine").status == "in_progress"


def test_implementation_records_its_actual_start_and_end(
    changes: ChangeService, tickets: TicketService, clock: FakeClock
) -> None:
    number = open_change(tickets)
    plan(changes, number, model="emergency", implementer_group="database")
    started = move(tickets, number, "implement", Identity("sam", "agent"))
    assert started.change.actual_start == clock.now and started.change.actual_end is None
    clock.advance(minutes=90)
    ended = move(tickets, number, "review", outcome="successful_with_issues")
    assert ended.change.outcome == "successful_with_issues"
    assert ended.change.actual_end == clock.now == ended.change.actual_start + timedelta(minutes=90)


# -- early-life support -------------------------------------------------------------------


def test_an_incident_on_a_service_in_early_life_support_is_linked_to_the_change(
    tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    from chalicelib.domain.change import in_early_life_support

    links = LinkService(repo, clock)
    changes = ChangeService(tickets, repo, Directory(), support=repo, links=links)
    tickets.opened = changes.early_life_support

    def incident(title: str, service: str) -> OpenTicket:
        tagged = ("early-life-support",) if changes.supporting(service, clock.now) else ()  # as intake tags
        return OpenTicket(type="incident", title=title, description="d", service=service, tags=tagged)
    number = open_change(tickets)
    plan(changes, number, model="emergency", implementer_group="database", services=["erp"], els_hours=24)
    move(tickets, number, "implement", Identity("sam", "agent"))
    before = tickets.open_ticket(incident("ERP slow", "erp"), ALICE)
    assert before.links == ()  # still implementing: support starts at its end
    move(tickets, number, "review", outcome="successful")
    change = repo.get(number)
    assert change is not None and in_early_life_support(change, "erp", clock.now)
    assert not in_early_life_support(change, "database-hosting", clock.now)
    other = tickets.open_ticket(incident("DB", "database-hosting"), ALICE)
    assert other.links == ()
    clock.advance(hours=23)
    down = tickets.open_ticket(incident("ERP down", "erp"), ALICE)
    assert [(x.kind, x.target) for x in down.links] == [("caused_by", number)]
    assert [(x.kind, x.target) for x in repo.get(number).links] == [("caused", down.number)]  # type: ignore[union-attr]
    untagged = tickets.open_ticket(OpenTicket(type="incident", title="ERP?", description="d", service="erp"), ALICE)
    assert untagged.links == ()  # only what intake tagged is linked: no read for any other ticket
    clock.advance(hours=1)
    late = tickets.open_ticket(incident("ERP again", "erp"), ALICE)
    assert late.links == ()


def test_two_approvers_deciding_at_once_are_both_recorded_and_the_change_moves_once(
    changes: ChangeService, tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    number = to_authorization(changes, tickets, clock)
    seen = repo.get(number).version  # type: ignore[union-attr]
    # dieter's write loses the race to dora's, which lands between his read and his write
    real_save = repo.save
    raced: list[bool] = []

    def save(ticket: Any, expected_version: int, events: Any, **kw: Any) -> Any:
        if not raced and events and events[0].actor == "dieter":
            raced.append(True)
            changes.decide(number, "approve", "go", seen, DORA)
        return real_save(ticket, expected_version, events, **kw)

    repo.save = save  # type: ignore[method-assign]
    ticket = changes.decide(number, "approve", "fine by me", seen, DIETER)
    assert raced and ticket.status == "scheduled" and ticket.version == seen + 2
    assert ticket.change is not None
    assert [(a.by, a.decision) for a in ticket.change.approvals] == [("dora", "approve"), ("dieter", "approve")]
    kinds = [e.kind for e in repo.events(number)]
    assert kinds.count("change_decided") == 2
    assert [e.after["status"] for e in repo.events(number) if e.kind == "status_changed"][-1:] == ["scheduled"]
    assert sum(1 for e in repo.events(number) if e.after.get("status") == "scheduled") == 1
    # a third decision on the same version, read after both: recorded, no move (the outcome stands)
    late = changes.decide(number, "reject", "not in this window", seen, MIA)
    assert late.change is not None
    assert late.status == "scheduled" and [a.by for a in late.change.approvals] == ["dora", "dieter", "mia"]


def test_a_decision_on_a_version_changed_by_anything_but_decisions_is_stale(
    changes: ChangeService, tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    number = to_authorization(changes, tickets, clock)
    seen = repo.get(number).version  # type: ignore[union-attr]
    plan(changes, number, test_plan="smoke tests")
    with pytest.raises(StaleVersion):
        changes.decide(number, "approve", None, seen, DORA)


def test_a_freeze_declared_after_the_plan_still_stops_the_move(
    tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    from chalicelib.domain.conflicts import Freeze
    from chalicelib.domain.events import EventKind

    declared: list[Freeze] = []
    changes = ChangeService(tickets, repo, Directory(), freezes=lambda: declared)
    number = open_change(tickets)
    plan(changes, number, **{**full_plan(clock, "emergency"), "implementer_group": "database"})
    assert repo.get(number).change.freezes == ()  # type: ignore[union-attr]
    declared.append(Freeze("erp-close", clock.now - timedelta(days=1), clock.now + timedelta(days=3), "year-end"))

    version = repo.get(number).version  # type: ignore[union-attr]
    with pytest.raises(IllegalTransition) as info:
        changes.move(number, "implement", version, ANN)
    assert any("erp-close: year-end" in m for m in info.value.missing or [])
    assert repo.get(number).version == version  # type: ignore[union-attr]  # nothing written by the refusal

    moved = changes.move(number, "implement", version, ANN, reason="the ERP is down for everyone")
    assert moved.status == "implementing"
    assert moved.change is not None and moved.change.freezes == ("erp-close: year-end",)
    rechecked = [e for e in repo.events(number) if e.kind == EventKind.CHANGE_PLANNED and e.after.get("freezes")]
    assert rechecked and rechecked[-1].note == "checked again at the move"


def test_triage_sends_a_change_request_to_request_fulfilment_once(
    tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    changes = ChangeService(tickets, repo, Directory(), links=LinkService(repo, clock))
    number = open_change(tickets)
    version = repo.get(number).version  # type: ignore[union-attr]
    sent = changes.send_elsewhere(number, "request_fulfilment", "routine: a standard install", version, ANN)
    assert sent.status == "closed" and sent.change is not None and sent.change.sent_to is not None
    request = sent.change.sent_to.reference
    assert request.startswith("REQ-") and [link.to_dict() for link in sent.links] == [
        {"kind": "superseded_by", "target": request}
    ]
    became = repo.get(request)
    assert became is not None and became.type == "service_request"
    assert (became.requester, became.title, became.description) == ("alice", "Upgrade DB", "to 16")
    assert [link.to_dict() for link in became.links] == [{"kind": "supersedes", "target": number}]
    assert [e.actor for e in repo.events(request)][:2] == ["ann", "ann"]  # opened by triage, for alice
    closing = [e for e in repo.events(number) if e.kind == "status_changed"][-1]
    assert closing.note == f"sent to request fulfilment as {request}: routine: a standard install"

    # A retry (the answer was lost) opens nothing new and answers the change as it is.
    assert changes.send_elsewhere(number, "request_fulfilment", "routine", version, ANN) == repo.get(number)
    with pytest.raises(ValidationFailed):
        changes.send_elsewhere(number, "project", "then a project", repo.get(number).version, ANN, "P-1")  # type: ignore[union-attr]
    assert sum(1 for t in repo.tickets.values() if t.type == "service_request") == 1


def test_a_retry_after_the_request_was_opened_finishes_the_job_without_a_second_request(
    tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    links = LinkService(repo, clock)
    changes = ChangeService(tickets, repo, Directory(), links=links)
    number = open_change(tickets)
    version = repo.get(number).version  # type: ignore[union-attr]
    original = tickets.amend

    def lost(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the storage went away")

    tickets.amend = lost  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        changes.send_elsewhere(number, "request_fulfilment", "routine", version, ANN)
    tickets.amend = original  # type: ignore[method-assign]
    assert repo.get(number).status == "new"  # type: ignore[union-attr]
    sent = changes.send_elsewhere(number, "request_fulfilment", "routine", version, ANN)
    assert sent.status == "closed"
    assert sum(1 for t in repo.tickets.values() if t.type == "service_request") == 1


def test_triage_makes_a_change_request_a_project_and_refuses_what_it_cannot_send(
    changes: ChangeService, tickets: TicketService, repo: InMemoryTicketRepository, clock: FakeClock
) -> None:
    number = open_change(tickets)
    version = repo.get(number).version  # type: ignore[union-attr]
    with pytest.raises(ValidationFailed) as refused:
        changes.send_elsewhere(number, "project", "too big", version, ANN)
    assert refused.value.errors[0]["field"] == "reference"
    with pytest.raises(ValidationFailed):
        changes.send_elsewhere(number, "elsewhere", "why not", version, ANN)
    with pytest.raises(Forbidden):
        changes.send_elsewhere(number, "project", "too big", version, ALICE, "PMO-12")
    with pytest.raises(StaleVersion):
        changes.send_elsewhere(number, "project", "too big", version + 1, ANN, "PMO-12")
    made = changes.send_elsewhere(number, "project", "a year of work", version, ANN, "https://pmo.example/p/12")
    assert made.status == "closed" and made.change is not None
    assert made.change.view()["sent_to"] == {"process": "project", "reference": "https://pmo.example/p/12"}
    incident = open_change(tickets, "incident")
    with pytest.raises(ValidationFailed):
        changes.send_elsewhere(incident, "project", "no", 1, ANN, "x")
    with pytest.raises(Forbidden):
        move(tickets, open_change(tickets), "send_elsewhere", reason="staff cannot use the desk's move")
