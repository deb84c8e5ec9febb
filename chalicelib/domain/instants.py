"""Small helpers for instants and durations shared by the domain modules."""

from __future__ import annotations

from datetime import UTC, datetime


def aware_instant(value: object) -> datetime | None:
    """A timezone-aware instant (in UTC) from a datetime or an ISO-8601 string; None otherwise
    (missing, unparsable or naive values)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment.astimezone(UTC)


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
