"""SLA policy documents: parsing, validation, matching, preview and the shipped defaults."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.defaults import (
    SPECTROGRAPH_BUNDLE,
    default_calendars,
    default_policies,
)
from chalicelib.domain.sla.policy import (
    Duration,
    SlaPolicy,
    TicketFacts,
    check_policy_calendars,
    select_policy,
)
from chalicelib.domain.sla.replay import preview, preview_policy


def minimal_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": "basic",
        "calendar": "office",
        "targets": {"*": {"first_response": {"duration": "1h"}, "resolution": {"duration": "2bd"}}},
    }
    doc.update(changes)
    return doc


def fields_of(error: ValidationFailed) -> set[str]:
    return {problem["field"] for problem in error.errors}


@pytest.fixture(scope="module")
def calendars() -> dict[str, BusinessCalendar]:
    return {doc["name"]: BusinessCalendar.from_dict(doc) for doc in default_calendars()}


@pytest.fixture(scope="module")
def policies(calendars: dict[str, BusinessCalendar]) -> list[SlaPolicy]:
    return [SlaPolicy.from_dict(doc, known_calendars=calendars) for doc in default_policies()]


# -- durations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "seconds"),
    [
        ("30m", 0, 1800),
        ("4h", 0, 14400),
        ("90s", 0, 90),
        ("1h30m", 0, 5400),
        ("2bd", 2, 0),
        ("1bd4h", 1, 14400),
    ],
)
def test_duration_forms(text: str, days: int, seconds: int) -> None:
    duration = Duration.parse(text)
    assert (duration.business_days, duration.seconds) == (days, seconds)


def test_duration_integer_seconds_and_business_day_conversion() -> None:
    assert Duration.parse(600).seconds == 600
    assert Duration.parse("2bd").working_seconds(9 * 3600) == 18 * 3600


@pytest.mark.parametrize("bad", ["", "2x", "h", "0m", "1.5h", "30 m", 0, -5, True, 1.5, None])
def test_duration_rejects(bad: object) -> None:
    with pytest.raises(ValueError):
        Duration.parse(bad)


def test_business_day_is_per_calendar_with_default_eight_hours() -> None:
    policy = SlaPolicy.from_dict(minimal_doc(business_day_hours={"office": 9, "24x7": 24}))
    assert policy.business_day_seconds("office") == 9 * 3600
    assert policy.business_day_seconds("24x7") == 24 * 3600
    assert policy.business_day_seconds("other") == 8 * 3600
    plain = SlaPolicy.from_dict(minimal_doc())
    assert plain.business_day_seconds("office") == 8 * 3600
    spec = plain.target_for("P2", "resolution")
    assert spec is not None and plain.target_seconds(spec) == 16 * 3600


# -- documents -----------------------------------------------------------------------------------


def test_minimal_document_gets_the_defaults() -> None:
    policy = SlaPolicy.from_dict(minimal_doc())
    assert policy.version == 1
    assert policy.precedence == 0
    assert policy.warn_at == (0.75,)
    assert policy.pause_statuses is None  # each process's lifecycle says what pauses
    assert "pause_statuses" not in policy.to_dict()
    assert policy.on_priority_change == "carry"
    assert policy.clock_names() == ("first_response", "resolution")


def test_round_trip() -> None:
    doc = minimal_doc(
        version=3,
        precedence=5,
        match={"types": ["incident"], "priorities": ["P1"], "vip": False},
        targets={
            "*": {
                "first_response": {"duration": "1h"},
                "resolution": {"scheduled": True, "calendar": "24x7"},
            },
            "P1": {"first_response": {"duration": 600}, "next_update": {"duration": "1h30m"}},
        },
        warn_at=[0.5, 0.9],
        on_priority_change="restart",
    )
    policy = SlaPolicy.from_dict(doc)
    again = SlaPolicy.from_dict(json.loads(json.dumps(policy.to_dict())))
    assert again == policy
    assert hash(again) == hash(policy)
    assert policy.clock_names() == ("first_response", "resolution", "next_update")
    p1 = policy.target_for("P1", "resolution")
    assert p1 is not None and p1.scheduled and policy.calendar_of(p1) == "24x7"


def test_validation_reports_every_problem_with_its_field() -> None:
    doc = {
        "name": "",
        "version": 0,
        "precedence": "high",
        "calendar": "",
        "colour": "red",
        "match": {"types": ["incident", "bug"], "priorities": ["P9"], "vip": "yes", "owner": "x"},
        "targets": {
            "P1": {
                "first_response": {"duration": "soon"},
                "resolution": {"duration": "4h", "scheduled": True},
            },
            "P2": {"first_response": {}, "resolution": {"duration": "1h"}, "lunch": {"duration": "1h"}},
            "P7": {},
        },
        "warn_at": [0.9, 0.5, 1.2],
        "pause_statuses": ["resolved"],
        "on_priority_change": "keep",
        "business_day_hours": {"office": 30},
    }
    with pytest.raises(ValidationFailed) as caught:
        SlaPolicy.from_dict(doc)
    assert {
        "name",
        "version",
        "precedence",
        "calendar",
        "colour",
        "match.types[1]",
        "match.priorities[0]",
        "match.vip",
        "match.owner",
        "targets.P1.first_response.duration",
        "targets.P1.resolution",
        "targets.P2.first_response.duration",
        "targets.P2.lunch",
        "targets.P7",
        "warn_at[1]",
        "warn_at[2]",
        "pause_statuses[0]",
        "on_priority_change",
        "business_day_hours.office",
    } <= fields_of(caught.value)
    assert caught.value.body()["error"] == "validation_error"


def test_every_priority_needs_first_response_and_resolution() -> None:
    doc = minimal_doc(
        targets={"P1": {"first_response": {"duration": "1h"}, "resolution": {"duration": "4h"}}}
    )
    with pytest.raises(ValidationFailed) as caught:
        SlaPolicy.from_dict(doc)
    assert "targets.P2.first_response" in fields_of(caught.value)
    assert "targets.P5.resolution" in fields_of(caught.value)
    assert "targets.P1.resolution" not in fields_of(caught.value)


def test_required_fields() -> None:
    with pytest.raises(ValidationFailed) as caught:
        SlaPolicy.from_dict({})
    assert {"name", "calendar", "targets"} <= fields_of(caught.value)


def test_unknown_calendars_are_named() -> None:
    doc = minimal_doc(
        targets={
            "*": {"first_response": {"duration": "1h"}, "resolution": {"duration": "4h", "calendar": "moon"}}
        }
    )
    with pytest.raises(ValidationFailed) as caught:
        SlaPolicy.from_dict(doc, known_calendars={"24x7"})
    assert fields_of(caught.value) == {"calendar", "targets.*.resolution.calendar"}
    with pytest.raises(ValidationFailed):
        check_policy_calendars(SlaPolicy.from_dict(doc), {"office"})
    check_policy_calendars(SlaPolicy.from_dict(doc), {"office", "moon"})


def test_new_cannot_pause() -> None:
    with pytest.raises(ValidationFailed) as caught:
        SlaPolicy.from_dict(minimal_doc(pause_statuses=["new"]))
    assert fields_of(caught.value) == {"pause_statuses"}


# -- matching ------------------------------------------------------------------------------------


def test_select_vip_service_request_gets_code_zero(policies: list[SlaPolicy]) -> None:
    chosen = select_policy(policies, {"type": "service_request", "priority": "P3", "vip": True})
    assert chosen is not None and chosen.name == "service-request-vip"
    plain = select_policy(policies, {"type": "service_request", "priority": "P3", "vip": False})
    assert plain is not None and plain.name == "service-request-default"


def test_vip_does_not_change_incidents(policies: list[SlaPolicy]) -> None:
    chosen = select_policy(policies, TicketFacts(type="incident", priority="P2", vip=True))
    assert chosen is not None and chosen.name == "incident-default"


@pytest.mark.parametrize("service", SPECTROGRAPH_BUNDLE)
def test_select_bundle_incidents_run_24x7(policies: list[SlaPolicy], service: str) -> None:
    chosen = select_policy(policies, {"type": "incident", "priority": "P1", "service": service})
    assert chosen is not None and chosen.name == "incident-spectrograph-24x7"
    assert chosen.calendar == "24x7"
    request = select_policy(policies, {"type": "service_request", "priority": "P1", "service": service})
    assert request is not None and request.name == "service-request-default"


@pytest.mark.parametrize(
    ("ticket_type", "expected"),
    [
        ("incident", "incident-default"),
        ("service_request", "service-request-default"),
        ("change_request", "change-request-default"),
        ("problem", "problem-default"),
        ("unheard_of", "desk-fallback"),
    ],
)
def test_select_default_by_type(policies: list[SlaPolicy], ticket_type: str, expected: str) -> None:
    chosen = select_policy(policies, {"type": ticket_type, "priority": "P3", "service": "mail"})
    assert chosen is not None and chosen.name == expected


def test_precedence_then_specificity_then_name() -> None:
    broad = SlaPolicy.from_dict(minimal_doc(name="b-broad", precedence=5))
    narrow = SlaPolicy.from_dict(minimal_doc(name="c-narrow", precedence=5, match={"types": ["incident"]}))
    same = SlaPolicy.from_dict(minimal_doc(name="a-same", precedence=5, match={"priorities": ["P2"]}))
    top = SlaPolicy.from_dict(minimal_doc(name="z-top", precedence=9, match={"business_units": ["lab"]}))
    facts = {"type": "incident", "priority": "P2", "business_unit": "ops"}
    for order in ([broad, narrow, same, top], [top, same, narrow, broad]):
        chosen = select_policy(order, facts)
        assert chosen is not None and chosen.name == "a-same"  # ties with c-narrow on specificity
    chosen = select_policy([broad, narrow, top], {**facts, "business_unit": "lab"})
    assert chosen is not None and chosen.name == "z-top"
    assert select_policy([narrow], {"type": "problem", "priority": "P2"}) is None


def test_only_the_highest_version_of_a_name_competes() -> None:
    old = SlaPolicy.from_dict(minimal_doc(name="x", version=1, precedence=50))
    new = SlaPolicy.from_dict(minimal_doc(name="x", version=2, precedence=1, match={"types": ["problem"]}))
    other = SlaPolicy.from_dict(minimal_doc(name="y", precedence=10))
    chosen = select_policy([old, new, other], {"type": "incident", "priority": "P1"})
    assert chosen is not None and chosen.name == "y"
    chosen = select_policy([new, old, other], {"type": "problem", "priority": "P1"})
    assert chosen is not None and (chosen.name, chosen.version) == ("y", 1)


# -- defaults ------------------------------------------------------------------------------------


def test_defaults_load_and_validate(
    calendars: dict[str, BusinessCalendar], policies: list[SlaPolicy]
) -> None:
    assert set(calendars) == {"24x7", "office"}
    assert calendars["office"].timezone == "America/Chicago"
    names = [policy.name for policy in policies]
    assert len(names) == len(set(names))
    for policy in policies:
        assert policy.calendars_used() <= set(calendars)
        assert SlaPolicy.from_dict(policy.to_dict()) == policy


def _target(policy: SlaPolicy, priority: str, clock: str) -> str:
    spec = policy.target_for(priority, clock)
    assert spec is not None
    return spec.describe()


def test_kesner_exhibits_mapping(policies: list[SlaPolicy]) -> None:
    by_name = {policy.name: policy for policy in policies}
    incident = by_name["incident-default"]
    assert [(_target(incident, p, "first_response"), _target(incident, p, "resolution")) for p in
            ("P1", "P2", "P3", "P4", "P5")] == [
        ("30m", "4h"), ("60m", "8h"), ("4h", "2bd"), ("3bd", "as scheduled"), ("3bd", "as scheduled")
    ]  # fmt: skip
    request = by_name["service-request-default"]
    assert [(_target(request, p, "first_response"), _target(request, p, "resolution")) for p in
            ("P1", "P2", "P3", "P4", "P5")] == [
        ("4m", "1bd"), ("1bd", "2bd"), ("2bd", "5bd"), ("3bd", "as scheduled"), ("3bd", "as scheduled")
    ]  # fmt: skip
    vip = by_name["service-request-vip"]
    assert (_target(vip, "P3", "first_response"), _target(vip, "P3", "resolution")) == ("2h", "4h")
    assert _target(vip, "P1", "first_response") == "4m"
    assert vip.precedence > request.precedence
    assert by_name["incident-spectrograph-24x7"].precedence > incident.precedence
    assert incident.business_day_seconds("office") == 9 * 3600
    assert _target(incident, "P1", "next_update") == "1bd"


def test_asap_is_configurable() -> None:
    docs = default_policies(asap={"incident:1": "2h", "service_request:0": "3h"})
    policies = [SlaPolicy.from_dict(doc) for doc in docs]
    by_name = {policy.name: policy for policy in policies}
    assert _target(by_name["incident-default"], "P1", "resolution") == "2h"
    assert _target(by_name["incident-default"], "P2", "resolution") == "8h"
    assert _target(by_name["service-request-vip"], "P4", "resolution") == "3h"


def test_bundle_services_are_configurable() -> None:
    policies = [SlaPolicy.from_dict(doc) for doc in default_policies(bundle_services=["telescope-control"])]
    chosen = select_policy(policies, {"type": "incident", "priority": "P2", "service": "telescope-control"})
    assert chosen is not None and chosen.name == "incident-spectrograph-24x7"


# -- preview -------------------------------------------------------------------------------------


def test_preview_weekend_incident_on_the_bundle_and_off_it(
    policies: list[SlaPolicy], calendars: dict[str, BusinessCalendar]
) -> None:
    saturday = datetime(2025, 3, 8, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
    facts = {"type": "incident", "priority": "P1", "service": SPECTROGRAPH_BUNDLE[0]}
    bundle = preview(policies, calendars, facts, saturday)
    assert bundle["policy"]["name"] == "incident-spectrograph-24x7"
    assert bundle["clocks"]["first_response"]["due_at"] == "2025-03-08T16:30:00+00:00"
    assert bundle["clocks"]["resolution"]["due_at"] == "2025-03-08T20:00:00+00:00"
    assert bundle["clocks"]["next_update"]["due_at"] is None
    office = preview(policies, calendars, {"type": "incident", "priority": "P1", "service": "mail"}, saturday)
    assert office["policy"]["name"] == "incident-default"
    # Monday 08:00 CDT (DST began on 9 March) = 13:00 UTC; +30 min.
    assert office["clocks"]["first_response"]["due_at"] == "2025-03-10T13:30:00+00:00"
    assert office["clocks"]["first_response"]["calendar"] == "office"
    json.dumps(office)


def test_preview_scheduled_and_no_match(calendars: dict[str, BusinessCalendar]) -> None:
    policy = SlaPolicy.from_dict(
        minimal_doc(
            match={"types": ["incident"]},
            targets={"*": {"first_response": {"duration": "1h"}, "resolution": {"scheduled": True}}},
        )
    )
    monday = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
    answer = preview([policy], calendars, {"type": "incident", "priority": "P4"}, monday)
    assert answer["clocks"]["resolution"]["state"] == "awaiting_schedule"
    assert answer["clocks"]["resolution"]["due_at"] is None
    # 3 March 2025 is Casimir Pulaski Day, an Illinois holiday: the hour runs Tuesday 08:00-09:00 CST.
    assert answer["clocks"]["first_response"]["due_at"] == "2025-03-04T15:00:00+00:00"
    nothing = preview([policy], calendars, {"type": "problem", "priority": "P4"}, monday)
    assert nothing["policy"] is None and nothing["clocks"] == {}
    with pytest.raises(ValidationFailed) as caught:
        preview([policy], calendars, {"type": "incident"}, monday)
    assert fields_of(caught.value) == {"priority"}


def test_preview_policy_previews_a_draft_whatever_its_match(calendars: dict[str, BusinessCalendar]) -> None:
    draft = SlaPolicy.from_dict(
        minimal_doc(
            match={"types": ["service_request"]},
            targets={
                "*": {"first_response": {"duration": "30m"}, "resolution": {"duration": "4h", "calendar": "24x7"}}
            },
        )
    )
    saturday = datetime(2025, 3, 8, 16, 0, tzinfo=UTC)  # 10:00 in Chicago: the office is closed
    answer = preview_policy(draft, calendars, {"type": "incident", "priority": "P3"}, saturday)
    assert answer["policy"] == {"name": "basic", "version": 1, "precedence": 0, "matches": False}
    # Monday 08:00 CDT = 13:00 UTC, plus 30 min on the office calendar; 4 h straight on 24x7.
    assert answer["clocks"]["first_response"]["due_at"] == "2025-03-10T13:30:00+00:00"
    assert answer["clocks"]["resolution"]["due_at"] == "2025-03-08T20:00:00+00:00"
    assert answer["clocks"]["resolution"]["calendar"] == "24x7"
    matched = preview_policy(draft, calendars, {"type": "service_request", "priority": "P3"}, saturday)
    assert matched["policy"]["matches"] is True
    json.dumps(answer)


def test_preview_policy_refuses_a_calendar_it_does_not_know(calendars: dict[str, BusinessCalendar]) -> None:
    draft = SlaPolicy.from_dict(minimal_doc(calendar="office-berlin"))
    monday = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as caught:
        preview_policy(draft, calendars, {"type": "incident", "priority": "P2"}, monday)
    assert caught.value.errors == [{"field": "calendar", "reason": "unknown calendar 'office-berlin'"}]
    with pytest.raises(ValidationFailed) as bad:
        preview_policy(draft, calendars, {"type": "incident", "priority": "P0"}, monday)
    assert fields_of(bad.value) == {"priority"}
