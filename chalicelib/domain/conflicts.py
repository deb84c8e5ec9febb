"""Change conflicts and freezes: which changes collide, and when scheduling is refused. Pure, no I/O.

Two changes **conflict** when their windows overlap and they touch a common catalog service.
Windows are half-open, ``[start, end)``: a change ending at 11:00 and one starting at 11:00 do not
overlap. A **freeze** (a blackout, configuration kind ``change_freeze``) covers some services (or
all of them) for a period; only an emergency change may be scheduled in one, with a justification.

Storage keeps one *slot* per (service, change) keyed by the service and the window's start, so the
changes that may collide with a window are found by one Query per service over
``[start - MAX_WINDOW, end)``: a window is never longer than :data:`MAX_WINDOW`, so any window that
overlaps ``[start, end)`` starts in that range, and the read costs the same however many changes
are stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import validation as check
from chalicelib.domain.instants import iso, parse_instant
from chalicelib.domain.validation import Problems

#: The longest change window: bounds the key range a conflict check reads.
MAX_WINDOW = timedelta(days=14)
#: The statuses in which a change holds its window (and so may conflict with another).
HOLDS_WINDOW = ("new", "assessment", "authorization", "scheduled", "implementing")
#: The statuses the calendar lists.
ON_CALENDAR = ("scheduled", "implementing")
#: A freeze covering every service names this instead of a service list.
ALL_SERVICES = "*"
#: The longest freeze reason and justification.
REASON_MAX = 2_000


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Whether the half-open intervals ``[a_start, a_end)`` and ``[b_start, b_end)`` share an instant."""
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True)
class Slot:
    """One change's window on one service, as storage indexes it."""

    service: str
    number: str
    start: datetime
    end: datetime
    status: str


@dataclass(frozen=True)
class ConflictNote:
    """Another change this one collides with, and why (the change view's ``conflicts``)."""

    number: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "reason": self.reason}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ConflictNote:
        return cls(str(doc["number"]), str(doc["reason"]))


def slots_of(number: str, status: str, window: Any, services: Sequence[str]) -> list[Slot]:
    """The slots a change holds: one per service while its status holds a window."""
    if window is None or not services or status not in HOLDS_WINDOW:
        return []
    return [Slot(service, number, window.start, window.end, status) for service in services]


def find_conflicts(
    number: str, start: datetime, end: datetime, services: Iterable[str], slots: Iterable[Slot]
) -> list[ConflictNote]:
    """The changes among ``slots`` (other than ``number``) whose windows overlap ``[start, end)`` on
    one of ``services``: one note per change naming the shared services and its window, by number."""
    wanted = set(services)
    shared: dict[str, set[str]] = {}
    windows: dict[str, tuple[datetime, datetime]] = {}
    for slot in slots:
        if slot.number == number or slot.service not in wanted or slot.status not in HOLDS_WINDOW:
            continue
        if not overlaps(start, end, slot.start, slot.end):
            continue
        shared.setdefault(slot.number, set()).add(slot.service)
        windows[slot.number] = (slot.start, slot.end)
    return [
        ConflictNote(
            other,
            f"shares {', '.join(sorted(names))} in an overlapping window "
            f"{iso(windows[other][0])} - {iso(windows[other][1])}",
        )
        for other, names in sorted(shared.items())
    ]


@dataclass(frozen=True)
class Freeze:
    """A period in which changes may not be scheduled on ``services`` (empty: on every service)."""

    name: str
    start: datetime
    end: datetime
    reason: str
    services: tuple[str, ...] = ()

    def covers(self, start: datetime, end: datetime, services: Iterable[str]) -> bool:
        if not overlaps(self.start, self.end, start, end):
            return False
        return not self.services or bool(set(self.services).intersection(services))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "services": list(self.services) or ALL_SERVICES,
            "start": iso(self.start),
            "end": iso(self.end),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Freeze:
        """Validate a freeze document (``/admin/change-freezes``); ``ValidationFailed`` names every problem."""
        problems = Problems()
        check.unknown_fields(doc, ("name", "version", "services", "start", "end", "reason"), problems)
        name = check.name(doc.get("name"), "name", problems) or ""
        raw = doc.get("services", ALL_SERVICES)
        services: tuple[str, ...] = ()
        if raw != ALL_SERVICES:
            services = check.name_list(raw, "services", problems)
            if not services and isinstance(raw, list):
                problems.fail("services", f'names at least one service, or is "{ALL_SERVICES}" for all')
        start = parse_instant(doc.get("start"), "start", problems) if "start" in doc else None
        end = parse_instant(doc.get("end"), "end", problems) if "end" in doc else None
        for field_name in ("start", "end"):
            if field_name not in doc:
                problems.fail(field_name, "is required")
        reason = check.text(doc.get("reason"), "reason", problems, required=True, max_length=REASON_MAX) or ""
        if start is not None and end is not None and end <= start:
            problems.fail("end", "must be after start")
        problems.check()
        assert start is not None and end is not None
        return cls(name, start, end, reason, services)


def default_freezes() -> list[dict[str, Any]]:
    """The freeze the desk ships with: the ERP year-end close, 23 December 2026 through 4 January
    2027 in Chicago (midnight to midnight, local time)."""
    zone = ZoneInfo("America/Chicago")
    start = datetime(2026, 12, 23, tzinfo=zone)
    end = datetime(2027, 1, 5, tzinfo=zone)
    return [Freeze("erp-year-end", start, end, "year-end close", ("erp",)).to_dict()]


def freezes_hit(start: datetime, end: datetime, services: Iterable[str], freezes: Iterable[Freeze]) -> list[Freeze]:
    """The freezes a window on ``services`` falls in, by name."""
    names = tuple(services)
    return sorted((f for f in freezes if f.covers(start, end, names)), key=lambda f: f.name)


#: The longest range one calendar request covers.
MAX_CALENDAR = timedelta(days=92)


def calendar_range(params: Mapping[str, str]) -> tuple[datetime, datetime]:
    """The ``from`` and ``to`` query parameters of the calendar (aware instants, ``to`` after
    ``from``, at most :data:`MAX_CALENDAR` apart); ``ValidationFailed`` names every problem."""
    problems = Problems()
    found: dict[str, datetime | None] = {}
    for name in ("from", "to"):
        if name not in params:
            problems.fail(name, "is required (an ISO instant with its offset)")
            found[name] = None
        else:
            found[name] = parse_instant(params[name], name, problems)
    start, end = found["from"], found["to"]
    if start is not None and end is not None:
        if end <= start:
            problems.fail("to", "must be after from")
        elif end - start > MAX_CALENDAR:
            problems.fail("to", f"a calendar covers at most {MAX_CALENDAR.days} days")
    problems.check()
    assert start is not None and end is not None
    return start, end


def calendar(slots: Iterable[Slot], start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The scheduled and implementing changes among ``slots`` whose window overlaps ``[start, end)``,
    one entry per change (the services found), by window start then number."""
    changes: dict[str, dict[str, Any]] = {}
    for slot in slots:
        if slot.status not in ON_CALENDAR or not overlaps(slot.start, slot.end, start, end):
            continue
        entry = changes.setdefault(
            slot.number,
            {
                "number": slot.number,
                "status": slot.status,
                "window": {"start": iso(slot.start), "end": iso(slot.end)},
                "services": [],
            },
        )
        if slot.service not in entry["services"]:
            entry["services"].append(slot.service)
    for entry in changes.values():
        entry["services"].sort()
    return sorted(changes.values(), key=lambda e: (e["window"]["start"], e["number"]))
