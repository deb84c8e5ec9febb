"""Change requests, pure rules: each model's lifecycle, the gates, risk bands, plan edits, approval rules, links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from chalicelib.domain.change import (
    PLAN_FIELDS,
    Approval,
    Approver,
    ChangePlan,
    Risk,
    RiskBands,
    Window,
    apply_edit,
    approval_refusal,
    awaits_approval,
    parse_plan_edit,
    record_outcome,
    submitter_of,
)
from chalicelib.domain.errors import Forbidden, IllegalTransition, ValidationFailed
from chalicelib.domain.lifecycle import DESK, REQUESTER, STAFF, MoveFacts, Phase
from chalicelib.domain.links import MAX_LINKS, Link, check_link
from chalicelib.domain.processes import CHANGE_LIFECYCLES, LIFECYCLES, lifecycle_for, lifecycle_of, phase_of

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
WINDOW = Window(NOW - timedelta(hours=1), NOW + timedelta(hours=2))
RISK = Risk(2, 3, "low")
FULL = ChangePlan(
    model="normal",
    window=WINDOW,
    implementation_plan="upgrade",
    backout_plan="restore snapshot",
    risk=RISK,
    implementer_group="database",
)
APPROVED = FULL.evolve(approvals=(Approval("dora", "approve", NOW),))


@dataclass(frozen=True)
class _Ticket:
    type: str = "change_request"
    change: ChangePlan | None = None
    links: tuple[Link, ...] = ()


def facts(plan: ChangePlan | None, reason: str | None = None, links: tuple[Link, ...] = ()) -> MoveFacts:
    return MoveFacts(_Ticket(change=plan, links=links), reason, NOW, timedelta(days=14))


def refused(model: str | None, source: str, to: str, plan: ChangePlan | None, actor: str = STAFF) -> list[str]:
    with pytest.raises(IllegalTransition) as info:
        lifecycle_for("change_request", model).check(source, to, actor, facts(plan))
    return list(info.value.missing or [])


# -- the lifecycles -----------------------------------------------------------------------


def test_the_model_picks_the_lifecycle_and_triage_runs_before_one_is_chosen() -> None:
    assert lifecycle_for("change_request") is LIFECYCLES["change_request"]
    for model, flow in CHANGE_LIFECYCLES.items():
        assert lifecycle_for("change_request", model) is flow
        assert lifecycle_of(_Ticket(change=ChangePlan(model=model))) is flow
    assert lifecycle_for("incident", "normal") is LIFECYCLES["incident"]
    assert lifecycle_of(_Ticket()) is LIFECYCLES["change_request"]


def test_every_change_model_gives_each_status_the_same_phase() -> None:
    triage = LIFECYCLES["change_request"]
    for flow in CHANGE_LIFECYCLES.values():
        assert flow.states == triage.states
    assert phase_of("change_request", "review") == Phase.RESOLVED
    assert phase_of("change_request", "rejected") == Phase.WAITING
    assert triage.pause_states() == ("rejected",)
    assert set(triage.open_states) == {"new", "assessment", "authorization", "scheduled", "implementing", "rejected"}
    assert set(triage.terminal_states) == {"closed", "cancelled"}


def path(model: str) -> list[str]:
    flow = CHANGE_LIFECYCLES[model]
    return [s for s in flow.statuses if s not in ("rejected", "cancelled")]


def test_normal_path() -> None:
    flow = CHANGE_LIFECYCLES["normal"]
    assert flow.allowed("new", STAFF) == ("assessment", "rejected", "cancelled")
    assert flow.allowed("assessment", STAFF) == ("authorization", "rejected", "cancelled")
    assert flow.allowed("authorization", STAFF) == ("scheduled", "cancelled")
    assert flow.allowed("authorization", DESK) == ("scheduled", "rejected")
    assert flow.allowed("scheduled", STAFF) == ("implementing", "cancelled")
    assert flow.allowed("implementing", STAFF) == ("review",)
    assert flow.allowed("review", STAFF) == ("closed",)
    assert flow.allowed("rejected", REQUESTER) == ("cancelled", "new")


def test_standard_path_skips_assessment_and_authorization() -> None:
    flow = CHANGE_LIFECYCLES["standard"]
    assert flow.allowed("new", STAFF) == ("scheduled", "rejected", "cancelled")
    assert flow.allowed("scheduled", STAFF) == ("implementing", "cancelled")
    assert flow.allowed("implementing", STAFF) == ("closed", "review")
    assert flow.allowed("review", STAFF) == ("closed",)
    assert flow.allowed("authorization", STAFF) == ()


def test_emergency_path_goes_straight_to_implementation() -> None:
    flow = CHANGE_LIFECYCLES["emergency"]
    assert flow.allowed("new", STAFF) == ("implementing", "rejected", "cancelled")
    assert flow.allowed("implementing", STAFF) == ("review",)
    assert flow.allowed("review", STAFF) == ("closed",)
    assert flow.check("new", "implementing", STAFF, facts(ChangePlan(model="emergency"))).target == "implementing"


def test_no_change_is_cancelled_once_implementation_started() -> None:
    for flow in CHANGE_LIFECYCLES.values():
        assert "cancelled" not in flow.allowed("implementing", STAFF)
        assert "cancelled" not in flow.allowed("review", STAFF)


def test_a_rejected_change_goes_back_to_triage_for_rework_or_is_cancelled() -> None:
    for flow in (*CHANGE_LIFECYCLES.values(), LIFECYCLES["change_request"]):
        assert flow.check("rejected", "rework", REQUESTER, facts(None)).target == "new"
        assert flow.check("rejected", "cancel", STAFF, facts(None)).target == "cancelled"


def test_rejecting_needs_a_reason() -> None:
    assert refused("normal", "assessment", "reject", FULL) == ["a reason is required"]


def test_triage_names_the_missing_model_for_any_move_forward() -> None:
    for to in ("assessment", "scheduled", "implementing"):
        assert refused(None, "new", to, None) == ["change.model is required"]
    assert LIFECYCLES["change_request"].allowed("new", REQUESTER) == ("cancelled",)


def test_staff_cannot_reject_in_authorization_around_the_approval() -> None:
    with pytest.raises(Forbidden):
        CHANGE_LIFECYCLES["normal"].check("authorization", "rejected", STAFF, facts(FULL, "no"))


# -- the gates ----------------------------------------------------------------------------


def test_submitting_for_authorization_names_everything_missing() -> None:
    missing = refused("normal", "assessment", "authorization", ChangePlan(model="normal"))
    assert missing == [
        "change.implementation_plan is required",
        "change.backout_plan is required",
        "change.window is required",
        "change.risk is required",
        "change.implementer_group is required",
    ]
    assert CHANGE_LIFECYCLES["normal"].check("assessment", "submit", STAFF, facts(FULL)).target == "authorization"


def test_scheduling_a_normal_change_needs_the_approval() -> None:
    assert refused("normal", "authorization", "scheduled", FULL) == ["an approval by the implementer group is required"]
    flow = CHANGE_LIFECYCLES["normal"]
    assert flow.check("authorization", "schedule", DESK, facts(APPROVED)).target == "scheduled"
    missing = refused("normal", "authorization", "scheduled", APPROVED.evolve(window=None, backout_plan=None))
    assert missing == ["change.window is required", "change.backout_plan is required"]


def test_scheduling_a_standard_change_needs_window_and_risk_but_no_backout_plan() -> None:
    assert refused("standard", "new", "scheduled", ChangePlan(model="standard")) == [
        "change.window is required",
        "change.risk is required",
    ]
    plan = ChangePlan(model="standard", window=WINDOW, risk=RISK)
    assert CHANGE_LIFECYCLES["standard"].check("new", "scheduled", STAFF, facts(plan)).target == "scheduled"


def test_implementation_waits_for_the_window() -> None:
    later = FULL.evolve(window=Window(NOW + timedelta(hours=1), NOW + timedelta(hours=2)))
    assert refused("normal", "scheduled", "implementing", later) == [
        "the change window starts at 2026-11-23T10:00:00+00:00"
    ]
    assert refused("normal", "scheduled", "implementing", FULL.evolve(window=None)) == ["change.window is required"]
    assert CHANGE_LIFECYCLES["normal"].check("scheduled", "start", STAFF, facts(FULL)).target == "implementing"


def test_leaving_implementation_needs_an_outcome() -> None:
    assert refused("normal", "implementing", "review", FULL) == ["change.outcome is required"]
    assert refused("emergency", "implementing", "review", ChangePlan(model="emergency")) == [
        "change.outcome is required"
    ]


def test_a_standard_change_is_reviewed_only_when_it_failed_or_caused_an_incident() -> None:
    flow = CHANGE_LIFECYCLES["standard"]
    ok = ChangePlan(model="standard", outcome="successful")
    assert flow.check("implementing", "closed", STAFF, facts(ok)).target == "closed"
    assert refused("standard", "implementing", "review", ok) == [
        "a successful standard change that caused no incident closes without review"
    ]
    failed = ok.evolve(outcome="failed")
    assert refused("standard", "implementing", "closed", failed) == ["a failed change goes to review"]
    assert flow.check("implementing", "review", STAFF, facts(failed)).target == "review"
    caused = facts(ok, links=(Link("caused", "INC-000001"),))
    assert flow.check("implementing", "review", STAFF, caused).target == "review"
    with pytest.raises(IllegalTransition) as info:
        flow.check("implementing", "closed", STAFF, caused)
    assert info.value.missing == ["a change that caused an incident goes to review"]


def test_an_emergency_change_closes_once_its_plan_and_authorization_are_recorded() -> None:
    bare = ChangePlan(model="emergency", outcome="successful")
    assert refused("emergency", "review", "closed", bare) == [
        "the implementer group's decision on the emergency change must be recorded",
        "change.implementation_plan is required",
        "change.backout_plan is required",
        "change.risk is required",
    ]
    documented = APPROVED.evolve(model="emergency", outcome="successful")
    assert CHANGE_LIFECYCLES["emergency"].check("review", "close", STAFF, facts(documented)).target == "closed"


def test_an_outcome_is_taken_only_when_leaving_implementation() -> None:
    assert record_outcome(FULL, "implementing", "failed").outcome == "failed"
    for plan, status in ((FULL, "scheduled"), (None, "implementing")):
        with pytest.raises(ValidationFailed) as info:
            record_outcome(plan, status, "failed")
        assert info.value.errors[0]["field"] == "outcome"


# -- risk ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("likelihood", "impact", "level", "band"),
    [
        (1, 1, 1, "low"),
        (2, 3, 6, "low"),
        (2, 4, 8, "medium"),
        (3, 4, 12, "medium"),
        (3, 5, 15, "high"),
        (5, 5, 25, "high"),
    ],
)
def test_risk_level_is_likelihood_times_impact_and_banded(likelihood: int, impact: int, level: int, band: str) -> None:
    edit = parse_plan_edit(
        {"version": 1, "risk": {"likelihood": likelihood, "impact": impact}}, services=(), groups=(), bands=RiskBands()
    )
    risk = edit.values["risk"]
    assert (risk.level, risk.band) == (level, band)


def test_risk_bands_follow_the_default_thresholds() -> None:
    bands = RiskBands()
    assert [bands.band(n) for n in (6, 7, 12, 13)] == ["low", "medium", "medium", "high"]
    assert RiskBands(2, 20).band(13) == "medium"
    with pytest.raises(ValueError):
        RiskBands(12, 6)


# -- the plan -----------------------------------------------------------------------------


def parse(doc: dict[str, Any]) -> dict[str, Any]:
    return dict(parse_plan_edit(doc, services=("erp",), groups=("database",), bands=RiskBands()).values)


def problems(doc: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        parse_plan_edit(doc, services=("erp",), groups=("database",), bands=RiskBands())
    return {e["field"]: e["reason"] for e in info.value.errors}


def test_a_plan_edit_reads_every_field() -> None:
    values = parse(
        {
            "version": 3,
            "model": "normal",
            "services": ["erp"],
            "window": {"start": "2026-11-24T20:00:00+01:00", "end": "2026-11-24T22:00:00Z"},
            "implementation_plan": "run the migration",
            "backout_plan": "restore",
            "test_plan": "smoke",
            "communication": "mail all ERP users",
            "outage_minutes": 30,
            "risk": {"likelihood": 2, "impact": 4},
            "implementer_group": "database",
            "els_hours": 48,
        }
    )
    assert values["window"].start == datetime(2026, 11, 24, 19, 0, tzinfo=timezone.utc)
    assert values["risk"] == Risk(2, 4, "medium")
    assert values["services"] == ("erp",)


def test_a_plan_edit_names_every_problem() -> None:
    found = problems(
        {
            "model": "big",
            "services": ["erp", "nope"],
            "window": {"start": "2026-11-24T20:00:00Z", "end": "2026-11-24T19:00:00Z"},
            "risk": {"likelihood": 0, "impact": 6},
            "implementer_group": "ghosts",
            "outage_minutes": -1,
            "colour": "red",
        }
    )
    assert found == {
        "colour": "unknown field",
        "version": "is required",
        "model": "must be one of standard, normal, emergency",
        "services[1]": "nope is not a service of the catalog",
        "window.end": "must be after start",
        "risk.likelihood": "must be an integer from 1 to 5",
        "risk.impact": "must be an integer from 1 to 5",
        "implementer_group": "ghosts is not a group of the desk",
        "outage_minutes": "must be an integer from 0 to 10080",
    }
    assert problems({"version": 1, "window": {"start": "2026-11-24T20:00:00"}}) == {
        "window.start": "must carry a time zone",
        "window.end": "is required",
    }
    assert problems({"version": 1}) == {"body": "name at least one of " + ", ".join(PLAN_FIELDS)}
    assert problems([1]) == {"body": "must be an object"}


def test_an_edit_records_only_what_changed_and_the_model_is_chosen_in_triage() -> None:
    edit = parse_plan_edit(
        {"version": 1, "model": "normal", "test_plan": "t"}, services=(), groups=(), bands=RiskBands()
    )
    change = apply_edit(FULL, edit, "assessment")
    assert change.before == {"test_plan": None} and change.after == {"test_plan": "t"}
    with pytest.raises(ValidationFailed) as info:
        apply_edit(
            FULL,
            parse_plan_edit({"version": 1, "model": "standard"}, services=(), groups=(), bands=RiskBands()),
            "assessment",
        )
    assert info.value.errors[0]["field"] == "model"
    assert (
        apply_edit(
            FULL, parse_plan_edit({"version": 1, "model": "standard"}, services=(), groups=(), bands=RiskBands()), "new"
        ).plan.model
        == "standard"
    )


def test_a_material_edit_voids_the_approvals_and_a_minor_one_keeps_them() -> None:
    minor = parse_plan_edit({"version": 1, "communication": "tell them"}, services=(), groups=(), bands=RiskBands())
    assert apply_edit(APPROVED, minor, "scheduled").plan.approved
    material = parse_plan_edit({"version": 1, "backout_plan": "other"}, services=(), groups=(), bands=RiskBands())
    change = apply_edit(APPROVED, material, "scheduled")
    assert not change.plan.approved and change.voided == APPROVED.approvals
    documented = apply_edit(APPROVED.evolve(model="emergency"), material, "review")
    assert documented.plan.approved and documented.voided == ()


def test_the_plan_round_trips_through_its_stored_shape() -> None:
    plan = APPROVED.evolve(services=("erp",), outcome="successful", els_hours=4)
    assert ChangePlan.from_dict(plan.to_dict()) == plan
    view = plan.view()
    assert view["risk"] == {"likelihood": 2, "impact": 3, "level": 6, "band": "low"}
    assert view["approved"] is True and view["conflicts"] == []


# -- the one approval ---------------------------------------------------------------------


def test_who_may_decide() -> None:
    member = Approver("dora", manager=False, groups=("database",))
    assert approval_refusal(FULL, requester="alice", submitter="ben", approver=member) is None
    manager = Approver("mia", manager=True)
    assert approval_refusal(FULL, requester="alice", submitter="ben", approver=manager) is None
    outsider = Approver("nadia", manager=False, groups=("network",))
    assert "implementer group database" in str(approval_refusal(FULL, requester="a", submitter="b", approver=outsider))
    assert "requester" in str(approval_refusal(FULL, requester="dora", submitter="b", approver=member))
    assert "submitted" in str(approval_refusal(FULL, requester="a", submitter="dora", approver=member))
    boss = Approver("mia", manager=True)
    assert "requester" in str(approval_refusal(FULL, requester="mia", submitter="b", approver=boss))


def test_the_submitter_is_whoever_last_moved_the_change_into_its_submission_state() -> None:
    moves = [
        ("ann", "assessment"),
        ("ben", "authorization"),
        ("sys", "rejected"),
        ("ann", "new"),
        ("ann", "assessment"),
        ("carla", "authorization"),
    ]
    assert submitter_of("normal", moves) == "carla"
    assert submitter_of("emergency", [("sven", "implementing")]) == "sven"
    assert submitter_of("standard", moves) is None


def test_what_awaits_a_decision() -> None:
    assert awaits_approval("authorization", FULL)
    assert not awaits_approval("assessment", FULL)
    assert not awaits_approval("authorization", FULL.evolve(implementer_group=None))
    emergency = FULL.evolve(model="emergency")
    assert awaits_approval("implementing", emergency) and awaits_approval("review", emergency)
    assert not awaits_approval("review", APPROVED.evolve(model="emergency"))
    assert not awaits_approval("scheduled", FULL.evolve(model="standard"))


# -- links --------------------------------------------------------------------------------


def link(
    kind: str,
    source_type: str = "incident",
    target_type: str = "change_request",
    mine: tuple[Link, ...] = (),
    theirs: tuple[Link, ...] = (),
) -> tuple[Link, Link] | None:
    return check_link("INC-000001", source_type, mine, kind, "CHG-000001", target_type, theirs)


def test_a_link_and_its_inverse() -> None:
    assert link("caused_by") == (Link("caused_by", "CHG-000001"), Link("caused", "INC-000001"))
    assert check_link("CHG-000001", "change_request", (), "caused", "INC-000001", "incident", ()) == (
        Link("caused", "INC-000001"),
        Link("caused_by", "CHG-000001"),
    )
    assert link("fixes", "change_request", "problem") is not None
    assert link("related", "problem", "service_request") is not None
    assert link("caused_by", mine=(Link("caused_by", "CHG-000001"),)) is None


def link_problem(**kw: Any) -> str:
    with pytest.raises(ValidationFailed) as info:
        link(**kw)
    error = info.value.errors[0]
    return f"{error['field']}: {error['reason']}"


def test_links_refused_with_the_field_and_the_reason() -> None:
    assert link_problem(kind="blocks") == "kind: must be one of " + ", ".join(
        [
            "caused_by",
            "caused",
            "fixed_by",
            "fixes",
            "problem",
            "incidents",
            "duplicate_of",
            "duplicates",
            "related",
            "superseded_by",
            "supersedes",
        ]
    )
    assert link_problem(kind="caused_by", source_type="problem").startswith("kind: caused_by links a incident")
    assert link_problem(kind="caused_by", target_type="incident").startswith("target: caused_by links")
    assert (
        link_problem(kind="duplicate_of")
        == "target: a incident duplicates only a incident; CHG-000001 is a change_request"
    )
    full = tuple(Link("related", f"INC-{n:06d}") for n in range(2, 2 + MAX_LINKS))
    assert "50 links" in link_problem(kind="caused_by", mine=full)
    assert "50 links" in link_problem(kind="caused_by", theirs=full)
    assert "already linked" in link_problem(kind="caused_by", mine=(Link("related", "CHG-000001"),))
    with pytest.raises(ValidationFailed):
        check_link("INC-000001", "incident", (), "related", "INC-000001", "incident", ())


# -- implementation and its outcome -------------------------------------------------------


def test_a_change_successful_with_issues_closes_without_review_and_a_backed_out_one_is_reviewed() -> None:
    flow = CHANGE_LIFECYCLES["standard"]
    issues = ChangePlan(model="standard", outcome="successful_with_issues")
    assert record_outcome(FULL, "implementing", "successful_with_issues").outcome == "successful_with_issues"
    assert flow.check("implementing", "closed", STAFF, facts(issues)).target == "closed"
    backed_out = issues.evolve(outcome="backed_out")
    assert refused("standard", "implementing", "closed", backed_out) == ["a backed_out change goes to review"]


def test_the_actual_start_and_end_are_the_moves_into_and_out_of_implementation() -> None:
    from datetime import UTC, datetime, timedelta

    from chalicelib.domain.change import stamp_implementation

    start = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
    end = start + timedelta(hours=1)
    started = stamp_implementation(FULL, "scheduled", "implementing", start)
    assert started is not None and started.actual_start == start and started.actual_end is None
    ended = stamp_implementation(started, "implementing", "review", end)
    assert ended is not None and (ended.actual_start, ended.actual_end) == (start, end)
    assert stamp_implementation(ended, "review", "closed", end + timedelta(days=1)) == ended
    assert ended.els_end(72) == end + timedelta(hours=72)
    assert ended.evolve(els_hours=4).els_end(72) == end + timedelta(hours=4)
    assert ChangePlan.from_dict(ended.to_dict()) == ended


def test_the_review_lists_the_incidents_caused_and_what_the_change_should_close() -> None:
    from datetime import UTC, datetime

    from chalicelib.domain.change import review_of

    end = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    plan = FULL.evolve(outcome="successful_with_issues", actual_start=end, actual_end=end)
    links = (Link("caused", "INC-000004"), Link("fixes", "PRB-000001"), Link("related", "CHG-000002"))
    review = review_of(plan, links)
    assert review["caused_incidents"] == ["INC-000004"] and review["to_close"] == ["PRB-000001"]
    assert review["outcome"] == "successful_with_issues" and review["actual_end"] == review["actual_start"]


def test_only_an_emergency_change_goes_ahead_in_a_freeze_and_only_with_a_justification() -> None:
    frozen = ChangePlan(model="emergency", window=WINDOW, services=("erp",), freezes=("erp-year-end: year-end close",))
    assert refused("emergency", "new", "implementing", frozen) == [
        "the window falls in the change freeze: erp-year-end: year-end close; "
        "an emergency change in one needs a justification (reason)"
    ]
    flow = CHANGE_LIFECYCLES["emergency"]
    with pytest.raises(IllegalTransition):
        flow.check("new", "implement", STAFF, facts(frozen, "   "))
    assert flow.check("new", "implement", STAFF, facts(frozen, "payroll down")).target == "implementing"
    assert flow.check("new", "implement", STAFF, facts(frozen.evolve(freezes=()))).target == "implementing"
    standard = ChangePlan(model="standard", window=WINDOW, risk=RISK, freezes=frozen.freezes)
    assert "change freeze" in refused("standard", "new", "scheduled", standard)[0]
    with pytest.raises(IllegalTransition):
        CHANGE_LIFECYCLES["standard"].check("new", "scheduled", STAFF, facts(standard, "urgent"))
