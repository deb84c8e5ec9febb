"""The demo month (``make demo``, ``scripts/demo.py``) on moto, on a shorter span: every process,
real breaches, a reopen, approvals and a conflict, a freeze, a known error, corrections and a
contest are there, and the reports, queues, patrol and candidates all show something."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.domain.change import ChangePlan
from chalicelib.domain.events import EventKind
from chalicelib.domain.identity import Identity
from chalicelib.domain.ticket import Ticket
from scripts.demo import Month, SteppedClock, generate

#: Generating a week of the desk's life takes most of a minute: the soak tier's (``make soak``).
pytestmark = pytest.mark.soak

#: Monday 30 November 2026, 17:00 in Chicago: the demo's span ends here.
END = datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc)
DAYS = 7
MANAGER = Identity("maria.manager", "manager")


@pytest.fixture(scope="module")
def month() -> Iterator[tuple[Any, Month]]:
    """One demo span for the module (the generator is the slow part), on its own moto."""
    from moto import mock_aws

    from chalicelib import wiring
    from chalicelib.config import get_settings
    from chalicelib.storage.aws import client
    from chalicelib.storage.tables import create_tables
    from scripts.moto_tuning import cheap_transaction_snapshots
    from tests.conftest import TEST_SECRET, reset_caches, stage_environment

    cheap_transaction_snapshots()
    patch = pytest.MonkeyPatch()
    for name, value in {
        **stage_environment(),
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
        "DESK_LOCAL": "true", "JWT_HS256_SECRET": TEST_SECRET,
    }.items():
        patch.setenv(name, value)
    patch.delenv("DYNAMODB_ENDPOINT", raising=False)
    try:
        with mock_aws():
            reset_caches()
            create_tables(get_settings(), client("dynamodb"))
            clock = SteppedClock(END - timedelta(days=DAYS))
            desk = wiring.bootstrap(clock=clock)
            wiring.install(desk)
            made = generate(desk, clock, end=END, days=DAYS, seed=7, tick=timedelta(hours=6))
            yield desk, made
            reset_caches()
    finally:
        patch.undo()


def _tickets(desk: Any, month: Month, story: str) -> list[Ticket]:
    return [desk.tickets.get(n) for n in month.stories.get(story, [])]


def _events(desk: Any, month: Month) -> dict[str, list[Any]]:
    numbers = {n for ns in month.stories.values() for n in ns}
    return {n: desk.tickets.events(n) for n in sorted(numbers)}


def test_every_process_runs_its_lifecycle_in_english_and_german(month: tuple[Any, Month]) -> None:
    desk, made = month
    tickets = [desk.tickets.get(n) for ns in made.stories.values() for n in ns]
    assert {t.type for t in tickets} == {"incident", "service_request", "change_request", "problem"}
    statuses = {t.status for t in tickets}
    assert {"closed", "resolved", "cancelled"} <= statuses
    assert statuses & {"new", "assigned", "in_progress", "waiting_on_requester"}, "nothing left open"
    assert any(t.title.startswith(("Drucker", "VPN bricht", "Kein", "Konto", "Zweiter", "Neues")) for t in tickets)
    assert len(tickets) >= 25


def test_breaches_are_the_sweeps_and_reopens_waits_and_resumes_happened(month: tuple[Any, Month]) -> None:
    desk, made = month
    events = _events(desk, made)
    breaches = [e for es in events.values() for e in es if e.kind == EventKind.SLA_BREACHED]
    assert breaches and all(e.actor == "desk" for e in breaches)
    assert any(desk.tickets.get(n).reopen_count for n in made.stories["reopened"])
    statuses = [[e.after.get("status") for e in es if e.kind == EventKind.STATUS_CHANGED] for es in events.values()]
    assert any("waiting_on_requester" in s for s in statuses)  # paused (resumed by the reply in the full month)


def _plan(ticket: Ticket) -> ChangePlan:
    assert ticket.change is not None, ticket.number
    return ticket.change


def test_changes_have_approvals_a_conflict_a_rejection_and_an_emergency_in_a_freeze(month: tuple[Any, Month]) -> None:
    desk, made = month
    normal = _tickets(desk, made, "normal_change")[0]
    assert normal.status == "closed" and "dieter" in [a.by for a in _plan(normal).approvals]
    conflicting = _tickets(desk, made, "conflicting_change")[0]
    assert [c.number for c in _plan(conflicting).conflicts] == [normal.number]
    assert conflicting.status == "scheduled" and any(a.cab for a in _plan(conflicting).approvals)
    rejected = desk.tickets.events(made.stories["rejected_change"][0])
    assert "rejected" in [e.after.get("status") for e in rejected if e.kind == EventKind.STATUS_CHANGED]
    emergency = _tickets(desk, made, "emergency_change")[0]
    assert emergency.status == "closed" and _plan(emergency).freezes
    standard = _tickets(desk, made, "standard_change")[0]
    assert standard.status == "closed" and _plan(standard).template == "vpn-client-profile-update"
    waiting = _tickets(desk, made, "change_awaiting_approval")[0]
    assert waiting.number in [t.number for t in desk.change_service.awaiting(MANAGER)]


def test_a_candidate_became_a_known_error_and_a_major_incident_opened_a_problem(month: tuple[Any, Month]) -> None:
    desk, made = month
    problem = next(t for t in _tickets(desk, made, "printer_problem") if t.type == "problem")
    statuses = [e.after.get("status") for e in desk.tickets.events(problem.number) if e.kind == "status_changed"]
    assert "known_error" in statuses
    assert len([link for link in problem.links if link.kind == "incidents"]) == 3
    major = [t for t in _tickets(desk, made, "major_incident")]
    assert {t.type for t in major} == {"incident", "problem"}
    assert next(t for t in major if t.type == "incident").status == "closed"  # closed once its problem was resolved
    vpn = _tickets(desk, made, "known_error")
    assert vpn and all(any(link.kind == "problem" for link in t.links) for t in vpn)


def test_corrections_and_contests_are_recorded(month: tuple[Any, Month]) -> None:
    desk, made = month
    events = _events(desk, made)
    corrections = [e for es in events.values() for e in es if e.kind == EventKind.CLASSIFIED
                   and e.after.get("source") == "correction"]
    contests = [e for es in events.values() for e in es if e.kind == EventKind.CONTESTED]
    assert corrections and contests


def test_reports_queues_patrol_and_candidates_show_something(month: tuple[Any, Month]) -> None:
    desk, made = month
    first, last = (END - timedelta(days=DAYS)).date(), END.date()
    measures = desk.reports.measures(first, last, "agent")["rows"]
    assert measures and sum(row["resolved"] for row in measures) > 0
    sla = desk.reports.sla(first, last, "priority")["rows"]
    assert sum(row["breached"] for row in sla) > 0 and sum(row["met"] for row in sla) > 0
    assert made.steering_weeks[-1] == "2026-W48"
    steering = desk.steering.report("2026-W48")
    assert steering["weeks"][-1]["opened"] and steering["weeks"][-1]["opened_by_process"] and steering["breaches"]
    assert desk.queue_service.queue("breaching", MANAGER, None, 50, None).tickets or \
        desk.queue_service.queue("triage", MANAGER, None, 50, None).tickets
    assert desk.queue_service.queue("mine", Identity("ann", "agent"), None, 50, None) is not None
    assert made.patrols >= DAYS - 2
    store = desk.candidate_finder.store
    assert [c for c in store.in_state("accepted", 20) if c.id.startswith("printing:")]
