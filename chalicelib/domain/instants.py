"""Small helpers for instants and durations shared by the domain modules (and the channels).

The desk stores and shows instants in UTC as ISO-8601 strings; every instant it accepts must be
timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from chalicelib.domain.validation import Problems

#: The reason given for a value that is not an ISO-8601 instant.
NOT_AN_INSTANT = "must be an ISO-8601 instant with a time zone"

#: The earliest day the desk accepts from a caller (a due date, a patrol day, a preview's opening).
EARLIEST_ACCEPTED_DAY = date(2000, 1, 1)
#: How many years past today the desk accepts a day or an instant from a caller.
YEARS_AHEAD_ACCEPTED = 10


def accepted_days(now: datetime) -> tuple[date, date]:
    """The first and last day (in UTC) a caller may name: 2000-01-01 to ten years after ``now``."""
    today = utc(now).date()
    try:
        last = today.replace(year=today.year + YEARS_AHEAD_ACCEPTED)
    except ValueError:  # 29 February
        last = today.replace(year=today.year + YEARS_AHEAD_ACCEPTED, day=28)
    return EARLIEST_ACCEPTED_DAY, last


def outside_accepted(day: date, now: datetime) -> str | None:
    """Why ``day`` is not one the desk accepts from a caller, or None when it is."""
    first, last = accepted_days(now)
    if not first <= day <= last:
        return f"must be from {first.isoformat()} to {last.isoformat()}"
    return None


def utc(moment: datetime) -> datetime:
    """The same instant in UTC."""
    return moment.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    """The ISO-8601 text of an instant in UTC; None for None."""
    return None if moment is None else utc(moment).isoformat()


def is_aware(moment: datetime) -> bool:
    """Whether ``moment`` carries a time zone (naive datetimes are refused everywhere)."""
    return moment.tzinfo is not None and moment.utcoffset() is not None


def require_aware(moment: datetime, what: str) -> datetime:
    """``moment`` itself; ``ValueError`` naming ``what`` when it is naive."""
    if not is_aware(moment):
        raise ValueError(f"{what} must be timezone-aware")
    return moment


def parse_instant(value: object, path: str, problems: Problems) -> datetime | None:
    """An instant (in UTC) from a datetime or an ISO-8601 string; else None, after reporting
    why at ``path``."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            problems.fail(path, NOT_AN_INSTANT)
            return None
    else:
        problems.fail(path, NOT_AN_INSTANT)
        return None
    if not is_aware(moment):
        problems.fail(path, "must carry a time zone")
        return None
    return utc(moment)


def aware_instant(value: object) -> datetime | None:
    """A timezone-aware instant (in UTC) from a datetime or an ISO-8601 string; None otherwise
    (missing, unparsable or naive values)."""
    return parse_instant(value, "instant", Problems())


def format_seconds(seconds: float, *, days: bool = False) -> str:
    """A short human form of a number of seconds: ``"1h30m"``, ``"45s"``, ``"0s"``; with ``days``
    whole days come first: ``"1d2h"``."""
    whole = round(seconds)
    day_count, rest = divmod(whole, 86_400) if days else (0, whole)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{day_count}d" if day_count else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts) or "0s"


def format_span(seconds: float | None) -> str:
    """A duration in words: ``"0 min"``, ``"45 min"``, ``"1 h 30 min"``, ``"2 d 3 h"``; ``"unknown"``
    for None. Negative durations count as zero."""
    if seconds is None:
        return "unknown"
    minutes = max(int(seconds // 60), 0)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def for_reader(moment: datetime, zone: str | None) -> str:
    """An instant as a reader in ``zone`` (an IANA name) reads it, with the instant itself:
    ``"Tue 24 Nov 14:00 CST (2026-11-24T20:00:00Z)"``. An unknown or missing zone shows UTC."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    instant = utc(moment).replace(microsecond=0)
    stamp = instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        local = instant.astimezone(ZoneInfo(zone)) if zone else instant
    except (ZoneInfoNotFoundError, ValueError):
        local = instant
    name = local.tzname() or "UTC"
    return f"{local:%a %d %b %H:%M} {name} ({stamp})"
