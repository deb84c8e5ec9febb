"""Escalation rules: documents, validation and which steps are due. Pure."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.escalation import (
    EscalationRules,
    done_from_events,
    due_steps,
    next_escalation_at,
    parse_after,
    step_id,
)
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.clocks import Alert
from chalicelib.domain.sla.defaults import TIER2_GROUP, default_escalation_rules
from chalicelib.domain.sla.policy import SlaPolicy
from chalicelib.domain.sla.replay import compute_clocks, due_alerts

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DEFAULT = EscalationRules.from_dict(default_escalation_rules()[0])


def facts(**changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "number": "INC-000042",
        "type": "incident",
        "priority": "P2",
        "policy": "incident-default",
        "reopen_count": 0,
    }
    out.update(changes)
    return out


def breach(clock: str = "resolution", cycle: int = 1, at: datetime = T0) -> Alert:
    return Alert(clock, "breach", 1.0, cycle, at)


def warning(clock: str = "resolution", threshold: float = 0.75, cycle: int = 1, at: datetime = T0) -> Alert:
    return Alert(clock, "warning", threshold, cycle, at)


def actions_of(steps: list[Any]) -> list[dict[str, str]]:
    return [action.to_dict() for step in steps for action in step.actions]


# -- documents ----------------------------------------------------------------------------------


def test_default_rules_validate_and_round_trip() -> None:
    doc = default_escalation_rules()[0]
    rules = EscalationRules.from_dict(doc)
    assert rules.name == "default" and rules.version == 1 and rules.policies == ()
    assert EscalationRules.from_dict(rules.to_dict()) == rules
    assert all(step.description for step in rules.steps)
    assert "seed 000" in rules.steps[3].description


def test_brief_example_document_is_valid() -> None:
    doc = {
        "name": "default",
        "version": 1,
        "policies": ["incident-default"],
        "steps": [
            {
                "on": "warning",
                "threshold": 0.75,
                "clocks": ["resolution"],
                "priorities": ["P1"],
                "types": ["incident"],
                "actions": [{"notify": "assignee"}],
            },
            {"on": "breach", "actions": [{"notify": "group_lead"}, {"reassign_group": "tier2-service-desk"}]},
            {"on": "breach", "after": "2h", "actions": [{"notify": "service_manager"}]},
            {"on": "breach", "priorities": ["P1"], "types": ["incident"], "actions": [{"page": "on_call"}]},
            {"on": "reopened", "count_at_least": 2, "actions": [{"notify": "user:sm-jane"}]},
        ],
    }
    rules = EscalationRules.from_dict(doc)
    assert rules.steps[2].after_seconds == 7200
    assert rules.steps[3].actions[0].urgent
    assert rules.steps[4].actions[0].target == "user:sm-jane"


def test_validation_lists_every_problem_with_its_path() -> None:
    doc = {
        "name": "bad name!",
        "version": 0,
        "colour": "red",
        "policies": ["ok", 5],
        "steps": [
            {"on": "explode", "actions": [{"notify": "assignee"}]},
            {"on": "breach", "after": "2 hours", "actions": []},
            {"on": "warning", "threshold": 1.5, "clocks": ["lunch"], "actions": [{"notify": "the boss"}]},
            {"on": "reopened", "after": "1h", "clocks": ["resolution"], "actions": [{"shout": "x"}]},
            {"on": "breach", "count_at_least": 2, "priorities": ["P9"], "actions": [{"notify": "a", "page": "b"}]},
            "not an object",
        ],
    }
    with pytest.raises(ValidationFailed) as caught:
        EscalationRules.from_dict(doc)
    fields = {error["field"] for error in caught.value.errors}
    assert fields >= {
        "name",
        "version",
        "colour",
        "policies[1]",
        "steps[0].on",
        "steps[1].after",
        "steps[1].actions",
        "steps[2].threshold",
        "steps[2].clocks[0]",
        "steps[2].actions[0].notify",
        "steps[3].after",
        "steps[3].clocks",
        "steps[3].actions[0].shout",
        "steps[4].count_at_least",
        "steps[4].priorities[0]",
        "steps[4].actions[0]",
        "steps[5]",
    }


def test_steps_are_required() -> None:
    with pytest.raises(ValidationFailed) as caught:
        EscalationRules.from_dict({"name": "x", "steps": []})
    assert caught.value.errors == [{"field": "steps", "reason": "must hold at least one step"}]


@pytest.mark.parametrize(
    ("text", "seconds"), [("30m", 1800), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), (90, 90), ("0s", 0)]
)
def test_parse_after(text: str | int, seconds: int) -> None:
    assert parse_after(text) == seconds


@pytest.mark.parametrize("text", ["", "2 hours", "-5", -5, True, 1.5, "1bd"])
def test_parse_after_refuses(text: object) -> None:
    with pytest.raises(ValueError):
        parse_after(text)


# -- due steps ------------------------------------------------------------------------------------


def test_warning_notifies_the_assignee() -> None:
    steps = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=[warning()], now=T0)
    assert [s.index for s in steps] == [0]
    assert actions_of(steps) == [{"notify": "assignee"}]
    assert steps[0].step_id == "INC-000042:esc:default:v1:0:resolution:1"
    assert steps[0].threshold == 0.75


def test_breach_of_a_p2_incident_notifies_lead_and_reassigns_to_tier2() -> None:
    steps = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=[breach()], now=T0)
    assert [s.index for s in steps] == [1, 2]
    assert actions_of(steps) == [{"notify": "group_lead"}, {"reassign_group": TIER2_GROUP}]
    assert steps[1].reassign_to == TIER2_GROUP
    assert not any(step.urgent for step in steps)


def test_breach_of_a_service_request_is_not_reassigned() -> None:
    steps = due_steps(DEFAULT, ticket_facts=facts(type="service_request"), alerts_fired=[breach()], now=T0)
    assert actions_of(steps) == [{"notify": "group_lead"}]


def test_p1_incident_breach_pages_on_call() -> None:
    steps = due_steps(DEFAULT, ticket_facts=facts(priority="P1"), alerts_fired=[breach()], now=T0)
    paged = [s for s in steps if s.urgent]
    assert len(paged) == 1 and paged[0].recipients == [("on_call", True)]


def test_next_update_breach_does_not_page() -> None:
    steps = due_steps(DEFAULT, ticket_facts=facts(priority="P1"), alerts_fired=[breach("next_update")], now=T0)
    assert actions_of(steps) == [{"notify": "group_lead"}]


def test_service_manager_hears_two_hours_after_the_breach() -> None:
    alerts = [breach()]
    early = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=alerts, now=T0 + timedelta(minutes=119))
    assert all(step.index != 3 for step in early)
    assert next_escalation_at(DEFAULT, ticket_facts=facts(), alerts_fired=alerts, now=T0) == T0 + timedelta(hours=2)
    late = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=alerts, now=T0 + timedelta(hours=2))
    manager = [s for s in late if s.index == 3]
    assert len(manager) == 1
    assert manager[0].due_at == T0 + timedelta(hours=2) and manager[0].alert_at == T0
    assert manager[0].recipients == [("service_manager", False)]
    assert "+ 2h" in manager[0].describe()
    # Once everything is due, nothing is left to come back for.
    assert next_escalation_at(DEFAULT, ticket_facts=facts(), alerts_fired=alerts, now=T0 + timedelta(hours=3)) is None


def test_done_steps_are_skipped_and_next_escalation_keeps_missed_ones() -> None:
    alerts = [breach()]
    now = T0 + timedelta(hours=3)
    steps = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=alerts, now=now)
    claimed = {steps[0].step_id}
    rest = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=alerts, now=now, done=claimed)
    assert [s.step_id for s in rest] == [s.step_id for s in steps[1:]]
    # A step left over (not done) keeps the ticket due at its past instant.
    assert next_escalation_at(DEFAULT, ticket_facts=facts(), alerts_fired=alerts, now=now, done=claimed) == T0
    everything = {s.step_id for s in steps}
    assert next_escalation_at(DEFAULT, ticket_facts=facts(), alerts_fired=alerts, now=now, done=everything) is None


def test_ids_are_deterministic_and_a_new_cycle_gives_new_ids() -> None:
    first = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=[breach(cycle=1)], now=T0)
    again = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=[breach(cycle=1)], now=T0)
    assert [s.step_id for s in first] == [s.step_id for s in again]
    reopened = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=[breach(cycle=2)], now=T0)
    assert not {s.step_id for s in first} & {s.step_id for s in reopened}
    other_ticket = due_steps(DEFAULT, ticket_facts=facts(number="INC-000043"), alerts_fired=[breach()], now=T0)
    assert not {s.step_id for s in first} & {s.step_id for s in other_ticket}


def test_a_new_rules_version_gives_new_ids() -> None:
    doc = copy.deepcopy(default_escalation_rules()[0])
    doc["version"] = 2
    v2 = EscalationRules.from_dict(doc)
    steps = due_steps([DEFAULT, v2], ticket_facts=facts(), alerts_fired=[breach()], now=T0)
    # Only the highest version of a name takes part.
    assert {s.rules_version for s in steps} == {2}
    assert steps[0].step_id == step_id("INC-000042", "default", 2, 1, "resolution", 1)


def test_a_warning_step_without_threshold_fires_once_per_cycle() -> None:
    alerts = [warning(threshold=0.5, at=T0), warning(threshold=0.75, at=T0 + timedelta(hours=1))]
    steps = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=alerts, now=T0 + timedelta(hours=2))
    assert len(steps) == 1 and steps[0].threshold == 0.5 and steps[0].alert_at == T0


def test_threshold_clock_priority_and_type_filters() -> None:
    rules = EscalationRules.from_dict(
        {
            "name": "narrow",
            "steps": [
                {
                    "on": "warning",
                    "threshold": 0.75,
                    "clocks": ["first_response"],
                    "priorities": ["P1"],
                    "types": ["incident"],
                    "actions": [{"notify": "monitor"}],
                }
            ],
        }
    )
    hit = facts(priority="P1")
    assert due_steps(rules, ticket_facts=hit, alerts_fired=[warning("first_response")], now=T0)
    assert not due_steps(rules, ticket_facts=hit, alerts_fired=[warning("first_response", 0.5)], now=T0)
    assert not due_steps(rules, ticket_facts=hit, alerts_fired=[warning("resolution")], now=T0)
    assert not due_steps(rules, ticket_facts=facts(), alerts_fired=[warning("first_response")], now=T0)
    assert not due_steps(
        rules, ticket_facts=facts(priority="P1", type="problem"), alerts_fired=[warning("first_response")], now=T0
    )
    assert not due_steps(rules, ticket_facts=hit, alerts_fired=[breach("first_response")], now=T0)


def test_rules_attach_to_their_policies_only() -> None:
    doc = copy.deepcopy(default_escalation_rules()[0])
    doc["policies"] = ["incident-spectrograph-24x7"]
    rules = EscalationRules.from_dict(doc)
    assert not due_steps(rules, ticket_facts=facts(), alerts_fired=[breach()], now=T0)
    assert due_steps(rules, ticket_facts=facts(policy="incident-spectrograph-24x7"), alerts_fired=[breach()], now=T0)
    # The policy may also come from the ticket view's SLA summary.
    view = facts(policy=None, sla={"policy": "incident-spectrograph-24x7"})
    assert due_steps(rules, ticket_facts=view, alerts_fired=[breach()], now=T0)


def test_reopened_twice_notifies_the_service_manager_once_per_count() -> None:
    assert not due_steps(DEFAULT, ticket_facts=facts(reopen_count=1), alerts_fired=[], now=T0)
    twice = due_steps(DEFAULT, ticket_facts=facts(reopen_count=2, reopened_at=T0.isoformat()), alerts_fired=[], now=T0)
    assert [s.on for s in twice] == ["reopened"]
    assert twice[0].step_id == "INC-000042:esc:default:v1:5:reopened:2"
    assert twice[0].due_at == T0 and twice[0].reopen_count == 2
    thrice = due_steps(DEFAULT, ticket_facts=facts(reopen_count=3), alerts_fired=[], now=T0)
    assert thrice[0].step_id.endswith(":reopened:3")


def test_alerts_may_be_given_as_dicts() -> None:
    as_dict = breach().to_dict()
    assert [s.step_id for s in due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=[as_dict], now=T0)] == [
        s.step_id for s in due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=[breach()], now=T0)
    ]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=[], now=datetime(2026, 1, 1))


def test_done_from_escalated_events() -> None:
    step = due_steps(DEFAULT, ticket_facts=facts(), alerts_fired=[breach()], now=T0)[0]
    event = TicketEvent("INC-000042", 7, T0, "sweep", EventKind.ESCALATED, after=step.event_after())
    other = TicketEvent("INC-000042", 8, T0, "sweep", EventKind.COMMENTED, after={"step_id": "nope"})
    assert done_from_events([event, other]) == {step.step_id}
    assert step.to_dict()["summary"] == "resolution breach (cycle 1): notify group_lead"


def test_with_alerts_from_replayed_clocks() -> None:
    calendar = BusinessCalendar.from_dict(
        {
            "name": "24x7",
            "timezone": "UTC",
            "weekly_hours": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        }
    )
    policy = SlaPolicy.from_dict(
        {
            "name": "incident-default",
            "calendar": "24x7",
            "targets": {"*": {"first_response": {"duration": "1h"}, "resolution": {"duration": "4h"}}},
        }
    )
    opened = TicketEvent(
        "INC-000042", 1, T0, "alice", EventKind.OPENED, after={"status": "new", "priority": "P1", "type": "incident"}
    )
    now = T0 + timedelta(hours=5)
    clocks = compute_clocks([opened], policy, {"24x7": calendar}, now)
    alerts = due_alerts(clocks, now)
    steps = due_steps(DEFAULT, ticket_facts=facts(priority="P1"), alerts_fired=alerts, now=now)
    kinds = {(s.clock, s.index) for s in steps}
    # Both clocks breached (warnings superseded): lead, tier 2, on-call for each; the 2 h step only for
    # the first response (breached at 10:00, due 12:00); the resolution's comes at 15:00.
    assert kinds == {
        ("first_response", 1),
        ("first_response", 2),
        ("first_response", 3),
        ("first_response", 4),
        ("resolution", 1),
        ("resolution", 2),
        ("resolution", 4),
    }
    later = next_escalation_at(DEFAULT, ticket_facts=facts(priority="P1"), alerts_fired=alerts, now=now)
    assert later == T0 + timedelta(hours=6)


@given(
    cycle=st.integers(min_value=1, max_value=50),
    minutes=st.integers(min_value=0, max_value=10_000),
    priority=st.sampled_from(["P1", "P2", "P3", "P4", "P5"]),
)
def test_same_inputs_same_steps(cycle: int, minutes: int, priority: str) -> None:
    alerts = [breach(cycle=cycle, at=T0), warning(cycle=cycle, at=T0 - timedelta(hours=1))]
    now = T0 + timedelta(minutes=minutes)
    a = due_steps(DEFAULT, ticket_facts=facts(priority=priority), alerts_fired=alerts, now=now)
    b = due_steps(DEFAULT, ticket_facts=facts(priority=priority), alerts_fired=list(reversed(alerts)), now=now)
    assert [s.to_dict() for s in a] == [s.to_dict() for s in b]
    assert len({s.step_id for s in a}) == len(a)
    assert all(s.due_at <= now for s in a)
    following = next_escalation_at(DEFAULT, ticket_facts=facts(priority=priority), alerts_fired=alerts, now=now)
    assert following is None or following > now
