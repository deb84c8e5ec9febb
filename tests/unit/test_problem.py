"""The problem record, the problem lifecycle's gates and the closure gate of major incidents."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.domain.change import ChangePlan
from chalicelib.domain.errors import IllegalTransition, ValidationFailed
from chalicelib.domain.lifecycle import DESK, REQUESTER, STAFF, MoveFacts
from chalicelib.domain.links import Link
from chalicelib.domain.problem import (
    DEFAULT_ROOT_CAUSE_CATEGORIES,
    ProblemRecord,
    RootCause,
    apply_record_edit,
    closure_refusal,
    parse_record_edit,
)
from chalicelib.domain.processes import lifecycle_for
from chalicelib.domain.ticket import Ticket

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
FLOW = lifecycle_for("problem")
CAUSE = RootCause("certificate expired on the VPN gateway", "configuration", "gateway log 14:02")


def ticket(number: str = "PRB-000001", type_: str = "problem", status: str = "analysis", **kw: Any) -> Ticket:
    return Ticket(
        number=number,
        type=type_,
        title="VPN drops",
        description="",
        requester="ann",
        status=status,
        impact="high",
        urgency="high",
        priority=kw.pop("priority", "P1"),
        created_at=NOW,
        updated_at=NOW,
        **kw,
    )


def facts(t: Ticket, reason: str | None = None, role: str = "agent", linked: dict[str, Any] | None = None) -> MoveFacts:
    return MoveFacts(t, reason, NOW, timedelta(days=14), linked=linked or {}, role=role)


def parse(body: dict[str, Any]) -> Any:
    return parse_record_edit(body, services={"vpn", "email"}, categories=DEFAULT_ROOT_CAUSE_CATEGORIES, now=NOW)


# -- the record ---------------------------------------------------------------------------


def test_a_record_edit_reads_every_field_and_round_trips() -> None:
    edit = parse(
        {
            "version": 3,
            "statement": "VPN sessions drop every few minutes",
            "services": ["vpn"],
            "root_causes": [CAUSE.to_dict(), {"description": "no monitoring of expiry", "category": "process"}],
            "workaround": "Reconnect with the backup gateway vpn2.example.com",
            "symptoms": ["vpn drops", "anyconnect disconnects"],
            "tasks": [{"title": "Renew certificate", "owner": "ann", "due": "2026-11-25T12:00:00Z"}],
            "review_at": "2027-01-10T12:00:00+00:00",
        }
    )
    assert edit.version == 3
    change = apply_record_edit(None, edit)
    record = change.record
    assert record.has_root_cause and len(record.root_causes) == 2
    assert record.tasks[0].due == datetime(2026, 11, 25, 12, tzinfo=timezone.utc) and not record.tasks[0].done
    assert ProblemRecord.from_dict(record.to_dict()) == record
    assert set(change.after) == {
        "statement",
        "services",
        "root_causes",
        "workaround",
        "symptoms",
        "tasks",
        "review_at",
    }


def test_a_bad_record_edit_names_every_field_and_reason() -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse(
            {
                "statement": "",
                "services": ["payroll"],
                "root_causes": [{"description": "x", "category": "gremlins"}, "text"],
                "tasks": [{"owner": "ann", "due": "tomorrow", "done": "yes"}],
                "review_at": "2020-01-01T00:00:00Z",
                "colour": "red",
            }
        )
    fields = {e["field"]: e["reason"] for e in refused.value.errors}
    assert fields["version"] == "is required"
    assert fields["colour"] == "unknown field"
    assert fields["statement"] == "must be a non-empty string"
    assert "not a service of the catalog" in fields["services[0]"]
    assert fields["root_causes[0].category"].startswith("must be one of software")
    assert "must be an object" in fields["root_causes[1]"]
    assert fields["tasks[0].title"] == "is required"
    assert "due" in " ".join(fields) and fields["tasks[0].done"] == "must be true or false"
    assert fields["review_at"] == "must lie in the future"


def test_an_edit_records_only_what_changed_and_none_clears() -> None:
    record = ProblemRecord(statement="s", workaround="w")
    change = apply_record_edit(record, parse({"version": 1, "statement": "s", "workaround": None}))
    assert change.before == {"workaround": "w"} and change.after == {"workaround": None}


# -- the lifecycle's gates ----------------------------------------------------------------


def test_the_problem_lifecycle_runs_new_to_closed() -> None:
    assert FLOW.allowed("new", STAFF) == ("analysis", "cancelled", "duplicate")
    assert FLOW.allowed("analysis", STAFF) == ("known_error", "resolved", "risk_accepted", "cancelled", "duplicate")
    assert FLOW.allowed("resolved", STAFF) == ("analysis", "closed")
    assert FLOW.allowed("resolved", DESK) == ("analysis",)
    assert FLOW.allowed("analysis", REQUESTER) == ()
    assert FLOW.phase("risk_accepted").value == "resolved"
    assert set(FLOW.terminal_states) == {"closed", "cancelled", "duplicate"}


def test_known_error_needs_a_root_cause_and_a_workaround_and_names_both() -> None:
    with pytest.raises(IllegalTransition) as refused:
        FLOW.check("analysis", "known_error", STAFF, facts(ticket()))
    assert refused.value.missing == [
        "a root cause is required (problem.root_causes)",
        "a workaround is required (problem.workaround)",
    ]
    ready = ticket(problem=ProblemRecord(root_causes=(CAUSE,), workaround="reconnect"))
    assert FLOW.check("analysis", "declare_known_error", STAFF, facts(ready)).target == "known_error"


def test_resolving_needs_a_root_cause_and_a_successful_fix_or_a_justification() -> None:
    bare = ticket(status="known_error")
    with pytest.raises(IllegalTransition) as refused:
        FLOW.check("known_error", "resolve", STAFF, facts(bare))
    assert refused.value.missing == [
        "a root cause is required (problem.root_causes)",
        "a fixed_by change that implemented successfully, or a justification (reason), is required",
    ]
    caused = ticket(status="known_error", problem=ProblemRecord(root_causes=(CAUSE,)))
    assert FLOW.check("known_error", "resolve", STAFF, facts(caused, reason="vendor patched it")).target == "resolved"
    fixed = caused.evolve(links=(Link("fixed_by", "CHG-000001"),))
    failed = ticket("CHG-000001", "change_request", "review", change=ChangePlan(outcome="failed"))
    with pytest.raises(IllegalTransition):
        FLOW.check("known_error", "resolve", STAFF, facts(fixed, linked={"CHG-000001": failed}))
    worked = failed.evolve(change=ChangePlan(outcome="successful"))
    assert FLOW.check("known_error", "resolve", STAFF, facts(fixed, linked={"CHG-000001": worked})).target == "resolved"


def test_accepting_the_risk_is_a_managers_decision_with_a_review_date() -> None:
    with pytest.raises(IllegalTransition) as refused:
        FLOW.check("analysis", "accept_risk", STAFF, facts(ticket()))
    assert refused.value.missing == [
        "only a manager may accept the risk",
        "a review date is required (problem.review_at)",
    ]
    dated = ticket(problem=ProblemRecord(review_at=NOW + timedelta(days=90)))
    assert FLOW.check("analysis", "accept_risk", STAFF, facts(dated, role="manager")).target == "risk_accepted"


def test_a_duplicate_names_the_problem_it_duplicates() -> None:
    with pytest.raises(IllegalTransition) as refused:
        FLOW.check("new", "duplicate_of", STAFF, facts(ticket(status="new")))
    assert refused.value.missing == ["a duplicate_of link to the other problem is required"]
    linked = ticket(status="new", links=(Link("duplicate_of", "PRB-000002"),))
    assert FLOW.check("new", "duplicate", STAFF, facts(linked)).target == "duplicate"


# -- the closure gate ---------------------------------------------------------------------

INCIDENT_FLOW = lifecycle_for("incident")


def incident(priority: str = "P1", *links: Link) -> Ticket:
    return ticket("INC-000001", "incident", "resolved", priority=priority, links=links)


@pytest.mark.parametrize("actor", [STAFF, REQUESTER, DESK])
def test_a_major_incident_closes_only_once_its_problem_is_addressed(actor: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        INCIDENT_FLOW.check("resolved", "close", actor, facts(incident()))
    assert refused.value.missing == [
        "a P1 incident closes only once a linked problem has a root cause and is resolved, closed or "
        "risk_accepted; it has no linked problem"
    ]
    linked = incident("P1", Link("problem", "PRB-000001"))
    open_problem = ticket(problem=ProblemRecord(root_causes=(CAUSE,)))
    with pytest.raises(IllegalTransition) as held:
        INCIDENT_FLOW.check("resolved", "close", actor, facts(linked, linked={"PRB-000001": open_problem}))
    assert held.value.missing[0].endswith("PRB-000001 is analysis")
    no_cause = ticket(status="risk_accepted")
    assert "PRB-000001 is risk_accepted without a root cause" in (
        closure_refusal(linked, {"PRB-000001": no_cause}, {"P1"}) or ""
    )
    done = open_problem.evolve(status="resolved")
    assert (
        INCIDENT_FLOW.check("resolved", "close", actor, facts(linked, linked={"PRB-000001": done})).target == "closed"
    )


def test_the_gate_holds_only_gated_priorities_and_only_incidents() -> None:
    assert INCIDENT_FLOW.check("resolved", "close", STAFF, facts(incident("P3"))).target == "closed"
    request = ticket("REQ-000001", "service_request", "resolved")
    assert lifecycle_for("service_request").check("resolved", "close", STAFF, facts(request)).target == "closed"
    assert closure_refusal(incident("P3"), {}, {"P1", "P2", "P3"}) is not None


def test_the_trend_counts_linked_incidents_per_week_before_and_after_the_fix() -> None:
    from chalicelib.domain.problem import incident_trend

    fixed = NOW
    opened = [fixed - timedelta(days=d) for d in (1, 2, 3, 9, 10, 20)] + [fixed + timedelta(days=12)]
    trend = incident_trend(opened, fixed, fixed + timedelta(days=15), weeks=3)
    assert [(w["incidents"], w["after_fix"]) for w in trend["weeks"]] == [
        (1, False),
        (2, False),
        (3, False),
        (0, True),
        (1, True),
        (0, True),
    ]
    assert trend["before_per_week"] == 2.0 and trend["after_per_week"] == 0.33
    assert incident_trend([], fixed, fixed, weeks=2)["after_per_week"] is None


def test_a_problems_timers_are_its_open_tasks_and_an_accepted_risks_review() -> None:
    from chalicelib.domain.problem import Task
    from chalicelib.domain.problem_timers import problem_timers

    due = NOW + timedelta(days=1)
    record = ProblemRecord(
        tasks=(
            Task("Renew the certificate", "ann", due),
            Task("Done already", "bob", due, True),
            Task("No date", "cy"),
        ),
        review_at=NOW + timedelta(days=90),
    )
    [task] = problem_timers(ticket(problem=record))
    assert (task.name, task.at, task.recipient) == ("task_due", due, "ann")
    assert task.timer_id("PRB-000001").startswith("PRB-000001#problem#task_due#")
    accepted = problem_timers(ticket(status="risk_accepted", problem=record), accepted_by="max")
    assert [(t.name, t.recipient) for t in accepted] == [("task_due", "ann"), ("risk_review", "max")]
    assert problem_timers(ticket(status="closed", problem=record)) == []
    assert problem_timers(ticket("INC-000001", "incident", problem=record)) == []


def test_the_gate_priorities_and_root_cause_categories_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import get_settings

    monkeypatch.setenv("PROBLEM_GATE_PRIORITIES", "P1, P2 ,P3")
    monkeypatch.setenv("ROOT_CAUSE_CATEGORIES", "code,infra")
    get_settings.cache_clear()
    try:
        settings = get_settings()
        assert settings.problem_gate_priorities == ("P1", "P2", "P3")
        assert settings.root_cause_categories == ("code", "infra")
        monkeypatch.setenv("ROOT_CAUSE_CATEGORIES", "")
        get_settings.cache_clear()
        assert get_settings().root_cause_categories == ()  # the domain's defaults apply
    finally:
        get_settings.cache_clear()
