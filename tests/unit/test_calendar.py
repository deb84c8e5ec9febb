"""Business calendars: documents, working-time arithmetic, holidays and DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.sla.calendar import WEEKDAYS, BusinessCalendar

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
TOKYO = ZoneInfo("Asia/Tokyo")
HOUR = 3600
WEEKDAYS_MON_FRI = ("mon", "tue", "wed", "thu", "fri")


def calendar(tz: str = "America/Chicago", **doc: Any) -> BusinessCalendar:
    base: dict[str, Any] = {"name": "test", "timezone": tz}
    base.update(doc)
    return BusinessCalendar.from_dict(base)


def every_day(*windows: list[str]) -> dict[str, list[list[str]]]:
    return {day: [list(w) for w in windows] for day in WEEKDAYS}


def weekdays(*windows: list[str]) -> dict[str, list[list[str]]]:
    return {day: [list(w) for w in windows] for day in WEEKDAYS_MON_FRI}


def local(zone: ZoneInfo, *parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=zone, fold=fold)  # type: ignore[arg-type,misc]


@pytest.fixture
def split_shift() -> BusinessCalendar:
    """Mon-Fri 08-12 and 13-17 in Chicago, no holidays."""
    return calendar(weekly_hours=weekdays(["08:00", "12:00"], ["13:00", "17:00"]))


@pytest.fixture
def round_the_clock() -> BusinessCalendar:
    return calendar("Europe/Berlin", weekly_hours=every_day(["00:00", "24:00"]))


# 2026-03-02 is a Monday.
MONDAY = (2026, 3, 2)


# ---------------------------------------------------------------------------------------------
# Split shifts, waiting, exact fills


def test_split_shift_skips_the_lunch_gap(split_shift: BusinessCalendar) -> None:
    start = local(CHICAGO, *MONDAY, 11)
    assert split_shift.add(start, 2 * HOUR) == local(CHICAGO, *MONDAY, 14)
    assert split_shift.seconds_between(local(CHICAGO, *MONDAY, 8), local(CHICAGO, *MONDAY, 17)) == 8 * HOUR
    assert split_shift.seconds_between(local(CHICAGO, *MONDAY, 11), local(CHICAGO, *MONDAY, 14)) == 2 * HOUR


def test_start_in_lunch_waits_for_the_afternoon(split_shift: BusinessCalendar) -> None:
    assert split_shift.add(local(CHICAGO, *MONDAY, 12, 30), HOUR) == local(CHICAGO, *MONDAY, 14)


def test_start_before_opening_and_on_weekend_waits(split_shift: BusinessCalendar) -> None:
    assert split_shift.add(local(CHICAGO, *MONDAY, 5), 30 * 60) == local(CHICAGO, *MONDAY, 8, 30)
    saturday = local(CHICAGO, 2026, 3, 7, 10)
    assert split_shift.add(saturday, HOUR) == local(CHICAGO, 2026, 3, 9, 9)
    assert split_shift.seconds_between(saturday, local(CHICAGO, 2026, 3, 9, 0)) == 0


def test_exactly_filling_a_window_ends_at_its_close(split_shift: BusinessCalendar) -> None:
    assert split_shift.add(local(CHICAGO, *MONDAY, 8), 4 * HOUR) == local(CHICAGO, *MONDAY, 12)
    assert split_shift.add(local(CHICAGO, *MONDAY, 13), 4 * HOUR) == local(CHICAGO, *MONDAY, 17)
    # One whole working week from Monday's opening ends on Friday's close, not the next Monday.
    assert split_shift.add(local(CHICAGO, *MONDAY, 8), 40 * HOUR) == local(CHICAGO, 2026, 3, 6, 17)


def test_one_more_microsecond_moves_past_the_gap(split_shift: BusinessCalendar) -> None:
    got = split_shift.add(local(CHICAGO, *MONDAY, 8), 4 * HOUR + 0.000001)
    assert got == local(CHICAGO, *MONDAY, 13) + timedelta(microseconds=1)


def test_add_zero_returns_the_start_even_in_closed_time(split_shift: BusinessCalendar) -> None:
    closed = local(CHICAGO, *MONDAY, 12, 30)
    assert split_shift.add(closed, 0) == closed
    assert split_shift.subtract(closed, 0) == closed
    # So add composes: stopping at a close and adding more is the same as adding at once.
    at_close = split_shift.add(local(CHICAGO, *MONDAY, 8), 4 * HOUR)
    assert split_shift.add(at_close, HOUR) == split_shift.add(local(CHICAGO, *MONDAY, 8), 5 * HOUR)


def test_negative_or_bad_durations_are_refused(split_shift: BusinessCalendar) -> None:
    start = local(CHICAGO, *MONDAY, 9)
    with pytest.raises(ValueError, match="seconds"):
        split_shift.add(start, -1)
    with pytest.raises(ValueError, match="seconds"):
        split_shift.subtract(start, float("nan"))
    with pytest.raises(TypeError, match="seconds"):
        split_shift.add(start, "60")  # type: ignore[arg-type]


def test_seconds_between_is_zero_when_end_not_after_start(split_shift: BusinessCalendar) -> None:
    start = local(CHICAGO, *MONDAY, 9)
    assert split_shift.seconds_between(start, start) == 0
    assert split_shift.seconds_between(start, start - timedelta(hours=3)) == 0


# ---------------------------------------------------------------------------------------------
# Subtract


def test_subtract_from_after_closing_counts_back_from_the_close(split_shift: BusinessCalendar) -> None:
    assert split_shift.subtract(local(CHICAGO, *MONDAY, 20), HOUR) == local(CHICAGO, *MONDAY, 16)
    assert split_shift.subtract(local(CHICAGO, *MONDAY, 12, 40), 30 * 60) == local(CHICAGO, *MONDAY, 11, 30)


def test_subtract_exactly_filling_a_window_ends_at_its_opening(split_shift: BusinessCalendar) -> None:
    assert split_shift.subtract(local(CHICAGO, *MONDAY, 17), 4 * HOUR) == local(CHICAGO, *MONDAY, 13)
    assert split_shift.subtract(local(CHICAGO, *MONDAY, 12), 4 * HOUR) == local(CHICAGO, *MONDAY, 8)
    # Monday 09:00 minus two hours: one from Monday, one from the previous Friday afternoon.
    assert split_shift.subtract(local(CHICAGO, *MONDAY, 9), 2 * HOUR) == local(CHICAGO, 2026, 2, 27, 16)


# ---------------------------------------------------------------------------------------------
# Overnight windows and stretches across midnight


def test_overnight_window_runs_into_the_next_day() -> None:
    cal = calendar(weekly_hours={"fri": [["22:00", "06:00"]]})
    friday = (2026, 3, 6)
    assert cal.add(local(CHICAGO, *friday, 23), 5 * HOUR) == local(CHICAGO, 2026, 3, 7, 4)
    assert cal.seconds_between(local(CHICAGO, *friday, 0), local(CHICAGO, 2026, 3, 8, 0)) == 8 * HOUR
    assert cal.next_open(local(CHICAGO, 2026, 3, 7, 3)) == (
        local(CHICAGO, *friday, 22),
        local(CHICAGO, 2026, 3, 7, 6),
    )
    # Saturday 06:00 is the close; the next stretch is the following Friday.
    assert cal.next_open(local(CHICAGO, 2026, 3, 7, 6))[0] == local(CHICAGO, 2026, 3, 13, 22)


def test_overnight_window_belongs_to_the_day_it_starts_on() -> None:
    # Friday 2026-03-06 is a holiday: its night shift does not open. Saturday being a holiday
    # does not cut the shift that opened on Friday evening.
    on_friday = calendar(weekly_hours={"fri": [["22:00", "06:00"]]}, holidays=["2026-03-06"])
    assert on_friday.add(local(CHICAGO, 2026, 3, 6, 12), HOUR) == local(CHICAGO, 2026, 3, 13, 23)
    on_saturday = calendar(weekly_hours={"fri": [["22:00", "06:00"]]}, holidays=["2026-03-07"])
    assert on_saturday.add(local(CHICAGO, 2026, 3, 6, 12), 7 * HOUR) == local(CHICAGO, 2026, 3, 7, 5)


def test_windows_touching_across_midnight_are_one_stretch() -> None:
    cal = calendar(weekly_hours={"mon": [["22:00", "24:00"]], "tue": [["00:00", "06:00"]]})
    opens, closes = local(CHICAGO, *MONDAY, 22), local(CHICAGO, 2026, 3, 3, 6)
    assert cal.next_open(local(CHICAGO, *MONDAY, 23)) == (opens, closes)
    assert cal.next_open(local(CHICAGO, 2026, 3, 3, 0)) == (opens, closes)
    assert cal.next_open(local(CHICAGO, *MONDAY, 12)) == (opens, closes)
    assert cal.add(local(CHICAGO, *MONDAY, 23), 2 * HOUR) == local(CHICAGO, 2026, 3, 3, 1)
    # An overnight window and the same shape split at midnight count the same.
    overnight = calendar(weekly_hours={"mon": [["22:00", "06:00"]]})
    start, end = local(CHICAGO, *MONDAY, 0), local(CHICAGO, 2026, 3, 20)
    assert overnight.seconds_between(start, end) == cal.seconds_between(start, end) == 3 * 8 * HOUR


def test_next_open_inside_at_close_and_before(split_shift: BusinessCalendar) -> None:
    morning = (local(CHICAGO, *MONDAY, 8), local(CHICAGO, *MONDAY, 12))
    afternoon = (local(CHICAGO, *MONDAY, 13), local(CHICAGO, *MONDAY, 17))
    assert split_shift.next_open(local(CHICAGO, *MONDAY, 6)) == morning
    assert split_shift.next_open(local(CHICAGO, *MONDAY, 8)) == morning
    assert split_shift.next_open(local(CHICAGO, *MONDAY, 11, 59)) == morning
    assert split_shift.next_open(local(CHICAGO, *MONDAY, 12)) == afternoon
    assert split_shift.next_open(local(CHICAGO, 2026, 3, 6, 17))[0] == local(CHICAGO, 2026, 3, 9, 8)


# ---------------------------------------------------------------------------------------------
# 24x7


def test_round_the_clock_counts_elapsed_time(round_the_clock: BusinessCalendar) -> None:
    start = datetime(2025, 6, 1, 12, tzinfo=UTC)
    end = datetime(2027, 6, 1, 12, tzinfo=UTC)
    assert round_the_clock.seconds_between(start, end) == (end - start).total_seconds()
    assert round_the_clock.add(start, 12_345.5) == start + timedelta(seconds=12_345.5)
    assert round_the_clock.add(start, 2 * 365 * 86_400) == start + timedelta(days=730)
    assert round_the_clock.subtract(end, 86_400) == end - timedelta(days=1)


def test_round_the_clock_is_one_long_stretch(round_the_clock: BusinessCalendar) -> None:
    moment = datetime(2026, 5, 1, 12, tzinfo=UTC)
    opens, closes = round_the_clock.next_open(moment)
    assert opens < moment < closes
    assert closes - opens > timedelta(days=365 * 3)
    # Across the new year the timelines join without a seam.
    new_year = local(BERLIN, 2027, 1, 1)
    assert round_the_clock.add(new_year - timedelta(hours=1), 2 * HOUR) == new_year + timedelta(hours=1)
    assert round_the_clock.subtract(new_year + timedelta(hours=1), 2 * HOUR) == new_year - timedelta(hours=1)


# ---------------------------------------------------------------------------------------------
# Holidays


def test_explicit_holiday_is_skipped(split_shift: BusinessCalendar) -> None:
    cal = calendar(weekly_hours=weekdays(["08:00", "17:00"]), holidays=["2026-12-25"])
    assert cal.add(local(CHICAGO, 2026, 12, 24, 16), 2 * HOUR) == local(CHICAGO, 2026, 12, 28, 9)
    assert cal.is_holiday(datetime(2026, 12, 25).date())
    assert not cal.is_holiday(datetime(2027, 12, 24).date())


def test_recurring_holiday_applies_every_year() -> None:
    cal = calendar(weekly_hours=every_day(["09:00", "17:00"]), recurring_holidays=["01-01", "12-25"])
    for year in (2025, 2026, 2030):
        day = local(CHICAGO, year, 1, 1, 10)
        assert cal.seconds_between(day, day + timedelta(hours=6)) == 0
        assert cal.add(local(CHICAGO, year - 1, 12, 31, 16), 2 * HOUR) == local(CHICAGO, year, 1, 2, 10)
    assert cal.seconds_between(local(CHICAGO, 2026, 12, 24), local(CHICAGO, 2026, 12, 27)) == 16 * HOUR


def test_leap_day_recurring_holiday_only_in_leap_years() -> None:
    cal = calendar(weekly_hours=every_day(["09:00", "17:00"]), recurring_holidays=["02-29"])
    assert cal.seconds_between(local(CHICAGO, 2028, 2, 29), local(CHICAGO, 2028, 3, 1)) == 0
    assert cal.seconds_between(local(CHICAGO, 2027, 2, 28), local(CHICAGO, 2027, 3, 1)) == 8 * HOUR


def test_country_holidays_us_illinois() -> None:
    cal = calendar(weekly_hours=weekdays(["08:00", "17:00"]), holiday_country="US", holiday_subdivision="IL")
    # Thanksgiving 2026-11-26 (federal) and Casimir Pulaski Day 2026-03-02 (Illinois only).
    assert cal.add(local(CHICAGO, 2026, 11, 25, 16), 2 * HOUR) == local(CHICAGO, 2026, 11, 27, 9)
    assert cal.next_open(local(CHICAGO, 2026, 3, 2, 9))[0] == local(CHICAGO, 2026, 3, 3, 8)
    federal = calendar(weekly_hours=weekdays(["08:00", "17:00"]), holiday_country="US")
    assert federal.next_open(local(CHICAGO, 2026, 3, 2, 9))[0] == local(CHICAGO, 2026, 3, 2, 8)


def test_country_holidays_germany() -> None:
    cal = calendar("Europe/Berlin", weekly_hours=weekdays(["09:00", "17:00"]), holiday_country="DE")
    # 2026-10-02 Friday, 2026-10-03 German Unity Day is a Saturday: no effect. Good Friday 2026-04-03
    # and Easter Monday 2026-04-06 close the Thursday-to-Tuesday stretch.
    start = local(BERLIN, 2026, 4, 2, 16)
    assert cal.add(start, 2 * HOUR) == local(BERLIN, 2026, 4, 7, 10)
    assert cal.seconds_between(local(BERLIN, 2026, 3, 30), local(BERLIN, 2026, 4, 13)) == 8 * 8 * HOUR


def test_all_holiday_calendar_and_empty_week_do_not_loop_forever() -> None:
    every_month_day = [
        f"{m:02d}-{d:02d}" for m in range(1, 13) for d in range(1, 32) if not (m == 2 and d > 29)
    ]
    every_month_day = [md for md in every_month_day if md not in ("04-31", "06-31", "09-31", "11-31")]
    always_off = calendar(weekly_hours=every_day(["09:00", "17:00"]), recurring_holidays=every_month_day)
    start = local(CHICAGO, *MONDAY, 9)
    with pytest.raises(ValueError, match="no working time"):
        always_off.add(start, 1)
    with pytest.raises(ValueError, match="no working time"):
        always_off.subtract(start, 1)
    with pytest.raises(ValueError, match="no working time"):
        always_off.next_open(start)
    assert always_off.seconds_between(start, start + timedelta(days=800)) == 0
    empty = calendar(weekly_hours={})
    with pytest.raises(ValueError, match="no working hours"):
        empty.add(start, 1)
    assert empty.add(start, 0) == start


def test_a_closure_longer_than_a_year_is_searched_through() -> None:
    # Closed every day from 2026-03-03 to 2028-06-30: all of 2027 has no working time.
    first = datetime(2026, 3, 3)
    closed = [(first + timedelta(days=n)).date().isoformat() for n in range(851)]
    assert closed[-1] == "2028-06-30"
    cal = calendar(weekly_hours=every_day(["09:00", "10:00"]), holidays=closed)
    assert cal.add(local(CHICAGO, *MONDAY, 9, 30), HOUR) == local(CHICAGO, 2028, 7, 1, 9, 30)
    assert cal.subtract(local(CHICAGO, 2028, 7, 1, 9, 30), HOUR) == local(CHICAGO, *MONDAY, 9, 30)


# ---------------------------------------------------------------------------------------------
# DST


def test_berlin_spring_forward() -> None:
    day = (2026, 3, 29)  # Sunday; clocks go 02:00 -> 03:00
    clock = calendar("Europe/Berlin", weekly_hours=every_day(["00:00", "24:00"]))
    assert clock.seconds_between(local(BERLIN, *day), local(BERLIN, 2026, 3, 30)) == 23 * HOUR
    assert clock.add(local(BERLIN, *day, 1), HOUR) == local(BERLIN, *day, 3)
    across = calendar("Europe/Berlin", weekly_hours={"sun": [["01:00", "05:00"]]})
    assert across.seconds_between(local(BERLIN, *day), local(BERLIN, *day, 12)) == 3 * HOUR
    # A window opening inside the gap opens at the transition (03:00) and is shortened by the gap.
    in_gap = calendar("Europe/Berlin", weekly_hours={"sun": [["02:30", "04:00"]]})
    assert in_gap.next_open(local(BERLIN, *day)) == (local(BERLIN, *day, 3), local(BERLIN, *day, 4))
    assert in_gap.seconds_between(local(BERLIN, *day), local(BERLIN, *day, 12)) == HOUR
    # A window lying wholly in the gap is empty and skipped.
    lost = calendar("Europe/Berlin", weekly_hours={"sun": [["02:00", "03:00"]]})
    assert lost.next_open(local(BERLIN, *day))[0] == local(BERLIN, 2026, 4, 5, 2)
    # Overnight Saturday 22:00 -> Sunday 06:00 loses the hour.
    night = calendar("Europe/Berlin", weekly_hours={"sat": [["22:00", "06:00"]]})
    assert night.seconds_between(local(BERLIN, 2026, 3, 28), local(BERLIN, 2026, 3, 30)) == 7 * HOUR
    # Office hours on the Monday after are nine real hours.
    office = calendar("Europe/Berlin", weekly_hours=weekdays(["08:00", "17:00"]))
    assert office.seconds_between(local(BERLIN, *day), local(BERLIN, 2026, 3, 31)) == 9 * HOUR


def test_berlin_fall_back() -> None:
    day = (2026, 10, 25)  # Sunday; clocks go 03:00 CEST -> 02:00 CET
    clock = calendar("Europe/Berlin", weekly_hours=every_day(["00:00", "24:00"]))
    assert clock.seconds_between(local(BERLIN, *day), local(BERLIN, 2026, 10, 26)) == 25 * HOUR
    across = calendar("Europe/Berlin", weekly_hours={"sun": [["01:00", "05:00"]]})
    assert across.seconds_between(local(BERLIN, *day), local(BERLIN, *day, 12)) == 5 * HOUR
    # Ambiguous boundaries resolve to their first occurrence.
    folded = calendar("Europe/Berlin", weekly_hours={"sun": [["02:30", "02:45"]]})
    opens, closes = folded.next_open(local(BERLIN, *day))
    assert opens == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert opens.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 10, 25, 2, 30)
    assert closes - opens == timedelta(minutes=15)
    night = calendar("Europe/Berlin", weekly_hours={"sat": [["22:00", "06:00"]]})
    assert night.seconds_between(local(BERLIN, 2026, 10, 24), local(BERLIN, 2026, 10, 26)) == 9 * HOUR
    assert night.add(local(BERLIN, 2026, 10, 24, 22), 9 * HOUR) == local(BERLIN, *day, 6)


def test_sao_paulo_spring_forward_at_midnight() -> None:
    # 2018-11-04 (a Sunday): local 00:00 did not exist; clocks went from 23:59:59 -03 to 01:00 -02.
    clock = calendar("America/Sao_Paulo", weekly_hours=every_day(["00:00", "24:00"]))
    start, end = local(SAO_PAULO, 2018, 11, 3), local(SAO_PAULO, 2018, 11, 6)
    assert clock.seconds_between(start, end) == (end.astimezone(UTC) - start).total_seconds() == 71 * HOUR
    assert clock.add(local(SAO_PAULO, 2018, 11, 3, 23), HOUR) == datetime(2018, 11, 4, 3, tzinfo=UTC)
    early = calendar("America/Sao_Paulo", weekly_hours={"sun": [["00:00", "06:00"]]})
    opens, closes = early.next_open(local(SAO_PAULO, 2018, 11, 3, 12))
    assert opens == datetime(2018, 11, 4, 3, tzinfo=UTC)  # 01:00 -02, the first moment of the day
    assert opens.astimezone(SAO_PAULO).hour == 1 and closes.astimezone(SAO_PAULO).hour == 6
    assert closes - opens == timedelta(hours=5)
    night = calendar("America/Sao_Paulo", weekly_hours={"sat": [["22:00", "02:00"]]})
    assert night.seconds_between(start, end) == 3 * HOUR


def test_sao_paulo_fall_back_at_midnight() -> None:
    # 2019-02-17 00:00 -02 became 2019-02-16 23:00 -03: Saturday the 16th had 25 hours.
    clock = calendar("America/Sao_Paulo", weekly_hours=every_day(["00:00", "24:00"]))
    saturday, sunday = local(SAO_PAULO, 2019, 2, 16), local(SAO_PAULO, 2019, 2, 17)
    assert clock.seconds_between(saturday, sunday) == 25 * HOUR
    evening = calendar("America/Sao_Paulo", weekly_hours={"sat": [["23:00", "24:00"]]})
    opens, closes = evening.next_open(saturday)
    assert opens == datetime(2019, 2, 17, 1, tzinfo=UTC)  # the first 23:00, at -02
    assert opens.astimezone(SAO_PAULO).hour == 23
    assert closes - opens == timedelta(hours=2)


# ---------------------------------------------------------------------------------------------
# Zones of the arguments


def test_arguments_in_other_zones_are_the_same_instants(split_shift: BusinessCalendar) -> None:
    # Monday 2026-03-02 08:00 Chicago (CST, -06) is 14:00 UTC and 23:00 in Tokyo.
    in_utc = datetime(2026, 3, 2, 14, tzinfo=UTC)
    in_tokyo = datetime(2026, 3, 2, 23, tzinfo=TOKYO)
    expected = local(CHICAGO, *MONDAY, 13)
    assert split_shift.add(in_utc, 4 * HOUR + 1) == expected + timedelta(seconds=1)
    got = split_shift.add(in_tokyo, 4 * HOUR)
    assert got == local(CHICAGO, *MONDAY, 12)
    assert got.tzinfo == UTC
    assert split_shift.seconds_between(in_tokyo, datetime(2026, 3, 2, 23, tzinfo=UTC)) == 8 * HOUR
    # Saturday 06:00 in Tokyo is still Friday 15:00 in Chicago (two hours left that day); a week
    # after Monday 14:00 UTC is Monday 09:00 in Chicago, which moved to CDT on Sunday the 8th.
    next_monday = in_utc + timedelta(days=7)
    assert split_shift.seconds_between(datetime(2026, 3, 7, 6, tzinfo=TOKYO), next_monday) == 3 * HOUR


def test_naive_datetimes_are_refused_by_argument_name(split_shift: BusinessCalendar) -> None:
    naive = datetime(2026, 3, 2, 9)
    aware = local(CHICAGO, *MONDAY, 9)
    with pytest.raises(ValueError, match="start"):
        split_shift.add(naive, 60)
    with pytest.raises(ValueError, match="start"):
        split_shift.subtract(naive, 60)
    with pytest.raises(ValueError, match="end"):
        split_shift.seconds_between(aware, naive)
    with pytest.raises(ValueError, match="start"):
        split_shift.seconds_between(naive, aware)
    with pytest.raises(ValueError, match="moment"):
        split_shift.next_open(naive)


# ---------------------------------------------------------------------------------------------
# Documents


def test_to_dict_normalises_and_round_trips() -> None:
    doc = {
        "name": "office-chicago",
        "timezone": "America/Chicago",
        "weekly_hours": {"tue": [["13:00", "17:00"], ["08:00", "12:00"]], "fri": [["22:00", "02:00"]]},
        "holidays": ["2026-12-25", "2026-01-02", "2026-12-25"],
        "recurring_holidays": ["12-24", "01-01"],
        "holiday_country": "US",
        "holiday_subdivision": "IL",
    }
    cal = BusinessCalendar.from_dict(doc)
    out = cal.to_dict()
    assert out["version"] == 1
    assert list(out["weekly_hours"]) == list(WEEKDAYS)
    assert out["weekly_hours"]["tue"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert out["weekly_hours"]["fri"] == [["22:00", "02:00"]]
    assert out["weekly_hours"]["mon"] == []
    assert out["holidays"] == ["2026-01-02", "2026-12-25"]
    assert out["recurring_holidays"] == ["01-01", "12-24"]
    again = BusinessCalendar.from_dict(out)
    assert again == cal and hash(again) == hash(cal)
    assert again.to_dict() == out
    assert {cal: 1}[again] == 1
    assert (cal.name, cal.timezone) == ("office-chicago", "America/Chicago")


def test_version_is_kept_and_24_00_round_trips() -> None:
    cal = calendar(weekly_hours=every_day(["00:00", "24:00"]), version=4)
    assert cal.version == 4
    assert cal.to_dict()["weekly_hours"]["sun"] == [["00:00", "24:00"]]
    assert cal != calendar(weekly_hours=every_day(["00:00", "24:00"]), version=5)


def test_calendar_is_immutable(split_shift: BusinessCalendar) -> None:
    with pytest.raises(AttributeError):
        split_shift.name = "other"  # type: ignore[misc]


def fields_of(doc: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        BusinessCalendar.from_dict(doc)
    return {error["field"]: error["reason"] for error in caught.value.errors}


def test_every_problem_is_reported_with_its_field() -> None:
    found = fields_of(
        {
            "timezone": "Mars/Olympus_Mons",
            "weekly_hours": {
                "mon": [["8:00", "12:00"], ["11:00", "13:00"], ["12:00", "12:30"]],
                "tue": [["24:00", "10:00"]],
                "wed": "09:00-17:00",
                "thu": [["09:00"]],
                "fri": [["09:00", "09:00"]],
                "sat": [["22:00", "04:00"]],
                "sun": [["03:00", "05:00"], ["07:00", "25:00"]],
                "funday": [],
            },
            "holidays": ["2026-02-30", "26-12-25", 20261225],
            "recurring_holidays": ["13-01", "02-30", "0101"],
            "holiday_country": "XX",
            "version": 0,
            "colour": "blue",
        }
    )
    assert found.keys() == {
        "name",
        "timezone",
        "weekly_hours.mon[0][0]",
        "weekly_hours.mon[2]",
        "weekly_hours.tue[0][0]",
        "weekly_hours.wed",
        "weekly_hours.thu[0]",
        "weekly_hours.fri[0]",
        "weekly_hours.sun[0]",
        "weekly_hours.sun[1][1]",
        "weekly_hours.funday",
        "holidays[0]",
        "holidays[1]",
        "holidays[2]",
        "recurring_holidays[0]",
        "recurring_holidays[1]",
        "recurring_holidays[2]",
        "holiday_country",
        "version",
        "colour",
    }
    assert "required" in found["name"]
    assert "Mars/Olympus_Mons" in found["timezone"]
    assert "overlaps weekly_hours.mon" in found["weekly_hours.mon[2]"]
    assert "overnight" in found["weekly_hours.sun[0]"]
    assert "unknown weekday" in found["weekly_hours.funday"]


def test_overlap_of_sorted_windows_names_the_later_one() -> None:
    found = fields_of(
        {"name": "x", "timezone": "UTC", "weekly_hours": {"mon": [["13:00", "17:00"], ["08:00", "14:00"]]}}
    )
    assert found == {"weekly_hours.mon[0]": "overlaps weekly_hours.mon[1]"}
    found = fields_of(
        {"name": "x", "timezone": "UTC", "weekly_hours": {"mon": [["22:00", "06:00"], ["23:00", "23:30"]]}}
    )
    assert list(found) == ["weekly_hours.mon[1]"]


def test_wrong_types_are_named() -> None:
    found = fields_of(
        {
            "name": 7,
            "timezone": 3,
            "weekly_hours": [],
            "holidays": "2026-12-25",
            "recurring_holidays": {"01-01": True},
            "holiday_country": 1,
            "version": True,
        }
    )
    assert found.keys() == {
        "name",
        "timezone",
        "weekly_hours",
        "holidays",
        "recurring_holidays",
        "holiday_country",
        "version",
    }
    assert fields_of({"name": " padded ", "timezone": "UTC", "weekly_hours": {}}).keys() == {"name"}
    assert fields_of({"name": "x", "timezone": "UTC"}) == {"weekly_hours": "is required"}
    with pytest.raises(ValidationFailed) as caught:
        BusinessCalendar.from_dict(["not", "an", "object"])  # type: ignore[arg-type]
    assert caught.value.field == "calendar"


def test_holiday_country_and_subdivision_are_checked() -> None:
    base = {"name": "x", "timezone": "UTC", "weekly_hours": {}}
    assert (
        "ZZ"
        in fields_of({**base, "holiday_country": "US", "holiday_subdivision": "ZZ"})["holiday_subdivision"]
    )
    assert "XX" in fields_of({**base, "holiday_country": "XX"})["holiday_country"]
    assert fields_of({**base, "holiday_subdivision": "IL"}) == {
        "holiday_subdivision": "needs holiday_country"
    }
    cal = BusinessCalendar.from_dict({**base, "holiday_country": "DE", "holiday_subdivision": "BY"})
    assert (cal.holiday_country, cal.holiday_subdivision) == ("DE", "BY")


def test_validation_error_body_lists_every_error() -> None:
    with pytest.raises(ValidationFailed) as caught:
        BusinessCalendar.from_dict({"name": "x", "timezone": "Nowhere/Land", "weekly_hours": {"xyz": []}})
    body = caught.value.body()
    assert body["error"] == "validation_error"
    assert [e["field"] for e in caught.value.errors] == ["timezone", "weekly_hours.xyz"]


# ---------------------------------------------------------------------------------------------
# Long spans against a day-by-day count


def day_by_day(cal: BusinessCalendar, start: datetime, end: datetime) -> float:
    """Reference count for calendars without overnight windows or DST-gap boundaries."""
    zone = cal.zone
    total = 0.0
    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date():
        if not cal.is_holiday(day):
            for opens, closes in cal.weekly_hours[day.weekday()]:
                midnight = datetime(day.year, day.month, day.day)
                a = (midnight + timedelta(seconds=opens)).replace(tzinfo=zone)
                b = (midnight + timedelta(seconds=closes)).replace(tzinfo=zone)
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return total


def test_two_year_span_matches_a_day_by_day_count() -> None:
    cal = calendar(
        weekly_hours=weekdays(["08:00", "12:00"], ["13:00", "17:30"]),
        holidays=["2026-12-24"],
        recurring_holidays=["12-31"],
        holiday_country="US",
        holiday_subdivision="IL",
    )
    start = datetime(2025, 7, 15, 3, 21, tzinfo=TOKYO)
    end = datetime(2027, 8, 1, 17, 5, tzinfo=UTC)
    expected = day_by_day(cal, start, end)
    assert cal.seconds_between(start, end) == expected
    assert cal.add(start, expected) <= end
    assert cal.seconds_between(start, cal.add(start, expected)) == expected
    assert cal.subtract(end, expected) >= start
