"""The on-call rota of a support group: who is on call at an instant. Pure, no I/O.

Seed 002 asks for "contact and roster lists"; seed 000 says incidents interrupt work. A rota is a
versioned configuration document (kind ``oncall_rota``, collection ``/admin/oncall-rotas``), one
per support group, named after the group::

    {"name": "network", "timezone": "America/Chicago",
     "people": ["nadia", "noah", "nils"],
     "handover_weekday": "monday", "handover_time": "09:00", "start": "2024-01-01",
     "overrides": [{"person": "noah", "from": "2024-12-24T00:00:00+00:00",
                    "until": "2024-12-27T00:00:00+00:00", "reason": "holiday swap"}],
     "version": 1}

The rules :func:`on_duty` applies, in this order:

1. **Overrides win.** An override covers ``from <= at < until``; when several cover ``at`` the one
   listed last wins (a later entry is the newer decision: a swap inside a holiday cover).
2. **The weekly rotation.** A shift starts at every handover: ``handover_weekday`` at
   ``handover_time`` on the wall clock of ``timezone`` (so the handover stays at 09:00 local across
   daylight saving changes; a wall time the change skips is read as the same time on the clock
   before it, i.e. an hour later). The first shift is the one starting at the first handover on or
   after ``start``, and goes to ``people[0]``; every later shift to the next person, round the
   list. The rotation extends backwards the same way, so every instant has someone on call.

Instants are timezone-aware; an override's bounds are stored in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.domain import validation as check
from chalicelib.domain.instants import NOT_AN_INSTANT, aware_instant, iso, require_aware
from chalicelib.domain.validation import Problems

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ROTA_FIELDS = (
    "name",
    "timezone",
    "people",
    "handover_weekday",
    "handover_time",
    "start",
    "overrides",
    "description",
    "version",
)
OVERRIDE_FIELDS = ("person", "from", "until", "reason")
#: Most people in one rotation, and most overrides one rota keeps.
MAX_PEOPLE = 100
MAX_OVERRIDES = 500

#: The span of instants a rota answers for (and of its start and overrides).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "must lie between 1970 and 2200"

#: How a person came to be on call: an override, or their week of the rotation.
OVERRIDE = "override"
ROTATION = "rotation"


@dataclass(frozen=True)
class Override:
    """``person`` is on call from ``start`` (inclusive) until ``end`` (exclusive)."""

    person: str
    start: datetime
    end: datetime
    reason: str = ""

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def to_dict(self) -> dict[str, Any]:
        return {"person": self.person, "from": iso(self.start), "until": iso(self.end), "reason": self.reason}


@dataclass(frozen=True)
class OnDuty:
    """Who is on call at an instant, how (``override`` or ``rotation``), and until when."""

    person: str
    source: str
    #: The instant this answer stops holding at the latest (the next handover or the override's end).
    until: datetime
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"person": self.person, "source": self.source, "until": iso(self.until), "reason": self.reason}


@dataclass(frozen=True)
class OnCallRota:
    """A validated rota document. Build with :meth:`from_dict`."""

    name: str
    timezone: str
    people: tuple[str, ...]
    handover_weekday: int
    handover_time: time
    start: date
    overrides: tuple[Override, ...] = ()
    description: str = ""
    version: int = 1

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    # -- the rotation -------------------------------------------------------------------------

    def handover_at(self, day: date) -> datetime:
        """The handover instant (UTC) on the local ``day`` (any weekday)."""
        return datetime.combine(day, self.handover_time, tzinfo=self.zone).astimezone(UTC)

    @property
    def first_handover_day(self) -> date:
        """The local date of the first handover on or after ``start``."""
        return self.start + timedelta(days=(self.handover_weekday - self.start.weekday()) % 7)

    def shift_start_day(self, at: datetime) -> date:
        """The local date of the handover that began the shift running at ``at``."""
        local = require_aware(at, "at").astimezone(self.zone).date()
        day = local - timedelta(days=(local.weekday() - self.handover_weekday) % 7)
        if self.handover_at(day) > at:
            day -= timedelta(days=7)
        return day

    def rotation_at(self, at: datetime) -> OnDuty:
        """The rotation's answer at ``at``, ignoring overrides."""
        day = self.shift_start_day(at)
        weeks = (day - self.first_handover_day).days // 7
        person = self.people[weeks % len(self.people)]
        return OnDuty(person, ROTATION, self.handover_at(day + timedelta(days=7)))

    # -- documents ----------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> OnCallRota:
        """Validate a rota document; raise ``ValidationFailed`` listing every problem found."""
        doc = check.require_mapping(doc, "rota")
        problems = Problems()
        check.unknown_fields(doc, ROTA_FIELDS, problems)
        name = check.name(doc.get("name"), "name", problems)
        zone = _zone(doc.get("timezone"), problems)
        people = check.name_list(doc.get("people"), "people", problems)
        if doc.get("people") is None or (isinstance(doc.get("people"), list) and not doc["people"]):
            problems.fail("people", "must list at least one person")
        elif len(people) > MAX_PEOPLE:
            problems.fail("people", f"must list at most {MAX_PEOPLE} people")
        weekday = check.choice(doc.get("handover_weekday"), "handover_weekday", problems, WEEKDAYS)
        handover = _clock_time(doc.get("handover_time"), "handover_time", problems)
        start = _date(doc.get("start"), "start", problems)
        overrides = _overrides(doc.get("overrides"), problems)
        description = check.string(doc.get("description", ""), "description", problems)
        version = check.positive_int(doc.get("version"), "version", problems, default=1)
        problems.check()
        assert name is not None and zone is not None and weekday is not None
        assert handover is not None and start is not None
        return cls(
            name=name,
            timezone=zone,
            people=people,
            handover_weekday=WEEKDAYS.index(weekday),
            handover_time=handover,
            start=start,
            overrides=tuple(overrides),
            description=description,
            version=version,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "timezone": self.timezone,
            "people": list(self.people),
            "handover_weekday": WEEKDAYS[self.handover_weekday],
            "handover_time": self.handover_time.strftime("%H:%M"),
            "start": self.start.isoformat(),
            "overrides": [override.to_dict() for override in self.overrides],
            "description": self.description,
            "version": self.version,
        }


def read_instant(value: object) -> datetime | None:
    """An aware instant (UTC) between :data:`EARLIEST` and :data:`LATEST` from ISO-8601 text;
    None for anything else (including texts whose UTC form falls off the calendar)."""
    try:
        moment = aware_instant(value)
    except (OverflowError, ValueError):
        return None
    return moment if moment is not None and EARLIEST <= moment < LATEST else None


def on_duty(rota: OnCallRota, at: datetime) -> OnDuty:
    """Who is on call under ``rota`` at ``at``, and why (see the module's rules)."""
    require_aware(at, "at")
    if not EARLIEST <= at < LATEST:
        raise ValueError(f"at {OUT_OF_RANGE}")
    rotation = rota.rotation_at(at)
    for override in reversed(rota.overrides):
        if override.covers(at):
            return OnDuty(override.person, OVERRIDE, override.end, override.reason)
    # The rotation's answer holds until its handover or the next override to begin, if sooner.
    starts = [o.start for o in rota.overrides if at < o.start < rotation.until]
    return OnDuty(rotation.person, ROTATION, min([rotation.until, *starts]))


def who_is_on_call(rota: OnCallRota, at: datetime) -> str:
    """The person on call under ``rota`` at ``at``."""
    return on_duty(rota, at).person


# -- readers ---------------------------------------------------------------------------------------


def _zone(value: object, problems: Problems) -> str | None:
    if not isinstance(value, str) or not value:
        problems.fail("timezone", "is required: an IANA time zone such as America/Chicago")
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        problems.fail("timezone", f"{value!r} is not an IANA time zone")
        return None
    return value


def _clock_time(value: object, path: str, problems: Problems) -> time | None:
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        hours, minutes = value[:2], value[3:]
        if hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60:
            return time(int(hours), int(minutes))
    problems.fail(path, "must be a wall-clock time HH:MM (00:00-23:59)")
    return None


def _date(value: object, path: str, problems: Problems) -> date | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = None
        if day is not None and EARLIEST.date() <= day < LATEST.date():
            return day
    problems.fail(path, f"must be a date YYYY-MM-DD, which {OUT_OF_RANGE}")
    return None


def _overrides(value: object, problems: Problems) -> list[Override]:
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) > MAX_OVERRIDES:
        problems.fail("overrides", f"must hold at most {MAX_OVERRIDES} entries; remove the past ones")
        return []

    def read(item: object, path: str) -> Override | None:
        if not isinstance(item, Mapping):
            problems.fail(path, "must be an object with person, from and until")
            return None
        at = problems.at(path)
        check.unknown_fields(item, OVERRIDE_FIELDS, at)
        person = check.name(item.get("person"), "person", at)
        start = read_instant(item.get("from"))
        end = read_instant(item.get("until"))
        if start is None:
            at.fail("from", f"{NOT_AN_INSTANT}, which {OUT_OF_RANGE}")
        if end is None:
            at.fail("until", f"{NOT_AN_INSTANT}, which {OUT_OF_RANGE}")
        if start is not None and end is not None and end <= start:
            at.fail("until", "must be after from")
            return None
        reason = check.text(item.get("reason", ""), "reason", at, required=False) or ""
        if person is None or start is None or end is None:
            return None
        return Override(person, start, end, reason)

    return check.items(value, "overrides", problems, read)


# -- paging at intake (seed 000: incidents interrupt work) ------------------------------------------

#: Priorities whose incidents page on-call whatever the calendar says.
PAGING_PRIORITIES = ("P1", "P2")


def page_reason(
    *,
    ticket_type: str,
    priority: str,
    assigned: bool,
    anyone_on_shift: bool,
    clock_running: bool,
    group: str | None,
) -> str | None:
    """Why a new ticket pages whoever is on call, or None when it does not.

    An incident that nobody took at intake (no assignee) and that finds nobody of its group on
    shift pages at once when it is P1 or P2, or when its SLA clock runs now (a 24x7 service): the
    promise is running while nobody is there to keep it. Everything else waits for the next shift.
    """
    if ticket_type != "incident" or assigned or anyone_on_shift:
        return None
    nobody = f"nobody on shift in {group}" if group else "no group to route to"
    if priority in PAGING_PRIORITIES:
        return f"{priority} incident, {nobody}"
    if clock_running:
        return f"incident whose SLA clock runs now (24x7), {nobody}"
    return None


# -- what ships ------------------------------------------------------------------------------------

#: The default rotas hand over on Monday at 09:00 in the office's zone (seed 000's facility).
DEFAULT_HANDOVER = ("monday", "09:00", "America/Chicago")
DEFAULT_START = "2025-01-06"


def default_rotas(groups: Sequence[Mapping[str, Any]], agents: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One rota per support group: its active members in the order listed, the group's lead
    first, handing over weekly (:data:`DEFAULT_HANDOVER`) from :data:`DEFAULT_START`."""
    weekday, handover, zone = DEFAULT_HANDOVER
    out: list[dict[str, Any]] = []
    for group in groups:
        name = str(group["name"])
        members = [str(a["name"]) for a in agents if name in a.get("groups", ()) and a.get("active", True)]
        lead = group.get("lead")
        if lead in members:
            members.remove(str(lead))
            members.insert(0, str(lead))
        if not members:
            continue
        out.append(
            {
                "name": name,
                "timezone": zone,
                "people": members,
                "handover_weekday": weekday,
                "handover_time": handover,
                "start": DEFAULT_START,
                "overrides": [],
                "description": f"Weekly on-call for {group.get('title', name)}: its members in turn.",
            }
        )
    return out
