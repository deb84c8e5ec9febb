"""Properties of working-time arithmetic, checked with hypothesis over fixed and random calendars."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from chalicelib.domain.sla.calendar import WEEKDAYS, BusinessCalendar

MICRO = timedelta(microseconds=1)
TOLERANCE = 1e-6
PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
ZONES = ("UTC", "America/Chicago", "Europe/Berlin", "America/Sao_Paulo", "Australia/Lord_Howe")


def fixed(doc: dict[str, Any]) -> BusinessCalendar:
    return BusinessCalendar.from_dict({"name": "fixed", **doc})


FIXED_CALENDARS = (
    fixed({"timezone": "Europe/Berlin", "weekly_hours": {d: [["00:00", "24:00"]] for d in WEEKDAYS}}),
    fixed(
        {
            "timezone": "America/Chicago",
            "weekly_hours": {d: [["08:00", "12:00"], ["13:00", "17:00"]] for d in WEEKDAYS[:5]},
            "holidays": ["2026-12-24"],
            "recurring_holidays": ["12-31"],
            "holiday_country": "US",
            "holiday_subdivision": "IL",
        }
    ),
    fixed(
        {
            "timezone": "Europe/Berlin",
            "weekly_hours": {"fri": [["22:00", "02:30"]], "sat": [["02:30", "03:00"], ["22:00", "24:00"]]},
            "holiday_country": "DE",
        }
    ),
    fixed(
        {
            "timezone": "America/Sao_Paulo",
            "weekly_hours": {"sat": [["23:00", "01:00"]], "sun": [["01:00", "02:00"]]},
        }
    ),
)

# Instants near DST changes of the zones above, so the edge cases are hit often.
TRANSITIONS = tuple(
    datetime.fromisoformat(text)
    for text in (
        "2026-03-08T08:00:00+00:00",  # Chicago spring
        "2026-11-01T07:00:00+00:00",  # Chicago autumn
        "2026-03-29T01:00:00+00:00",  # Berlin spring
        "2026-10-25T01:00:00+00:00",  # Berlin autumn
        "2018-11-04T03:00:00+00:00",  # Sao Paulo spring, at local midnight
        "2019-02-17T02:00:00+00:00",  # Sao Paulo autumn, at local midnight
        "2025-10-04T15:00:00+00:00",  # Lord Howe spring (30 minutes)
        "2026-12-31T23:00:00+00:00",  # a new year
    )
)


@st.composite
def week_hours(draw: st.DrawFn) -> dict[str, list[list[str]]]:
    """Valid random weekly hours on a 30-minute grid, with optional overnight windows."""
    step = 1800
    days: list[list[tuple[int, int]]] = []
    for _ in WEEKDAYS:
        points = sorted(draw(st.sets(st.integers(0, 48), max_size=6)))
        if len(points) % 2:
            points = points[:-1]
        days.append([(points[i] * step, points[i + 1] * step) for i in range(0, len(points), 2)])
    spill = [0] * 7  # how far an overnight window of the previous day runs into each day
    for number, windows in enumerate(days):
        if not draw(st.booleans()):
            continue
        following = days[(number + 1) % 7]
        last_end = max([spill[number]] + [end for _, end in windows])
        limit = min([86_400] + [start for start, _ in following])
        if last_end >= 86_400 - step or limit < step:
            continue
        opens = draw(st.integers(last_end // step, 47)) * step
        closes = draw(st.integers(1, limit // step)) * step
        if closes < opens:
            windows.append((opens, closes))
            spill[(number + 1) % 7] = closes
    return {
        day: [
            [f"{s // 3600:02d}:{s % 3600 // 60:02d}", f"{e // 3600:02d}:{e % 3600 // 60:02d}"]
            for s, e in windows
        ]
        for day, windows in zip(WEEKDAYS, days, strict=True)
        if windows
    }


@st.composite
def random_calendars(draw: st.DrawFn) -> BusinessCalendar:
    hours = draw(week_hours().filter(bool))
    holidays = draw(st.lists(st.dates(date(2017, 1, 1), date(2029, 12, 31)), max_size=20))
    recurring = draw(st.lists(st.dates(date(2000, 1, 1), date(2000, 12, 31)), max_size=4))
    doc: dict[str, Any] = {
        "timezone": draw(st.sampled_from(ZONES)),
        "weekly_hours": hours,
        "holidays": [d.isoformat() for d in holidays],
        "recurring_holidays": [d.strftime("%m-%d") for d in recurring],
    }
    country = draw(st.sampled_from((None, "US", "DE")))
    if country:
        doc["holiday_country"] = country
    return fixed(doc)


calendars = st.one_of(st.sampled_from(FIXED_CALENDARS), random_calendars())
instants = st.one_of(
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC)),
    st.builds(
        lambda base, offset: base + timedelta(seconds=offset),
        st.sampled_from(TRANSITIONS),
        st.integers(-3 * 86_400, 3 * 86_400),
    ),
    st.builds(
        lambda base, offset, zone: (base + timedelta(seconds=offset)).astimezone(ZoneInfo(zone)),
        st.sampled_from(TRANSITIONS),
        st.integers(-86_400, 86_400),
        st.sampled_from(("Asia/Tokyo", "America/Chicago", "Europe/Berlin")),
    ),
)
durations = st.one_of(
    st.integers(0, 3 * 86_400),
    st.integers(0, 400 * 86_400),
    st.floats(0, 30 * 86_400, allow_nan=False).map(lambda s: round(s, 6)),
)


def working_just_before(cal: BusinessCalendar, moment: datetime) -> bool:
    return cal.seconds_between(moment - MICRO, moment) > 0


def working_just_after(cal: BusinessCalendar, moment: datetime) -> bool:
    return cal.seconds_between(moment, moment + MICRO) > 0


@PROPERTY_SETTINGS

def computed(operation: Any, *args: Any) -> Any:
    """A calendar computation, or the example discarded when it would span more years than a
    calendar computes (``MAX_SPAN_YEARS``: a refusal tested in ``test_calendar_limits``)."""
    try:
        return operation(*args)
    except ValueError as exc:
        if "is not computed" in str(exc):
            reject()
        raise

@given(calendars, instants, durations)
def test_add_and_seconds_between_invert_each_other(
    cal: BusinessCalendar, start: datetime, seconds: float
) -> None:
    end = computed(cal.add, start, seconds)
    assert end >= start
    assert abs(cal.seconds_between(start, end) - seconds) <= TOLERANCE
    if seconds > 0:
        # Never inside closed time: the microsecond before the result was worked (a close is fine).
        assert working_just_before(cal, end)


@PROPERTY_SETTINGS
@given(calendars, instants, durations, durations)
def test_add_is_monotonic_in_duration_and_composes(
    cal: BusinessCalendar, start: datetime, first: float, second: float
) -> None:
    low, high = sorted((first, second))
    assert computed(cal.add, start, low) <= computed(cal.add, start, high)
    in_two_steps = computed(cal.add, computed(cal.add, start, first), second)
    assert in_two_steps == computed(cal.add, start, round(first + second, 6))


@PROPERTY_SETTINGS
@given(calendars, instants, st.integers(0, 40 * 86_400 * 10**6), durations)
def test_add_is_monotonic_in_start(
    cal: BusinessCalendar, start: datetime, shift_us: int, seconds: float
) -> None:
    later = start.astimezone(UTC) + timedelta(microseconds=shift_us)  # UTC: same-zone arithmetic is wall time
    assert computed(cal.add, start, seconds) <= computed(cal.add, later, seconds)


@PROPERTY_SETTINGS
@given(calendars, instants, durations)
def test_subtract_mirrors_add(cal: BusinessCalendar, start: datetime, seconds: float) -> None:
    earlier = computed(cal.subtract, start, seconds)
    assert earlier <= start
    assert abs(cal.seconds_between(earlier, start) - seconds) <= TOLERANCE
    if seconds > 0:
        assert working_just_after(cal, earlier)
    assert computed(cal.add, earlier, seconds) <= start
    assert cal.seconds_between(computed(cal.add, earlier, seconds), start) == 0
    later = computed(cal.add, start, seconds)
    assert computed(cal.subtract, later, seconds) >= start
    assert cal.seconds_between(start, computed(cal.subtract, later, seconds)) == 0


@PROPERTY_SETTINGS
@given(calendars, instants, instants, instants)
def test_seconds_between_is_additive(cal: BusinessCalendar, a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted(moment.astimezone(UTC) for moment in (a, b, c))
    total = cal.seconds_between(a, c)
    assert total == round(cal.seconds_between(a, b) + cal.seconds_between(b, c), 6)
    assert 0 <= total <= (c - a).total_seconds()


@PROPERTY_SETTINGS
@given(calendars, instants)
def test_next_open_contains_or_follows(cal: BusinessCalendar, moment: datetime) -> None:
    opens, closes = cal.next_open(moment)
    assert opens < closes
    assert moment < closes
    assert cal.seconds_between(opens, closes) == (closes - opens).total_seconds()
    assert not working_just_before(cal, opens) or opens < moment
    if opens > moment:
        assert cal.seconds_between(moment, opens) == 0
    first_worked = max(moment.astimezone(UTC), opens)
    assert computed(cal.add, first_worked, 0.000001) == first_worked + MICRO


# ------------------------------------------------------------------------------------------------
# An independent, day-by-day reference for short spans


def resolve_reference(zone: ZoneInfo, wall: datetime) -> datetime:
    """First instant whose wall-clock reading in ``zone`` is ``wall`` or later, by plain search."""
    candidates = sorted(wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1))
    moment = candidates[0]
    while moment.astimezone(zone).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return moment


def reference_seconds(cal: BusinessCalendar, start: datetime, end: datetime) -> float:
    zone = cal.zone
    total = timedelta()
    day = start.astimezone(zone).date() - timedelta(days=2)
    while day <= end.astimezone(zone).date():
        if not cal.is_holiday(day):
            midnight = datetime(day.year, day.month, day.day)
            for opens, closes in cal.weekly_hours[day.weekday()]:
                close_offset = closes if closes > opens else closes + 86_400
                a = resolve_reference(zone, midnight + timedelta(seconds=opens))
                b = resolve_reference(zone, midnight + timedelta(seconds=close_offset))
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(calendars, instants, st.integers(0, 20 * 86_400 * 10**6))
def test_seconds_between_matches_a_day_by_day_reference(
    cal: BusinessCalendar, start: datetime, span_us: int
) -> None:
    end = start.astimezone(UTC) + timedelta(microseconds=span_us)
    assert cal.seconds_between(start, end) == reference_seconds(cal, start, end)
