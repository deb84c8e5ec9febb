"""The on-call rota: handovers, daylight saving, overrides, validation (pure, with hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.oncall import OVERRIDE, ROTATION, WEEKDAYS, OnCallRota, on_duty, who_is_on_call

MICRO = timedelta(microseconds=1)
CHICAGO = ZoneInfo("America/Chicago")
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
ZONES = ("UTC", "America/Chicago", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata")


def rota(**changes: Any) -> OnCallRota:
    doc: dict[str, Any] = {
        "name": "network",
        "timezone": "America/Chicago",
        "people": ["nadia", "noah", "nils"],
        "handover_weekday": "monday",
        "handover_time": "09:00",
        "start": "2025-01-06",
    }
    doc.update(changes)
    return OnCallRota.from_dict(doc)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHICAGO)  # type: ignore[arg-type,misc]


# -- examples ----------------------------------------------------------------------------------


def test_the_first_shift_starts_at_the_first_handover_and_the_list_rotates_weekly() -> None:
    r = rota()
    assert who_is_on_call(r, local(2025, 1, 6, 9, 0)) == "nadia"
    assert who_is_on_call(r, local(2025, 1, 13, 8, 59)) == "nadia"
    assert who_is_on_call(r, local(2025, 1, 13, 9, 0)) == "noah"
    assert who_is_on_call(r, local(2025, 1, 20, 9, 0)) == "nils"
    assert who_is_on_call(r, local(2025, 1, 27, 9, 0)) == "nadia"


def test_a_start_date_off_the_handover_weekday_begins_at_the_next_handover() -> None:
    r = rota(start="2025-01-01")  # a Wednesday: the first handover is Monday 6 January
    assert who_is_on_call(r, local(2025, 1, 6, 9, 0)) == "nadia"
    assert who_is_on_call(r, local(2025, 1, 6, 8, 59)) == "nils"  # the rotation extends backwards


def test_the_handover_stays_at_nine_local_across_both_daylight_saving_changes() -> None:
    r = rota(start="2025-03-03")
    # DST began Sunday 9 March 2025: Monday 10 March 09:00 CDT is 14:00 UTC, not 15:00.
    assert who_is_on_call(r, datetime(2025, 3, 10, 13, 59, tzinfo=UTC)) == "nadia"
    assert who_is_on_call(r, datetime(2025, 3, 10, 14, 0, tzinfo=UTC)) == "noah"
    # DST ended Sunday 2 November 2025: Monday 3 November 09:00 CST is 15:00 UTC.
    r = rota(start="2025-10-27")
    assert who_is_on_call(r, datetime(2025, 11, 3, 14, 59, tzinfo=UTC)) == "nadia"
    assert who_is_on_call(r, datetime(2025, 11, 3, 15, 0, tzinfo=UTC)) == "noah"


def test_a_handover_at_a_skipped_wall_time_happens_an_hour_later() -> None:
    r = rota(handover_weekday="sunday", handover_time="02:30", start="2025-03-02")
    # 02:30 did not exist on 9 March 2025 in Chicago: read as 02:30 CST = 08:30 UTC (03:30 CDT).
    assert who_is_on_call(r, datetime(2025, 3, 9, 8, 29, tzinfo=UTC)) == "nadia"
    assert who_is_on_call(r, datetime(2025, 3, 9, 8, 30, tzinfo=UTC)) == "noah"


def test_an_override_wins_and_the_last_listed_wins_among_overrides() -> None:
    holiday = {"person": "nils", "from": "2025-01-07T00:00:00Z", "until": "2025-01-10T00:00:00Z", "reason": "cover"}
    swap = {"person": "noah", "from": "2025-01-08T00:00:00Z", "until": "2025-01-09T00:00:00Z", "reason": "swap"}
    r = rota(overrides=[holiday, swap])
    assert who_is_on_call(r, datetime(2025, 1, 6, 23, 59, tzinfo=UTC)) == "nadia"
    answer = on_duty(r, datetime(2025, 1, 7, 0, 0, tzinfo=UTC))
    assert (answer.person, answer.source, answer.reason) == ("nils", OVERRIDE, "cover")
    assert who_is_on_call(r, datetime(2025, 1, 8, 12, 0, tzinfo=UTC)) == "noah"
    assert who_is_on_call(r, datetime(2025, 1, 9, 0, 0, tzinfo=UTC)) == "nils"
    assert on_duty(r, datetime(2025, 1, 10, 0, 0, tzinfo=UTC)).source == ROTATION


def test_the_answer_says_until_when_it_holds() -> None:
    r = rota(overrides=[{"person": "nils", "from": "2025-01-08T00:00:00Z", "until": "2025-01-09T00:00:00Z"}])
    assert on_duty(r, local(2025, 1, 6, 10, 0)).until == datetime(2025, 1, 8, tzinfo=UTC)
    assert on_duty(r, datetime(2025, 1, 8, 1, tzinfo=UTC)).until == datetime(2025, 1, 9, tzinfo=UTC)
    assert on_duty(r, datetime(2025, 1, 9, 1, tzinfo=UTC)).until == local(2025, 1, 13, 9, 0)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="at"):
        who_is_on_call(rota(), datetime(2025, 1, 6, 9, 0))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"people": []}, "people"),
        ({"people": ["Not A Name"]}, "people[0]"),
        ({"handover_weekday": "funday"}, "handover_weekday"),
        ({"handover_time": "25:00"}, "handover_time"),
        ({"handover_time": 9}, "handover_time"),
        ({"start": "2025-02-30"}, "start"),
        ({"start": "9999-12-31"}, "start"),
        ({"overrides": [{"person": "x", "from": "9999-12-31T23:59:59-01:00", "until": "2025-01-03T00:00:00Z"}]},
         "overrides[0].from"),
        ({"overrides": [{"person": "x", "from": "2025-01-02T00:00:00Z", "until": "2025-01-01T00:00:00Z"}]},
         "overrides[0].until"),
        ({"overrides": [{"person": "x", "from": "2025-01-02T00:00:00", "until": "2025-01-03T00:00:00Z"}]},
         "overrides[0].from"),
        ({"overrides": [{"person": "x", "from": "2025-01-02T00:00:00Z", "until": "2025-01-03T00:00:00Z", "y": 1}]},
         "overrides[0].y"),
        ({"overrides": "soon"}, "overrides"),
        ({"shift": "nights"}, "shift"),
    ],
)
def test_a_bad_rota_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rota(**changes)
    assert field in [error["field"] for error in caught.value.errors]


def test_a_rota_survives_its_document_form() -> None:
    r = rota(overrides=[{"person": "nils", "from": "2025-01-08T00:00:00+01:00", "until": "2025-01-09T00:00:00Z"}])
    assert OnCallRota.from_dict(r.to_dict()) == r


# -- properties --------------------------------------------------------------------------------

rotas = st.builds(
    lambda zone, people, weekday, hour, minute, start: rota(
        timezone=zone,
        people=people,
        handover_weekday=weekday,
        handover_time=f"{hour:02d}:{minute:02d}",
        start=start.isoformat(),
    ),
    st.sampled_from(ZONES),
    st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1, max_size=5, unique=True),
    st.sampled_from(WEEKDAYS),
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 59]),
    st.dates(min_value=datetime(2020, 1, 1).date(), max_value=datetime(2030, 1, 1).date()),
)
instants = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2031, 1, 1), timezones=st.just(UTC)
)


@PROPERTY_SETTINGS
@given(rotas, instants)
def test_someone_on_the_list_is_always_on_call_until_the_next_handover(r: OnCallRota, at: datetime) -> None:
    answer = on_duty(r, at)
    assert answer.person in r.people
    assert answer.until > at
    # Constant up to the moment it says it changes; the next person takes over at that moment.
    assert who_is_on_call(r, answer.until - MICRO) == answer.person
    following = who_is_on_call(r, answer.until)
    index = r.people.index(answer.person)
    assert following == r.people[(index + 1) % len(r.people)]


@PROPERTY_SETTINGS
@given(rotas, instants)
def test_each_person_takes_one_week_in_every_cycle_of_the_list(r: OnCallRota, at: datetime) -> None:
    seen = []
    moment = at
    for _ in r.people:
        answer = on_duty(r, moment)
        seen.append(answer.person)
        moment = answer.until
    assert sorted(seen) == sorted(r.people)


@PROPERTY_SETTINGS
@given(rotas, instants)
def test_handovers_are_a_week_apart_on_the_local_wall_clock(r: OnCallRota, at: datetime) -> None:
    first = on_duty(r, at).until
    second = on_duty(r, first).until
    a, b = first.astimezone(r.zone), second.astimezone(r.zone)
    assert (b.date() - a.date()).days == 7
    assert a.weekday() == b.weekday() == r.handover_weekday
    assert 6 * 86400 < (second - first).total_seconds() < 8 * 86400


@PROPERTY_SETTINGS
@given(rotas, instants, st.integers(1, 14 * 24 * 60), st.integers(0, 3 * 24 * 60), st.sampled_from(["x", "y"]))
def test_an_override_wins_over_the_rotation_for_exactly_its_span(
    r: OnCallRota, start: datetime, minutes: int, probe: int, person: str
) -> None:
    end = start + timedelta(minutes=minutes)
    override = {"person": person, "from": start.isoformat(), "until": end.isoformat()}
    with_override = rota(**{**r.to_dict(), "overrides": [override]})
    at = start + timedelta(minutes=probe)
    if at < end:
        assert who_is_on_call(with_override, at) == person
    else:
        assert who_is_on_call(with_override, at) == who_is_on_call(r, at)
    assert who_is_on_call(with_override, start - MICRO) == who_is_on_call(r, start - MICRO)


# -- paging at intake ----------------------------------------------------------------------------


def page(**facts: Any) -> str | None:
    from chalicelib.domain.oncall import page_reason

    base: dict[str, Any] = {
        "ticket_type": "incident",
        "priority": "P1",
        "assigned": False,
        "anyone_on_shift": False,
        "clock_running": False,
        "group": "network",
    }
    return page_reason(**{**base, **facts})


def test_an_unassigned_p1_or_p2_incident_with_nobody_on_shift_pages() -> None:
    assert page() == "P1 incident, nobody on shift in network"
    assert page(priority="P2", group=None) == "P2 incident, no group to route to"


def test_a_lower_incident_pages_only_when_its_clock_runs_now() -> None:
    assert page(priority="P3") is None
    assert page(priority="P4", clock_running=True) == (
        "incident whose SLA clock runs now (24x7), nobody on shift in network"
    )


@pytest.mark.parametrize(
    "facts", [{"ticket_type": "service_request"}, {"assigned": True}, {"anyone_on_shift": True}]
)
def test_no_page_when_someone_took_it_or_could_or_it_is_no_incident(facts: dict[str, Any]) -> None:
    assert page(**facts) is None


def test_every_shipped_group_has_a_valid_rota_led_by_its_lead() -> None:
    from chalicelib.domain.catalog.defaults import default_agents, default_groups
    from chalicelib.domain.oncall import default_rotas

    groups = default_groups()
    rotas = {doc["name"]: OnCallRota.from_dict(doc) for doc in default_rotas(groups, default_agents())}
    assert set(rotas) == {g["name"] for g in groups}
    assert rotas["network"].people[0] == "nadia"
    assert set(rotas["network"].people) == {"nadia", "noah", "nils"}
