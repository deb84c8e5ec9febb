"""Business calendars: when the desk works, and working-time arithmetic on top of that.

A calendar is a validated document::

    {"name": "office-chicago", "timezone": "America/Chicago", "version": 1,
     "weekly_hours": {"mon": [["08:00", "12:00"], ["13:00", "17:00"]], "tue": [["08:00", "17:00"]]},
     "holidays": ["2026-12-25"], "recurring_holidays": ["01-01"],
     "holiday_country": "US", "holiday_subdivision": "IL"}

Rules, all in the calendar's own IANA time zone:

* A window ``[start, end)`` is local wall-clock time and half-open. ``"24:00"`` (only as an end) is the
  following midnight. An end before its start is an overnight window that runs into the next day. A
  window whose end equals its start is rejected. A weekday that is missing has no hours.
* Windows on one weekday may not overlap, and an overnight window may not run into a window of the
  next weekday. Windows that touch (``22:00-24:00`` then ``00:00-06:00``) form one working stretch.
* Holidays are whole local days: explicit dates, month-day dates recurring every year (``"02-29"`` only
  in leap years) and, optionally, the public holidays of ``holiday_country`` /
  ``holiday_subdivision`` from the ``holidays`` package. A window belongs to the day it starts on:
  on a holiday no window opens, and an overnight window that opened the evening before runs to its
  end even into a holiday.
* Durations are real elapsed seconds. A local time is resolved to the *first instant at which the
  wall clock reads that time or later*: an ambiguous time in a fold (autumn) resolves to its first
  occurrence (``fold=0``), and a time that does not exist in a gap (spring) resolves to the
  transition instant, the first moment after the gap. So ``08:00-17:00`` is always nine hours unless
  a change happens inside it, a window crossing a change counts what really elapses, and a window
  lying wholly inside a gap is empty and skipped.

Working-time arithmetic works on integer microseconds since the Unix epoch. Per calendar and per
local calendar year a timeline is built once (the year's merged working intervals and their
running totals) and cached, so a call costs a binary search per year spanned, however many seconds
or days are involved. ``add`` and ``subtract`` give up with ``ValueError`` when they meet
:data:`SEARCH_HORIZON_YEARS` consecutive years without any working time (an empty week, or every day
a holiday).

Every method takes timezone-aware datetimes in any zone (a naive one is a ``ValueError`` naming the
argument) and returns datetimes in UTC, the desk's storage zone; use ``.astimezone(calendar.zone)``
to show them locally. (UTC also sidesteps a Python rule: an aware datetime inside a DST fold never
compares equal to a datetime of another zone, even at the same instant.)
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain import validation as check
from chalicelib.domain.instants import is_aware
from chalicelib.domain.validation import Problems

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Consecutive local years without any working time after which ``add``, ``subtract`` and
#: ``next_open`` stop searching; also how many year boundaries ``next_open`` joins a stretch across.
SEARCH_HORIZON_YEARS = 3
#: The most years one computation may walk (``add``, ``subtract``, ``seconds_between``): each year
#: costs its timeline once, so a span beyond this is refused with a ``ValueError`` rather than
#: computed slowly. The desk accepts instants from 2000 to ten years ahead, well inside it.
MAX_SPAN_YEARS = 60
DOCUMENT_FIELDS = frozenset(
    {
        "name",
        "timezone",
        "version",
        "weekly_hours",
        "holidays",
        "recurring_holidays",
        "holiday_country",
        "holiday_subdivision",
    }
)
NAME_MAX_LENGTH = 100

#: One weekly window as seconds after local midnight: ``(start, end)`` with ``0 <= start < 86400``
#: and ``0 < end <= 86400``; ``end <= start`` means the window ends on the next day.
Window = tuple[int, int]

_DAY_SECONDS = 86_400
_US = 1_000_000
_DAY_US = _DAY_SECONDS * _US
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_TIME_RE = re.compile(r"^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH_DAY_RE = re.compile(r"^(\d{2})-(\d{2})$")
# Years whose timeline can be built: the neighbouring days must stay inside ``datetime``'s range.
_MIN_YEAR = 2
_MAX_YEAR = 9997
_ONE_DAY = timedelta(days=1)
#: Files in a zoneinfo directory that are not IANA zones but the host's own setting.
_HOST_ZONE_NAMES = frozenset({"localtime", "posixrules", "Factory"})



# --------------------------------------------------------------------------------------------
# Instants as integer microseconds


def _td_us(delta: timedelta) -> int:
    return (delta.days * _DAY_SECONDS + delta.seconds) * _US + delta.microseconds


def _instant_us(moment: datetime, argument: str) -> int:
    """Microseconds since the epoch of an aware datetime; naive ones are refused by ``argument`` name."""
    if not isinstance(moment, datetime):
        raise TypeError(f"{argument} must be a datetime, not {type(moment).__name__}")
    if not is_aware(moment):
        raise ValueError(f"{argument} must be timezone-aware (got naive datetime {moment.isoformat()})")
    return _td_us(moment - _EPOCH)


def _duration_us(seconds: float, argument: str) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"{argument} must be a number of seconds, not {type(seconds).__name__}")
    if isinstance(seconds, float) and not math.isfinite(seconds):
        raise ValueError(f"{argument} must be finite (got {seconds})")
    if seconds < 0:
        raise ValueError(f"{argument} must not be negative (got {seconds})")
    if isinstance(seconds, int):
        return seconds * _US
    return round(seconds * _US)


# --------------------------------------------------------------------------------------------
# Holidays


@lru_cache(maxsize=1)
def _supported_countries() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes the holidays package knows, from its registry (listing its
    supported countries instead would import every country's module)."""
    from holidays import registry  # loaded on first use: the package is slow to import

    return frozenset(str(entry[1]) for entry in registry.COUNTRIES.values())


@lru_cache(maxsize=1024)
def country_holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Public holidays of ``country`` (and ``subdivision``) in ``year``; cached per the three."""
    import holidays as holidays_package

    table = holidays_package.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(day for day in table if day.year == year)


# --------------------------------------------------------------------------------------------
# Per-year timelines


@dataclass(frozen=True)
class _YearTimeline:
    """The merged working intervals of one local calendar year, clipped to ``[begin, end)``.

    ``begin``/``end`` are the instants of local midnight on 1 January of ``year`` and of the next
    year, so consecutive timelines tile time without overlap. ``cum[i]`` is the working time before
    interval ``i``; ``cum[-1]`` is the year's total. All values are epoch microseconds.
    """

    year: int
    begin: int
    end: int
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    cum: tuple[int, ...]

    @property
    def total(self) -> int:
        return self.cum[-1]

    def work_before(self, moment: int) -> int:
        """Working time between ``begin`` and ``moment`` (which lies in ``[begin, end]``)."""
        i = bisect_right(self.starts, moment) - 1
        if i < 0:
            return 0
        return self.cum[i] + min(moment, self.ends[i]) - self.starts[i]

    def earliest_with(self, work: int) -> int:
        """The first instant by which ``work`` (``0 < work <= total``) has been done since ``begin``."""
        i = bisect_left(self.cum, work) - 1
        return self.starts[i] + work - self.cum[i]

    def latest_with(self, work: int) -> int:
        """The last instant before which exactly ``work`` (``0 <= work < total``) has been done."""
        i = bisect_right(self.cum, work) - 1
        return self.starts[i] + work - self.cum[i]


def _offset_at(zone: ZoneInfo, second: int) -> int:
    """UTC offset in microseconds of ``zone`` at the instant ``second`` (epoch seconds)."""
    offset = (_EPOCH + timedelta(seconds=second)).astimezone(zone).utcoffset()
    assert offset is not None
    return _td_us(offset)


@lru_cache(maxsize=256)
def _offset_segments(zone_name: str, year: int) -> tuple[tuple[int, int, int], ...]:
    """The UTC offsets of ``zone_name`` around local ``year``: ``(from, until, offset)`` in microseconds.

    Covers every instant whose wall-clock reading falls between 31 December of the previous year and
    2 January of the next (the days a year's timeline reads). Transitions are found by sampling the
    offset daily and bisecting to the second; tz data has no change reverted within a day.
    """
    zone = ZoneInfo(zone_name)
    first = _td_us(datetime(year - 1, 12, 29) - _NAIVE_EPOCH) // _US
    last = _td_us(datetime(year + 1, 1, 4) - _NAIVE_EPOCH) // _US
    segments: list[tuple[int, int, int]] = []
    segment_start, offset = first, _offset_at(zone, first)
    second = first
    while second < last:
        following = min(second + _DAY_SECONDS, last)
        next_offset = _offset_at(zone, following)
        if next_offset != offset:
            low, high = second, following  # offset changes in (low, high]
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_at(zone, middle) == offset:
                    low = middle
                else:
                    high = middle
            segments.append((segment_start * _US, high * _US, offset))
            segment_start, offset = high, next_offset
        second = following
    segments.append((segment_start * _US, last * _US, offset))
    return tuple(segments)


def _wall_to_instant(segments: tuple[tuple[int, int, int], ...], wall: int) -> int:
    """The first instant at which the wall clock reads ``wall`` (microseconds) or later.

    Within a segment the reading is ``instant + offset``; a reading that falls before a segment's
    first reading lies in a gap and resolves to the segment's start, the transition instant.
    """
    for since, until, offset in segments:
        if wall < since + offset:
            return since
        if wall < until + offset:
            return wall - offset
    since, until, offset = segments[-1]
    return wall - offset


# --------------------------------------------------------------------------------------------
# The calendar


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


@dataclass(frozen=True)
class BusinessCalendar:
    """An immutable, hashable working calendar. Build it with :meth:`from_dict`.

    ``weekly_hours`` holds seven tuples of :data:`Window` (Monday first), sorted by start.
    Timelines are cached per instance and shared between equal calendars, so reuse is cheap.
    """

    name: str
    timezone: str
    weekly_hours: tuple[tuple[Window, ...], ...]
    holidays: frozenset[date] = frozenset()
    recurring_holidays: frozenset[tuple[int, int]] = frozenset()
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    version: int = 1
    _zone: ZoneInfo = field(init=False, repr=False, compare=False, hash=False)
    _hash: int = field(init=False, repr=False, compare=False, hash=False)
    _timelines: dict[int, _YearTimeline] = field(init=False, repr=False, compare=False, hash=False)
    _new_years: dict[int, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", ZoneInfo(self.timezone))
        object.__setattr__(
            self,
            "_hash",
            hash(
                (
                    self.name,
                    self.timezone,
                    self.weekly_hours,
                    self.holidays,
                    self.recurring_holidays,
                    self.holiday_country,
                    self.holiday_subdivision,
                    self.version,
                )
            ),
        )
        object.__setattr__(self, "_timelines", {})
        object.__setattr__(self, "_new_years", {})

    def __hash__(self) -> int:
        return self._hash

    # -- documents ---------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> BusinessCalendar:
        """Validate a calendar document; raise ``ValidationFailed`` listing every problem found."""
        doc = check.require_mapping(doc, "calendar")
        problems = Problems()
        check.unknown_fields(doc, DOCUMENT_FIELDS, problems)

        name = doc.get("name")
        if name is None:
            problems.fail("name", "is required")
        elif not isinstance(name, str):
            problems.fail("name", "must be a string")
        elif not name.strip() or name != name.strip():
            problems.fail("name", "must be non-empty without surrounding spaces")
        elif len(name) > NAME_MAX_LENGTH:
            problems.fail("name", f"must be at most {NAME_MAX_LENGTH} characters")

        tz_name = doc.get("timezone")
        if tz_name is None:
            problems.fail("timezone", "is required")
        elif not isinstance(tz_name, str):
            problems.fail("timezone", "must be a string")
        elif tz_name in _HOST_ZONE_NAMES:
            problems.fail("timezone", f"{tz_name!r} depends on the host; use an IANA name such as 'Europe/Berlin'")
        else:
            try:
                ZoneInfo(tz_name)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                problems.fail("timezone", f"unknown time zone {tz_name!r}")

        version = doc.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int):
            problems.fail("version", "must be an integer")
        elif version < 1:
            problems.fail("version", "must be at least 1")

        week = _parse_weekly_hours(doc.get("weekly_hours"), problems)
        explicit = _parse_dates(doc.get("holidays", []), problems)
        recurring = _parse_month_days(doc.get("recurring_holidays", []), problems)
        country, subdivision = _parse_country(doc.get("holiday_country"), doc.get("holiday_subdivision"), problems)

        problems.check()
        assert isinstance(name, str) and isinstance(tz_name, str) and isinstance(version, int)
        return cls(
            name=name,
            timezone=tz_name,
            weekly_hours=week,
            holidays=explicit,
            recurring_holidays=recurring,
            holiday_country=country,
            holiday_subdivision=subdivision,
            version=version,
        )

    def to_dict(self) -> dict[str, Any]:
        """The normalised document: every weekday present, windows sorted, dates sorted and unique."""
        return {
            "name": self.name,
            "timezone": self.timezone,
            "version": self.version,
            "weekly_hours": {
                day: [[_hhmm(start), _hhmm(end)] for start, end in windows]
                for day, windows in zip(WEEKDAYS, self.weekly_hours, strict=True)
            },
            "holidays": [day.isoformat() for day in sorted(self.holidays)],
            "recurring_holidays": [f"{month:02d}-{day:02d}" for month, day in sorted(self.recurring_holidays)],
            "holiday_country": self.holiday_country,
            "holiday_subdivision": self.holiday_subdivision,
        }

    # -- questions ---------------------------------------------------------------------------

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    def is_holiday(self, day: date) -> bool:
        """Whether the local date ``day`` is a holiday (no window opens on it)."""
        if day in self.holidays or (day.month, day.day) in self.recurring_holidays:
            return True
        if self.holiday_country is not None:
            return day in country_holiday_dates(self.holiday_country, self.holiday_subdivision, day.year)
        return False

    def add(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant by which ``seconds`` of working time have passed since ``start``.

        A start in closed time waits for the next opening; a duration that exactly fills a window
        ends at that window's close (not at the next opening). ``add(start, 0)`` is ``start`` itself
        (as a UTC datetime), so ``add(add(s, a), b) == add(s, a + b)`` always holds. ``seconds`` may
        be an int or a float; it is rounded to the microsecond. Raises ``ValueError`` for a negative
        duration, when no working time exists within :data:`SEARCH_HORIZON_YEARS` consecutive years,
        or when the answer lies more than :data:`MAX_SPAN_YEARS` away.
        """
        moment = _instant_us(start, "start")
        remaining = _duration_us(seconds, "seconds")
        if remaining == 0:
            return self._to_datetime(moment)
        self._require_some_hours()
        year = first_year = self._year_of(moment)
        idle = 0
        while True:
            line = self._timeline(year)
            done = line.work_before(moment)
            available = line.total - done
            if remaining <= available:
                return self._to_datetime(line.earliest_with(done + remaining))
            remaining -= available
            idle = idle + 1 if line.total == 0 else 0
            if idle >= SEARCH_HORIZON_YEARS:
                raise ValueError(f"calendar {self.name!r} has no working time for {idle} years after {start}")
            year += 1
            self._within_span(first_year, year)
            moment = line.end

    def subtract(self, start: datetime, seconds: float) -> datetime:
        """The latest instant from which ``seconds`` of working time run up to ``start``.

        The mirror of :meth:`add`: a start after closing counts back from the close, and a duration
        that exactly fills a window ends at that window's opening. ``subtract(start, 0)`` is
        ``start``. Raises ``ValueError`` like :meth:`add`.
        """
        moment = _instant_us(start, "start")
        remaining = _duration_us(seconds, "seconds")
        if remaining == 0:
            return self._to_datetime(moment)
        self._require_some_hours()
        year = first_year = self._year_of(moment)
        idle = 0
        while True:
            line = self._timeline(year)
            done = line.work_before(moment)
            if remaining <= done:
                return self._to_datetime(line.latest_with(done - remaining))
            remaining -= done
            idle = idle + 1 if line.total == 0 else 0
            if idle >= SEARCH_HORIZON_YEARS:
                raise ValueError(f"calendar {self.name!r} has no working time for {idle} years before {start}")
            year -= 1
            self._within_span(year, first_year)
            moment = self._timeline(year).end

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Working seconds in ``[start, end)``; ``0.0`` when ``end <= start``. Microsecond exact.
        Raises ``ValueError`` when the two lie more than :data:`MAX_SPAN_YEARS` apart."""
        low = _instant_us(start, "start")
        high = _instant_us(end, "end")
        if high <= low:
            return 0.0
        return self._work_between(low, high) / _US

    def next_open(self, moment: datetime) -> tuple[datetime, datetime]:
        """The working stretch ``(opens, closes)`` containing ``moment``, or else the next one.

        ``moment`` is inside when ``opens <= moment < closes``; at a close the next stretch is
        given. Touching windows (across midnight too) are one stretch; a stretch is joined across
        at most :data:`SEARCH_HORIZON_YEARS` year boundaries on each side, so a 24x7 calendar
        without holidays reports a stretch cut there. Raises ``ValueError`` when no working time
        exists within :data:`SEARCH_HORIZON_YEARS` consecutive years.
        """
        at = _instant_us(moment, "moment")
        self._require_some_hours()
        year = self._year_of(at)
        line = self._timeline(year)
        i = bisect_right(line.starts, at) - 1
        if i < 0 or at >= line.ends[i]:
            i += 1
            idle = 0
            while i >= len(line.starts):
                idle = idle + 1 if line.total == 0 else 0
                if idle >= SEARCH_HORIZON_YEARS:
                    raise ValueError(f"calendar {self.name!r} has no working time for {idle} years after {moment}")
                year += 1
                line = self._timeline(year)
                i = 0
        opens, closes = line.starts[i], line.ends[i]
        # Join touching intervals in neighbouring years (the timelines are clipped at new year).
        back_line, back_i = line, i
        for _ in range(SEARCH_HORIZON_YEARS):
            if back_i != 0 or opens != back_line.begin or back_line.year <= _MIN_YEAR:
                break
            back_line = self._timeline(back_line.year - 1)
            back_i = len(back_line.starts) - 1
            if back_i < 0 or back_line.ends[back_i] != opens:
                break
            opens = back_line.starts[back_i]
        ahead_line, ahead_i = line, i
        for _ in range(SEARCH_HORIZON_YEARS):
            last = len(ahead_line.starts) - 1
            if ahead_i != last or closes != ahead_line.end or ahead_line.year >= _MAX_YEAR:
                break
            ahead_line = self._timeline(ahead_line.year + 1)
            ahead_i = 0
            if not ahead_line.starts or ahead_line.starts[0] != closes:
                break
            closes = ahead_line.ends[0]
        return self._to_datetime(opens), self._to_datetime(closes)

    def is_working(self, moment: datetime) -> bool:
        """Whether ``moment`` lies inside a working window."""
        at = _instant_us(moment, "moment")
        line = self._timeline(self._year_of(at))
        i = bisect_right(line.starts, at) - 1
        return i >= 0 and at < line.ends[i]

    # -- internals ---------------------------------------------------------------------------

    def _require_some_hours(self) -> None:
        if not any(self.weekly_hours):
            raise ValueError(f"calendar {self.name!r} has no working hours in its week")

    def _to_datetime(self, moment: int) -> datetime:
        return _EPOCH + timedelta(microseconds=moment)

    def _new_year(self, year: int) -> int:
        found = self._new_years.get(year)
        if found is None:
            wall = _td_us(datetime(year, 1, 1) - _NAIVE_EPOCH)
            found = _wall_to_instant(_offset_segments(self.timezone, year), wall)
            self._new_years[year] = found
        return found

    def _year_of(self, moment: int) -> int:
        """The local year whose timeline holds ``moment``."""
        year = (_EPOCH + timedelta(microseconds=moment)).astimezone(self._zone).year
        if year > _MIN_YEAR and moment < self._new_year(year):
            year -= 1
        elif year < _MAX_YEAR and moment >= self._new_year(year + 1):
            year += 1
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise ValueError(f"instant outside the supported years {_MIN_YEAR}..{_MAX_YEAR}")
        return year

    def _timeline(self, year: int) -> _YearTimeline:
        line = self._timelines.get(year)
        if line is None:
            if not _MIN_YEAR <= year <= _MAX_YEAR:
                raise ValueError(f"the search left the supported years {_MIN_YEAR}..{_MAX_YEAR}")
            line = _shared_timeline(self, year)
            self._timelines[year] = line
        return line

    def _within_span(self, first: int, last: int) -> None:
        if last - first >= MAX_SPAN_YEARS:
            raise ValueError(f"a span of more than {MAX_SPAN_YEARS} years ({first}..{last}) is not computed")

    def _work_between(self, low: int, high: int) -> int:
        first = self._year_of(low)
        last = self._year_of(high)
        self._within_span(first, last)
        if first == last:
            line = self._timeline(first)
            return line.work_before(high) - line.work_before(low)
        line = self._timeline(first)
        work = line.total - line.work_before(low)
        for year in range(first + 1, last):
            work += self._timeline(year).total
        return work + self._timeline(last).work_before(high)

    def _build_timeline(self, year: int) -> _YearTimeline:
        begin = self._new_year(year)
        end = self._new_year(year + 1)
        segments = _offset_segments(self.timezone, year)
        first_day = date(year - 1, 12, 31)
        # Wall-clock microseconds since the epoch of local midnight on ``first_day``.
        wall = _td_us(datetime(first_day.year, first_day.month, first_day.day) - _NAIVE_EPOCH)
        holidays = self.holidays
        recurring = self.recurring_holidays
        country: frozenset[date] = frozenset()
        if self.holiday_country is not None:
            country = country_holiday_dates(
                self.holiday_country, self.holiday_subdivision, year - 1
            ) | country_holiday_dates(self.holiday_country, self.holiday_subdivision, year)

        intervals: list[tuple[int, int]] = []
        day = first_day
        weekday = day.weekday()
        for _ in range((date(year, 12, 31) - first_day).days + 1):
            windows = self.weekly_hours[weekday]
            if windows and day not in holidays and day not in country and (day.month, day.day) not in recurring:
                for window_start, window_end in windows:
                    if window_end <= window_start:
                        window_end += _DAY_SECONDS
                    opens = max(_wall_to_instant(segments, wall + window_start * _US), begin)
                    closes = min(_wall_to_instant(segments, wall + window_end * _US), end)
                    if closes > opens:
                        intervals.append((opens, closes))
            day += _ONE_DAY
            wall += _DAY_US
            weekday = (weekday + 1) % 7
        intervals.sort()

        starts: list[int] = []
        ends: list[int] = []
        for opens, closes in intervals:
            if ends and opens <= ends[-1]:
                ends[-1] = max(ends[-1], closes)
            else:
                starts.append(opens)
                ends.append(closes)
        cum = [0]
        for opens, closes in zip(starts, ends, strict=True):
            cum.append(cum[-1] + closes - opens)
        return _YearTimeline(year, begin, end, tuple(starts), tuple(ends), tuple(cum))


@lru_cache(maxsize=512)
def _shared_timeline(calendar: BusinessCalendar, year: int) -> _YearTimeline:
    """Timelines shared between equal calendars (e.g. one document parsed on every request)."""
    return calendar._build_timeline(year)


# --------------------------------------------------------------------------------------------
# Document parsing helpers (each reports problems through ``problems.fail(path, reason)``)


def _parse_time(value: object, path: str, problems: Problems, *, allow_24: bool) -> int | None:
    if not isinstance(value, str):
        problems.fail(path, "must be a time string HH:MM")
        return None
    match = _TIME_RE.match(value)
    if match is None:
        problems.fail(path, f"{value!r} is not a time HH:MM (00:00 to 24:00)")
        return None
    if match.group(3):
        if not allow_24:
            problems.fail(path, "24:00 is allowed only as the end of a window")
            return None
        return _DAY_SECONDS
    return int(match.group(1)) * 3600 + int(match.group(2)) * 60


def _parse_weekly_hours(value: object, problems: Problems) -> tuple[tuple[Window, ...], ...]:
    if value is None:
        problems.fail("weekly_hours", "is required")
        return ((),) * 7
    if not isinstance(value, Mapping):
        problems.fail("weekly_hours", "must be an object keyed by weekday (mon..sun)")
        return ((),) * 7
    week: list[list[tuple[int, int, int]]] = [[] for _ in WEEKDAYS]  # (start, end, index in document)
    for key, windows in value.items():
        path = f"weekly_hours.{key}"
        if key not in WEEKDAYS:
            problems.fail(path, f"unknown weekday; use one of {', '.join(WEEKDAYS)}")
            continue
        if not isinstance(windows, Sequence) or isinstance(windows, str):
            problems.fail(path, "must be a list of [start, end] windows")
            continue
        for index, window in enumerate(windows):
            window_path = f"{path}[{index}]"
            if not isinstance(window, Sequence) or isinstance(window, str) or len(window) != 2:
                problems.fail(window_path, "must be a pair [start, end]")
                continue
            start = _parse_time(window[0], f"{window_path}[0]", problems, allow_24=False)
            end = _parse_time(window[1], f"{window_path}[1]", problems, allow_24=True)
            if start is None or end is None:
                continue
            if start == end:
                problems.fail(window_path, "start and end are equal; the window is empty")
                continue
            week[WEEKDAYS.index(key)].append((start, end, index))

    # Overlaps: within a day, and an overnight window's tail against the next weekday's windows.
    for number, windows in enumerate(week):
        day = WEEKDAYS[number]
        windows.sort()
        for (start_a, end_a, index_a), (start_b, _end_b, index_b) in pairwise(windows):
            close_a = end_a if end_a > start_a else _DAY_SECONDS
            if start_b < close_a:
                problems.fail(f"weekly_hours.{day}[{index_b}]", f"overlaps weekly_hours.{day}[{index_a}]")
        following = WEEKDAYS[(number + 1) % 7]
        for start_a, end_a, index_a in windows:
            if end_a < start_a:
                for start_b, _end_b, index_b in week[(number + 1) % 7]:
                    if start_b < end_a:
                        problems.fail(
                            f"weekly_hours.{following}[{index_b}]",
                            f"overlaps the overnight window weekly_hours.{day}[{index_a}]",
                        )
    return tuple(tuple((start, end) for start, end, _ in windows) for windows in week)


def _parse_dates(value: object, problems: Problems) -> frozenset[date]:
    if value is None:
        return frozenset()
    if not isinstance(value, Sequence) or isinstance(value, str):
        problems.fail("holidays", "must be a list of dates YYYY-MM-DD")
        return frozenset()
    found: set[date] = set()
    for index, item in enumerate(value):
        path = f"holidays[{index}]"
        if not isinstance(item, str) or not _DATE_RE.match(item):
            problems.fail(path, f"{item!r} is not a date YYYY-MM-DD")
            continue
        try:
            found.add(date.fromisoformat(item))
        except ValueError:
            problems.fail(path, f"{item!r} is not a valid date")
    return frozenset(found)


def _parse_month_days(value: object, problems: Problems) -> frozenset[tuple[int, int]]:
    if value is None:
        return frozenset()
    if not isinstance(value, Sequence) or isinstance(value, str):
        problems.fail("recurring_holidays", "must be a list of month-days MM-DD")
        return frozenset()
    found: set[tuple[int, int]] = set()
    for index, item in enumerate(value):
        path = f"recurring_holidays[{index}]"
        match = _MONTH_DAY_RE.match(item) if isinstance(item, str) else None
        if match is None:
            problems.fail(path, f"{item!r} is not a month-day MM-DD")
            continue
        month, day = int(match.group(1)), int(match.group(2))
        try:
            date(2000, month, day)  # a leap year, so 02-29 is accepted
        except ValueError:
            problems.fail(path, f"{item!r} is not a valid month-day")
            continue
        found.add((month, day))
    return frozenset(found)


def _parse_country(country: object, subdivision: object, problems: Problems) -> tuple[str | None, str | None]:
    if country is None:
        if subdivision is not None:
            problems.fail("holiday_subdivision", "needs holiday_country")
        return None, None
    if not isinstance(country, str):
        problems.fail("holiday_country", "must be a string (ISO 3166-1 alpha-2 code)")
        return None, None
    supported = _supported_countries()
    if country not in supported:
        problems.fail("holiday_country", f"unknown holiday country {country!r}")
        return None, None
    if subdivision is None:
        return country, None
    if not isinstance(subdivision, str):
        problems.fail("holiday_subdivision", "must be a string")
        return country, None
    try:
        import holidays as holidays_package

        holidays_package.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        problems.fail("holiday_subdivision", f"unknown subdivision {subdivision!r} of {country}")
        return country, None
    return country, subdivision
