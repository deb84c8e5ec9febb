"""SLA policies and clocks. Pure: no I/O, no ``datetime.now()``.

Policies
========
An SLA policy is a versioned, validated document (see :meth:`SlaPolicy.from_dict`)::

    {"name": "incident-default", "version": 1, "description": "...", "precedence": 10,
     "match": {"types": ["incident"], "priorities": [], "services": [], "vip": null,
               "business_units": []},
     "calendar": "office",
     "business_day_hours": {"office": 9, "24x7": 24},
     "targets": {"P1": {"first_response": {"duration": "30m"},
                        "resolution": {"duration": "4h", "calendar": "24x7"},
                        "next_update": {"duration": "1h"}},
                 "P4": {"first_response": {"duration": "3bd"}, "resolution": {"scheduled": true}},
                 "*": {"first_response": {"duration": "1bd"}, "resolution": {"duration": "5bd"}}},
     "warn_at": [0.75], "pause_statuses": ["waiting_on_requester"], "on_priority_change": "carry"}

* ``match``: every criterion that is given must hold; an omitted or empty list (or ``vip: null``)
  matches anything. :func:`select_policy` picks, among the matching policies, the highest
  ``precedence``, then the most specific (most criteria given), then the smallest name; when one
  name appears in several versions only its highest version takes part.
* ``targets`` are keyed by priority ``P1``..``P5``; the key ``"*"`` supplies whatever a priority
  leaves out. ``first_response`` and ``resolution`` must resolve for every priority;
  ``next_update`` is optional. A target is either ``{"duration": ...}`` or ``{"scheduled": true}``
  ("as scheduled": the agent sets the due date with a ``due_date_set`` event), with an optional
  ``calendar`` overriding the policy's.
* Durations are working time on the target's calendar: ``"90s"``, ``"30m"``, ``"4h"``,
  ``"1h30m"``, ``"2bd"`` (business days, combinable: ``"1bd4h"``) or plain integer seconds.
  **A business day** is ``business_day_hours`` working hours of the target's calendar: either one
  number for every calendar or a mapping ``{calendar name: hours}``; a calendar not listed uses
  :data:`DEFAULT_BUSINESS_DAY_HOURS` (8). Set it to the length of the calendar's working day
  (9 for 08:00-17:00, 24 for 24x7) so that "one business day" means "by the same time on the
  next working day".
* ``warn_at``: fractions in (0, 1), sorted, unique (default ``[0.75]``). ``pause_statuses``:
  open statuses in which the clocks pause (default ``["waiting_on_requester"]``).
  ``on_priority_change``: ``carry`` or ``restart`` (see below).

Clocks
======
:func:`compute_clocks` replays a ticket's events (sorted by ``seq``; events stamped after ``now``
are ignored, and an event stamped earlier than its predecessor counts at its predecessor's
instant) under one policy version and its calendars. The same inputs always give the same output.

* **Start.** ``first_response`` and ``resolution`` start at the ``opened`` event on the target
  for the ticket's priority. ``next_update`` (when the policy targets it) starts at the first
  response and restarts, as a new cycle, at every later public update: a ``first_response``
  event or a public ``commented`` event by someone other than the requester. Until then it is
  ``pending``; it is also ``pending`` while the current priority has no next-update target.
* **Working time** accrues on the target's calendar (``seconds_between``). For a running clock
  ``due_at = calendar.add(last change point, target - used)``; a warning falls where
  ``used == threshold * target`` and the breach where ``used == target``. Breach is a matter of
  time, not of a sweep: once ``now`` reaches the breach instant the clock is ``breached``. A stop
  exactly at the due instant is met.
* **Pause.** While the status is one of ``pause_statuses`` every clock that has not stopped
  pauses (the first response too: the desk is waiting on the requester): no working time accrues,
  ``paused_seconds`` accrues wall-clock time, and a paused clock has no ``due_at`` and no
  deadline; ``left_seconds`` still tells what remains.
* **First response** stops at the first ``first_response`` event. A resolution (or a close)
  before any response counts as the response. A clock that stops after its breach instant keeps
  state ``breached`` and gets ``met_at`` (met late).
* **Resolution** stops at status ``resolved`` (met, or breached with ``met_at``). ``closed`` ends
  the ticket (a close straight from an open status counts as the resolution); nothing after a
  close or a cancel changes the clocks.
* **Cancel**: every clock not yet stopped becomes ``cancelled`` (a breach that already happened
  stays in ``breached_at`` and the timeline); stopped clocks keep their state.
* **Reopen** (``resolved`` back to an open status) resumes the resolution clock as a new cycle
  (``cycle += 1``) with the working time used so far carried over; the time spent resolved does
  not count. ``met_at`` and ``breached_at`` are cleared for the new cycle; the earlier cycle's
  outcome stays in the timeline. A cycle that starts with the carried time already over the
  target is breached at its start. ``next_update`` starts a new cycle at the reopen.
* **Priority change**: the new priority's targets of the same policy apply to every clock that
  has not stopped. ``carry`` keeps the working time used against the new target (same cycle);
  ``restart`` starts a new cycle with nothing used from the change instant, so its warnings and
  breach fire afresh. Under ``carry``, a threshold the used time already exceeds is reached at
  the change instant (not retroactively), and a breach that already happened in the cycle stays:
  a breach is a fact, a later priority change does not undo it.
* **Scheduled targets** ("as scheduled"): before a ``due_date_set`` event for the clock the state
  is ``awaiting_schedule`` (no due instant, no deadline). Once set, the breach is at ``due_at``
  (wall clock) and a warning at ``threshold`` of the wall-clock span from the cycle's start to
  ``due_at``; ``target_seconds`` is then the working time of that span. Pausing does not move
  the agent's date; a scheduled clock paused over its due date breaches when it resumes (unless
  it stops first). A ``due_date_set`` for a clock whose target is a duration is recorded in the
  timeline and used only if a later priority change makes the target scheduled.

States: ``pending``, ``running``, ``paused``, ``awaiting_schedule``, ``met``, ``breached``,
``cancelled`` (``breached`` wins over ``met``/``paused``; ``cancelled`` wins over everything).

Alerts and deadlines
====================
An alert is a warning (per threshold) or the breach of one cycle of one clock, keyed
``(clock, "warning:0.75" | "breach", cycle)``, with the id ``f"{ticket}:{clock}:{kind}:{threshold}:{cycle}"``.
An alert counts as fired when its key is in the ``fired`` argument or an ``sla_warning`` /
``sla_breached`` event carries it (``after: {"clock", "alert", "cycle"}``, see
:meth:`Alert.event_after`). Only *running* clocks (started, not stopped, not paused) have alerts;
a warning is superseded once the breach of its cycle is reached. ``next_deadline`` is the earliest
instant among the unfired alerts of running clocks, past or future, so a late sweep still fires
what it missed; ``None`` when nothing is left. :func:`due_alerts` lists those whose instant is
``<= now``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.calendar import BusinessCalendar
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.ticket import (
    CANCELLED,
    CLOSED,
    NEW,
    OPEN_STATUSES,
    RESOLVED,
    TICKET_TYPES,
    WAITING,
)

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
ANY_PRIORITY = "*"
FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
NEXT_UPDATE = "next_update"
CLOCK_NAMES = (FIRST_RESPONSE, RESOLUTION, NEXT_UPDATE)
REQUIRED_CLOCKS = (FIRST_RESPONSE, RESOLUTION)
CARRY = "carry"
RESTART = "restart"
DEFAULT_WARN_AT = (0.75,)
DEFAULT_PAUSE_STATUSES = (WAITING,)
DEFAULT_BUSINESS_DAY_HOURS = 8.0

PENDING = "pending"
RUNNING = "running"
PAUSED = "paused"
AWAITING_SCHEDULE = "awaiting_schedule"
MET = "met"
BREACHED = "breached"
CLOCK_CANCELLED = "cancelled"
CLOCK_STATES = (PENDING, RUNNING, PAUSED, AWAITING_SCHEDULE, MET, BREACHED, CLOCK_CANCELLED)

POLICY_FIELDS = frozenset(
    {
        "name",
        "version",
        "description",
        "precedence",
        "match",
        "calendar",
        "business_day_hours",
        "targets",
        "warn_at",
        "pause_statuses",
        "on_priority_change",
    }
)
MATCH_FIELDS = ("types", "priorities", "services", "vip", "business_units")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_DURATION_RE = re.compile(r"^(?:(\d+)bd)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")

_Errors = list[dict[str, str]]


def _fail(errors: _Errors, path: str, reason: str) -> None:
    errors.append({"field": path, "reason": reason})


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else _utc(moment).isoformat()


def format_seconds(seconds: float) -> str:
    """A short human form of a number of seconds: ``"1h30m"``, ``"45s"``, ``"0s"``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts) or "0s"


def format_threshold(threshold: float) -> str:
    """The canonical text of a warning threshold in alert keys and ids: ``0.75`` -> ``"0.75"``."""
    return f"{threshold:g}"


# ============================================================================================
# Policy documents


@dataclass(frozen=True)
class Duration:
    """A working-time duration as written in a policy: business days plus hours/minutes/seconds."""

    text: str | int
    business_days: int = 0
    seconds: int = 0

    @classmethod
    def parse(cls, value: object) -> Duration:
        """Parse ``"30m"``, ``"1h30m"``, ``"2bd"``, ``"1bd4h"`` or integer seconds; ``ValueError`` if not."""
        if isinstance(value, bool):
            raise ValueError("must be a duration such as '30m', '4h', '2bd' or integer seconds")
        if isinstance(value, int):
            if value <= 0:
                raise ValueError("must be a positive number of seconds")
            return cls(text=value, seconds=value)
        if not isinstance(value, str):
            raise ValueError("must be a duration such as '30m', '4h', '2bd' or integer seconds")
        match = _DURATION_RE.match(value.strip())
        if not value.strip() or match is None:
            raise ValueError(f"{value!r} is not a duration such as '30m', '4h', '1h30m', '2bd' or '90s'")
        days, hours, minutes, secs = (int(group) if group else 0 for group in match.groups())
        total = hours * 3600 + minutes * 60 + secs
        if days == 0 and total == 0:
            raise ValueError("must be longer than zero")
        return cls(text=value, business_days=days, seconds=total)

    def working_seconds(self, business_day_seconds: float) -> float:
        return self.business_days * business_day_seconds + self.seconds


@dataclass(frozen=True)
class TargetSpec:
    """One target: a working-time ``duration``, or ``scheduled`` (the agent sets the due date)."""

    duration: Duration | None = None
    scheduled: bool = False
    calendar: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"scheduled": True} if self.scheduled else {}
        if self.duration is not None:
            out["duration"] = self.duration.text
        if self.calendar is not None:
            out["calendar"] = self.calendar
        return out

    def describe(self) -> str:
        if self.scheduled or self.duration is None:
            return "as scheduled"
        return str(self.duration.text)


@dataclass(frozen=True)
class TicketFacts:
    """What policy matching looks at. Build from a mapping with :meth:`of`."""

    type: str | None = None
    priority: str | None = None
    service: str | None = None
    vip: bool = False
    business_unit: str | None = None

    @classmethod
    def of(cls, facts: TicketFacts | Mapping[str, Any]) -> TicketFacts:
        if isinstance(facts, TicketFacts):
            return facts
        return cls(
            type=facts.get("type"),
            priority=facts.get("priority"),
            service=facts.get("service"),
            vip=bool(facts.get("vip", False)),
            business_unit=facts.get("business_unit"),
        )

    @classmethod
    def from_opened(cls, event: TicketEvent) -> TicketFacts:
        """The facts of a ticket as its ``opened`` event recorded them."""
        return cls.of(event.after)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "priority": self.priority,
            "service": self.service,
            "vip": self.vip,
            "business_unit": self.business_unit,
        }


@dataclass(frozen=True)
class PolicyMatch:
    """Which tickets a policy applies to; an empty tuple (or ``vip=None``) means any."""

    types: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    vip: bool | None = None
    business_units: tuple[str, ...] = ()

    def matches(self, facts: TicketFacts) -> bool:
        return (
            (not self.types or facts.type in self.types)
            and (not self.priorities or facts.priority in self.priorities)
            and (not self.services or facts.service in self.services)
            and (self.vip is None or facts.vip == self.vip)
            and (not self.business_units or facts.business_unit in self.business_units)
        )

    @property
    def specificity(self) -> int:
        """How many criteria are given."""
        given = (self.types, self.priorities, self.services, self.business_units)
        return sum(1 for criterion in given if criterion) + (self.vip is not None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "types": list(self.types),
            "priorities": list(self.priorities),
            "services": list(self.services),
            "vip": self.vip,
            "business_units": list(self.business_units),
        }


@dataclass(frozen=True)
class SlaPolicy:
    """A validated SLA policy document. Build with :meth:`from_dict`."""

    name: str
    calendar: str
    targets: Mapping[str, Mapping[str, TargetSpec]]
    version: int = 1
    description: str = ""
    precedence: int = 0
    match: PolicyMatch = field(default_factory=PolicyMatch)
    business_day_hours: float | Mapping[str, float] = DEFAULT_BUSINESS_DAY_HOURS
    warn_at: tuple[float, ...] = DEFAULT_WARN_AT
    pause_statuses: tuple[str, ...] = DEFAULT_PAUSE_STATUSES
    on_priority_change: str = CARRY

    def __hash__(self) -> int:
        """Policies are identified by name and version (their targets are mappings)."""
        return hash((self.name, self.version))

    # -- documents ---------------------------------------------------------------------------

    @classmethod
    def from_dict(
        cls, doc: Mapping[str, Any], *, known_calendars: Collection[str] | None = None
    ) -> SlaPolicy:
        """Validate a policy document; raise ``ValidationFailed`` listing every problem found.

        With ``known_calendars`` every calendar the policy names must be among them.
        """
        errors: _Errors = []
        if not isinstance(doc, Mapping):
            raise ValidationFailed([{"field": "policy", "reason": "must be an object"}])
        for key in sorted(set(doc) - POLICY_FIELDS, key=str):
            _fail(errors, str(key), "unknown field")

        name = doc.get("name")
        if name is None:
            _fail(errors, "name", "is required")
        elif not isinstance(name, str) or not _NAME_RE.match(name):
            _fail(errors, "name", "must be 1-100 characters: letters, digits, '_', '-', '.'")
        version = _int_field(doc, "version", 1, errors, minimum=1)
        precedence = _int_field(doc, "precedence", 0, errors)
        description = doc.get("description", "")
        if not isinstance(description, str):
            _fail(errors, "description", "must be a string")
        calendar = doc.get("calendar")
        if calendar is None:
            _fail(errors, "calendar", "is required (the default calendar of the targets)")
        elif not isinstance(calendar, str) or not calendar.strip():
            _fail(errors, "calendar", "must be a calendar name")
        match = _parse_match(doc.get("match"), errors)
        day_hours = _parse_business_day_hours(doc.get("business_day_hours"), errors)
        targets = _parse_targets(doc.get("targets"), errors)
        warn_at = _parse_warn_at(doc.get("warn_at"), errors)
        pauses = _parse_pause_statuses(doc.get("pause_statuses"), errors)
        rule = doc.get("on_priority_change", CARRY)
        if rule not in (CARRY, RESTART):
            _fail(errors, "on_priority_change", f"must be {CARRY!r} or {RESTART!r}")

        if known_calendars is not None and isinstance(calendar, str) and targets is not None:
            known = set(known_calendars)
            if calendar not in known:
                _fail(errors, "calendar", f"unknown calendar {calendar!r}")
            for key, clocks in targets.items():
                for clock, spec in clocks.items():
                    if spec.calendar is not None and spec.calendar not in known:
                        _fail(
                            errors, f"targets.{key}.{clock}.calendar", f"unknown calendar {spec.calendar!r}"
                        )

        if errors:
            raise ValidationFailed(errors)
        assert isinstance(name, str) and isinstance(calendar, str) and targets is not None
        assert isinstance(description, str) and isinstance(rule, str)
        return cls(
            name=name,
            version=version,
            description=description,
            precedence=precedence,
            match=match,
            calendar=calendar,
            business_day_hours=day_hours,
            targets=targets,
            warn_at=warn_at,
            pause_statuses=pauses,
            on_priority_change=rule,
        )

    def to_dict(self) -> dict[str, Any]:
        """The normalised document; ``from_dict(p.to_dict()) == p``."""
        hours: float | dict[str, float] = (
            dict(self.business_day_hours)
            if isinstance(self.business_day_hours, Mapping)
            else self.business_day_hours
        )
        return {
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "precedence": self.precedence,
            "match": self.match.to_dict(),
            "calendar": self.calendar,
            "business_day_hours": hours,
            "targets": {
                key: {clock: spec.to_dict() for clock, spec in clocks.items()}
                for key, clocks in self.targets.items()
            },
            "warn_at": list(self.warn_at),
            "pause_statuses": list(self.pause_statuses),
            "on_priority_change": self.on_priority_change,
        }

    # -- questions ---------------------------------------------------------------------------

    def target_for(self, priority: str, clock: str) -> TargetSpec | None:
        """The target of ``clock`` at ``priority`` (falling back to ``"*"``); None if untargeted."""
        own = self.targets.get(priority, {})
        if clock in own:
            return own[clock]
        return self.targets.get(ANY_PRIORITY, {}).get(clock)

    def calendar_of(self, spec: TargetSpec) -> str:
        return spec.calendar or self.calendar

    def business_day_seconds(self, calendar: str) -> float:
        """Working seconds in one business day of ``calendar`` (see the module docstring)."""
        hours = self.business_day_hours
        if isinstance(hours, Mapping):
            return float(hours.get(calendar, DEFAULT_BUSINESS_DAY_HOURS)) * 3600
        return float(hours) * 3600

    def target_seconds(self, spec: TargetSpec) -> float | None:
        """A duration target in working seconds of its calendar; None for a scheduled target."""
        if spec.duration is None:
            return None
        return spec.duration.working_seconds(self.business_day_seconds(self.calendar_of(spec)))

    def clock_names(self) -> tuple[str, ...]:
        """The clocks this policy runs: first response, resolution, and next update if targeted."""
        has_update = any(NEXT_UPDATE in clocks for clocks in self.targets.values())
        return CLOCK_NAMES if has_update else REQUIRED_CLOCKS

    def calendars_used(self) -> frozenset[str]:
        names = {self.calendar}
        for clocks in self.targets.values():
            names.update(spec.calendar for spec in clocks.values() if spec.calendar)
        return frozenset(names)

    def matches(self, facts: TicketFacts | Mapping[str, Any]) -> bool:
        return self.match.matches(TicketFacts.of(facts))


def _int_field(
    doc: Mapping[str, Any], key: str, default: int, errors: _Errors, minimum: int | None = None
) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(errors, key, "must be an integer")
        return default
    if minimum is not None and value < minimum:
        _fail(errors, key, f"must be at least {minimum}")
        return default
    return value


def _string_list(
    value: object, path: str, errors: _Errors, allowed: Sequence[str] | None = None
) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        _fail(errors, path, "must be a list of strings")
        return ()
    out: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item:
            _fail(errors, f"{path}[{index}]", "must be a non-empty string")
        elif allowed is not None and item not in allowed:
            _fail(errors, f"{path}[{index}]", f"unknown value {item!r}; use one of {', '.join(allowed)}")
        elif item not in out:
            out.append(item)
    return tuple(out)


def _parse_match(value: object, errors: _Errors) -> PolicyMatch:
    if value is None:
        return PolicyMatch()
    if not isinstance(value, Mapping):
        _fail(errors, "match", "must be an object")
        return PolicyMatch()
    for key in sorted(set(value) - set(MATCH_FIELDS), key=str):
        _fail(errors, f"match.{key}", "unknown field")
    vip = value.get("vip")
    if vip is not None and not isinstance(vip, bool):
        _fail(errors, "match.vip", "must be true, false or null")
        vip = None
    return PolicyMatch(
        types=_string_list(value.get("types"), "match.types", errors, TICKET_TYPES),
        priorities=_string_list(value.get("priorities"), "match.priorities", errors, PRIORITIES),
        services=_string_list(value.get("services"), "match.services", errors),
        vip=vip,
        business_units=_string_list(value.get("business_units"), "match.business_units", errors),
    )


def _hours_value(value: object, path: str, errors: _Errors) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 24:
        _fail(errors, path, "must be a number of hours in (0, 24]")
        return None
    return float(value)


def _parse_business_day_hours(value: object, errors: _Errors) -> float | Mapping[str, float]:
    if value is None:
        return DEFAULT_BUSINESS_DAY_HOURS
    if isinstance(value, Mapping):
        out: dict[str, float] = {}
        for key in sorted(value, key=str):
            hours = _hours_value(value[key], f"business_day_hours.{key}", errors)
            if hours is not None:
                out[str(key)] = hours
        return out
    hours = _hours_value(value, "business_day_hours", errors)
    return DEFAULT_BUSINESS_DAY_HOURS if hours is None else hours


def _parse_target(value: object, path: str, errors: _Errors) -> TargetSpec | None:
    if not isinstance(value, Mapping):
        _fail(errors, path, "must be an object with 'duration' or 'scheduled'")
        return None
    for key in sorted(set(value) - {"duration", "scheduled", "calendar"}, key=str):
        _fail(errors, f"{path}.{key}", "unknown field")
    calendar = value.get("calendar")
    if calendar is not None and (not isinstance(calendar, str) or not calendar.strip()):
        _fail(errors, f"{path}.calendar", "must be a calendar name")
        calendar = None
    scheduled = value.get("scheduled", False)
    if not isinstance(scheduled, bool):
        _fail(errors, f"{path}.scheduled", "must be true or false")
        return None
    has_duration = "duration" in value
    if scheduled and has_duration:
        _fail(errors, path, "give either 'duration' or 'scheduled', not both")
        return None
    if scheduled:
        return TargetSpec(scheduled=True, calendar=calendar)
    if not has_duration:
        _fail(errors, f"{path}.duration", "is required (or set 'scheduled': true)")
        return None
    try:
        duration = Duration.parse(value["duration"])
    except ValueError as exc:
        _fail(errors, f"{path}.duration", str(exc))
        return None
    return TargetSpec(duration=duration, calendar=calendar)


def _parse_targets(value: object, errors: _Errors) -> dict[str, dict[str, TargetSpec]] | None:
    if value is None:
        _fail(errors, "targets", "is required")
        return None
    if not isinstance(value, Mapping) or not value:
        _fail(errors, "targets", "must be an object keyed by priority (P1..P5) or '*'")
        return None
    out: dict[str, dict[str, TargetSpec]] = {}
    broken = False
    for key in [*PRIORITIES, ANY_PRIORITY]:
        if key not in value:
            continue
        clocks = value[key]
        if not isinstance(clocks, Mapping):
            _fail(errors, f"targets.{key}", "must be an object keyed by clock")
            broken = True
            continue
        parsed: dict[str, TargetSpec] = {}
        for clock in sorted(set(clocks) - set(CLOCK_NAMES), key=str):
            _fail(errors, f"targets.{key}.{clock}", f"unknown clock; use one of {', '.join(CLOCK_NAMES)}")
        for clock in CLOCK_NAMES:
            if clock in clocks:
                spec = _parse_target(clocks[clock], f"targets.{key}.{clock}", errors)
                if spec is None:
                    broken = True
                else:
                    parsed[clock] = spec
        out[key] = parsed
    for key in sorted(set(value) - {*PRIORITIES, ANY_PRIORITY}, key=str):
        _fail(errors, f"targets.{key}", "unknown priority; use P1..P5 or '*'")
    if not broken:
        fallback = out.get(ANY_PRIORITY, {})
        for priority in PRIORITIES:
            for clock in REQUIRED_CLOCKS:
                if clock not in out.get(priority, {}) and clock not in fallback:
                    _fail(errors, f"targets.{priority}.{clock}", "is required (directly or through '*')")
    return out


def _parse_warn_at(value: object, errors: _Errors) -> tuple[float, ...]:
    if value is None:
        return DEFAULT_WARN_AT
    if not isinstance(value, Sequence) or isinstance(value, str):
        _fail(errors, "warn_at", "must be a list of fractions in (0, 1)")
        return DEFAULT_WARN_AT
    out: list[float] = []
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not 0 < item < 1:
            _fail(errors, f"warn_at[{index}]", "must be a fraction strictly between 0 and 1")
            continue
        if out and item <= out[-1]:
            _fail(errors, f"warn_at[{index}]", "must be greater than the one before (sorted, unique)")
            continue
        out.append(float(item))
    return tuple(out)


def _parse_pause_statuses(value: object, errors: _Errors) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_PAUSE_STATUSES
    statuses = _string_list(value, "pause_statuses", errors, OPEN_STATUSES)
    if NEW in statuses:
        _fail(errors, "pause_statuses", "'new' cannot pause the clocks: every ticket starts there")
    return statuses


def check_policy_calendars(policy: SlaPolicy, calendars: Collection[str]) -> None:
    """Raise ``ValidationFailed`` naming every calendar the policy uses that is not in ``calendars``."""
    SlaPolicy.from_dict(policy.to_dict(), known_calendars=calendars)


def select_policy(policies: Sequence[SlaPolicy], facts: TicketFacts | Mapping[str, Any]) -> SlaPolicy | None:
    """The policy a ticket with ``facts`` runs under, or None when none matches.

    Among the matching policies (only the highest version of each name): highest precedence,
    then most specific match, then the smallest name.
    """
    ticket = TicketFacts.of(facts)
    latest: dict[str, SlaPolicy] = {}
    for policy in policies:
        held = latest.get(policy.name)
        if held is None or policy.version > held.version:
            latest[policy.name] = policy
    matching = [policy for policy in latest.values() if policy.match.matches(ticket)]
    if not matching:
        return None
    return min(matching, key=lambda p: (-p.precedence, -p.match.specificity, p.name))


# ============================================================================================
# Clocks: results


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a clock's "why": ``what`` is a short keyword, ``detail`` the human sentence."""

    at: datetime
    what: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": _iso(self.at), "what": self.what, "detail": self.detail}


@dataclass(frozen=True)
class Alert:
    """A warning or breach of one cycle of one clock, due at ``at``."""

    clock: str
    kind: str  # "warning" | "breach"
    threshold: float  # the warning fraction; 1.0 for the breach
    cycle: int
    at: datetime

    @property
    def key(self) -> tuple[str, str, int]:
        """``(clock, "warning:0.75" | "breach", cycle)``: what ``fired`` holds."""
        label = "breach" if self.kind == "breach" else f"warning:{format_threshold(self.threshold)}"
        return (self.clock, label, self.cycle)

    def alert_id(self, ticket: str) -> str:
        """The deterministic id a sweep claims before acting: ``ticket:clock:kind:threshold:cycle``."""
        return f"{ticket}:{self.clock}:{self.kind}:{format_threshold(self.threshold)}:{self.cycle}"

    def event_after(self) -> dict[str, Any]:
        """The ``after`` payload of the ``sla_warning`` / ``sla_breached`` event recording it."""
        return {
            "clock": self.clock,
            "alert": self.key[1],
            "threshold": self.threshold,
            "cycle": self.cycle,
            "at": _iso(self.at),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "clock": self.clock,
            "kind": self.kind,
            "threshold": self.threshold,
            "cycle": self.cycle,
            "at": _iso(self.at),
        }


@dataclass(frozen=True)
class Clock:
    """One SLA clock of a ticket as of ``now``. Instants are UTC; seconds are working seconds
    except ``paused_seconds`` (wall clock).

    ``warning_at`` has one entry per threshold in ``warn_at``: the instant the threshold was (or,
    for a running clock, will be) reached in this cycle, else None.
    """

    name: str
    state: str
    priority: str
    target: str
    target_seconds: float | None
    calendar: str
    used_seconds: float
    left_seconds: float | None
    due_at: datetime | None
    warn_at: tuple[float, ...]
    warning_at: list[datetime | None]
    breached_at: datetime | None
    paused_seconds: float
    met_at: datetime | None
    cycle: int
    started_at: datetime | None
    active: bool
    paused: bool
    timeline: list[TimelineEntry]

    @property
    def running(self) -> bool:
        """Started, not stopped and not paused: working time accrues and alerts can fire."""
        return self.active and not self.paused

    @property
    def breached(self) -> bool:
        return self.breached_at is not None

    def alerts(self) -> list[Alert]:
        """Every alert of the current cycle with an instant (reached or projected)."""
        out = [
            Alert(self.name, "warning", threshold, self.cycle, at)
            for threshold, at in zip(self.warn_at, self.warning_at, strict=True)
            if at is not None
        ]
        breach = self.breached_at or self.due_at
        if breach is not None and self.active:
            out.append(Alert(self.name, "breach", 1.0, self.cycle, breach))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "priority": self.priority,
            "target": self.target,
            "target_seconds": _seconds(self.target_seconds),
            "calendar": self.calendar,
            "used_seconds": _seconds(self.used_seconds),
            "left_seconds": _seconds(self.left_seconds),
            "due_at": _iso(self.due_at),
            "warn_at": list(self.warn_at),
            "warning_at": [_iso(at) for at in self.warning_at],
            "breached_at": _iso(self.breached_at),
            "met_at": _iso(self.met_at),
            "paused_seconds": _seconds(self.paused_seconds),
            "cycle": self.cycle,
            "started_at": _iso(self.started_at),
            "active": self.active,
            "paused": self.paused,
            "timeline": [entry.to_dict() for entry in self.timeline],
        }


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True)
class TicketClocks:
    """Every clock of a ticket as of ``now``, under one policy version."""

    policy: str
    policy_version: int
    now: datetime
    clocks: dict[str, Clock]
    next_deadline: datetime | None
    fired: frozenset[tuple[str, str, int]] = frozenset()

    def to_dict(self) -> dict[str, Any]:
        """The full, JSON-able answer (the "why" view): ISO-8601 UTC strings, seconds as numbers."""
        return {
            "policy": self.policy,
            "policy_version": self.policy_version,
            "computed_at": _iso(self.now),
            "next_deadline": _iso(self.next_deadline),
            "clocks": {name: clock.to_dict() for name, clock in self.clocks.items()},
        }

    def summary(self) -> dict[str, Any]:
        """The compact derived state stored on the ticket item (integers, no timelines)."""
        return {
            "policy": self.policy,
            "policy_version": self.policy_version,
            "computed_at": _iso(self.now),
            "next_deadline": _iso(self.next_deadline),
            "breached": any(clock.breached for clock in self.clocks.values()),
            "clocks": {
                name: {
                    "state": clock.state,
                    "due_at": _iso(clock.due_at),
                    "breached": clock.breached,
                    "used_seconds": int(clock.used_seconds),
                    "left_seconds": None if clock.left_seconds is None else int(clock.left_seconds),
                    "cycle": clock.cycle,
                }
                for name, clock in self.clocks.items()
            },
        }


# ============================================================================================
# Clocks: the replay


class _ClockRun:
    """The mutable state of one clock during a replay; ``snapshot`` turns it into a :class:`Clock`."""

    def __init__(self, name: str, policy: SlaPolicy, calendars: Mapping[str, BusinessCalendar]) -> None:
        self.name = name
        self.policy = policy
        self.calendars = calendars
        self.thresholds = policy.warn_at
        self.priority = ""
        self.spec: TargetSpec | None = None
        self.calendar_name = policy.calendar
        self.target_seconds: float | None = None
        self.due_set: datetime | None = None
        self.started = False
        self.started_at: datetime | None = None
        self.cycle = 0
        self.used = 0.0
        self.mark: datetime | None = None
        self.paused = False
        self.paused_since: datetime | None = None
        self.paused_seconds = 0.0
        self.stopped: str | None = None  # MET | CLOCK_CANCELLED
        self.met_at: datetime | None = None
        self.breached_at: datetime | None = None
        self.warned: list[datetime | None] = [None] * len(self.thresholds)
        self.due_at_stop: datetime | None = None
        self.timeline: list[TimelineEntry] = []

    # -- helpers -----------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.started and self.stopped is None

    @property
    def running(self) -> bool:
        return self.active and not self.paused

    def note(self, at: datetime, what: str, detail: str) -> None:
        self.timeline.append(TimelineEntry(_utc(at), what, detail))

    def calendar(self) -> BusinessCalendar:
        found = self.calendars.get(self.calendar_name)
        if found is None:
            raise ValidationFailed(
                [
                    {
                        "field": "calendar",
                        "reason": f"calendar {self.calendar_name!r} of clock {self.name} is not loaded",
                    }
                ]
            )
        return found

    def describe_target(self) -> str:
        if self.spec is None:
            return "no target"
        if self.spec.scheduled:
            return "as scheduled" + (f" (due {_iso(self.due_set)})" if self.due_set else "")
        return f"{self.spec.describe()} on {self.calendar_name}"

    def set_target(self, priority: str) -> bool:
        """Take the target of ``priority``; False when the policy has none for this clock."""
        self.priority = priority
        spec = self.policy.target_for(priority, self.name)
        self.spec = spec
        if spec is None:
            self.target_seconds = None
            return False
        self.calendar_name = self.policy.calendar_of(spec)
        self.target_seconds = self.policy.target_seconds(spec)
        self.calendar()  # fail early on a calendar that is not loaded
        return True

    def new_cycle(self, at: datetime) -> None:
        self.cycle += 1
        self.started_at = at
        self.mark = at
        self.breached_at = None
        self.met_at = None
        self.warned = [None] * len(self.thresholds)

    def record(self, index: int, at: datetime) -> None:
        """Mark threshold ``index`` (-1: the breach) reached at ``at`` (first time only)."""
        if index < 0:
            if self.breached_at is None:
                self.breached_at = at
                self.note(at, "breached", f"target {self.describe_target()} reached (cycle {self.cycle})")
        elif self.warned[index] is None:
            self.warned[index] = at
            pct = format_threshold(self.thresholds[index] * 100)
            self.note(at, "warning", f"{pct}% of target {self.describe_target()} used")

    def limits(self) -> list[tuple[int, float]]:
        """Working-time limits of a duration target: ``(threshold index or -1, used seconds)``."""
        if self.target_seconds is None:
            return []
        target = self.target_seconds
        out = [(index, fraction * target) for index, fraction in enumerate(self.thresholds)]
        out.append((-1, target))
        return out

    def scheduled_instants(self) -> list[tuple[int, datetime]]:
        """Wall-clock instants of a scheduled target with a due date: warnings, then the breach."""
        if self.due_set is None or self.started_at is None:
            return []
        start, due = self.started_at, self.due_set
        span = max(due - start, timedelta(0))
        out = [(index, start + span * fraction) for index, fraction in enumerate(self.thresholds)]
        out.append((-1, due))
        return out

    def is_scheduled(self) -> bool:
        return self.spec is not None and self.spec.scheduled

    def recorded(self, index: int) -> bool:
        return self.breached_at is not None if index < 0 else self.warned[index] is not None

    def record_exceeded(self, at: datetime) -> None:
        """Thresholds the used time already exceeds count as reached at ``at`` (a recompute)."""
        for index, limit in self.limits():
            if self.used >= limit and not self.recorded(index):
                self.record(index, at)

    def advance(self, to: datetime) -> None:
        """Accrue working time up to ``to`` and record the thresholds crossed strictly before it."""
        if not self.running or self.mark is None or to <= self.mark:
            return
        mark = self.mark
        calendar = self.calendar()
        delta = calendar.seconds_between(mark, to)
        if self.is_scheduled():
            for index, instant in self.scheduled_instants():
                if instant < to and not self.recorded(index):
                    self.record(index, max(instant, mark))
        else:
            for index, limit in self.limits():
                if not self.recorded(index) and self.used < limit and limit - self.used < delta:
                    self.record(index, calendar.add(mark, limit - self.used))
        self.used += delta
        self.mark = to

    def projected_due(self) -> datetime | None:
        """For a running clock: the instant the current target is (or was) reached."""
        if not self.running or self.mark is None:
            return None
        if self.is_scheduled():
            return self.due_set
        if self.target_seconds is None:
            return None
        if self.used < self.target_seconds:
            return self.calendar().add(self.mark, self.target_seconds - self.used)
        return self.breached_at

    def end_pause(self, at: datetime) -> None:
        if self.paused and self.paused_since is not None:
            self.paused_seconds += max((at - self.paused_since).total_seconds(), 0.0)
        self.paused = False
        self.paused_since = None

    # -- transitions -------------------------------------------------------------------------

    def start(self, at: datetime, priority: str, why: str) -> None:
        if not self.set_target(priority):
            self.note(at, "pending", f"no {self.name.replace('_', ' ')} target at {priority}")
            return
        self.started = True
        self.stopped = None
        self.used = 0.0
        self.new_cycle(at)
        self.note(at, "started", f"{why}; {priority} target {self.describe_target()} (cycle {self.cycle})")

    def pause(self, at: datetime, status: str) -> None:
        if not self.active or self.paused:
            return
        self.advance(at)
        self.paused = True
        self.paused_since = at
        self.note(at, "paused", f"status {status}")

    def resume(self, at: datetime, status: str) -> None:
        if not self.active or not self.paused:
            return
        self.end_pause(at)
        self.mark = at
        self.note(at, "resumed", f"status {status}")

    def stop(self, at: datetime, why: str) -> None:
        if not self.active:
            return
        self.due_at_stop = self.projected_due()
        self.advance(at)
        self.end_pause(at)
        self.stopped = MET
        self.met_at = at
        used = f"{format_seconds(self.used)} used"
        if self.breached_at is not None:
            self.note(at, "met", f"{why}: met late, after the breach ({used})")
        else:
            self.note(at, "met", f"{why}: met ({used} of {self.describe_target()})")

    def cancel(self, at: datetime) -> None:
        if self.stopped is not None:
            return
        if self.active:
            self.due_at_stop = self.projected_due()
            self.advance(at)
            self.end_pause(at)
        self.stopped = CLOCK_CANCELLED
        self.note(at, "cancelled", "ticket cancelled")

    def reopen(self, at: datetime, status: str, pause_statuses: Collection[str]) -> None:
        """Resume a resolution clock stopped at ``resolved`` as a new cycle, carrying used time."""
        if not self.started or self.stopped != MET:
            return
        self.stopped = None
        self.due_at_stop = None
        self.new_cycle(at)
        self.note(
            at,
            "reopened",
            f"cycle {self.cycle}: {format_seconds(self.used)} used carried over; "
            "time while resolved not counted",
        )
        self.record_exceeded(at)
        if status in pause_statuses:
            self.pause(at, status)

    def restart_cycle(self, at: datetime, what: str, why: str) -> None:
        """A next-update clock starts over: new cycle, nothing used."""
        if not self.active:
            return
        self.advance(at)
        self.used = 0.0
        self.new_cycle(at)
        if self.paused:
            self.mark = None
        self.note(at, what, f"{why}; target {self.describe_target()} (cycle {self.cycle})")

    def change_priority(self, at: datetime, old: str, new: str, rule: str, can_start: bool) -> None:
        if self.stopped is not None:
            return  # a stopped clock keeps the target (and priority) it ran under
        if not self.started:
            if can_start:
                self.start(at, new, f"priority changed {old}->{new}")
            else:
                self.priority = new
            return
        self.advance(at)
        before = self.describe_target()
        if not self.set_target(new):
            self.end_pause(at)
            self.started = False
            self.note(
                at, "priority_changed", f"priority changed {old}->{new}: no target at {new}; clock pending"
            )
            return
        if rule == RESTART:
            self.used = 0.0
            self.new_cycle(at)
            if self.paused:
                self.mark = None
        elif not self.paused:
            self.mark = at
        self.note(
            at,
            "priority_changed",
            f"priority changed {old}->{new}, target recomputed ({rule}): {before} -> {self.describe_target()}"
            + (f", cycle {self.cycle}" if rule == RESTART else f", {format_seconds(self.used)} used carried"),
        )
        self.record_exceeded(at)

    def set_due(self, at: datetime, due: datetime) -> None:
        self.advance(at)
        self.due_set = due
        if self.is_scheduled():
            self.note(at, "due_date_set", f"due {_iso(due)}")
        else:
            self.note(
                at, "due_date_set", f"due {_iso(due)} recorded; the target is a duration and keeps its own"
            )

    # -- result ------------------------------------------------------------------------------

    def snapshot(self, now: datetime) -> Clock:
        used = self.used
        due: datetime | None = None
        warning_at: list[datetime | None] = list(self.warned)
        if self.running and self.mark is not None:
            calendar = self.calendar()
            if now > self.mark:
                used += calendar.seconds_between(self.mark, now)
            if self.is_scheduled():
                for index, instant in self.scheduled_instants():
                    at = max(instant, self.mark)
                    if at <= now:
                        self.record(index, at)
                    elif index >= 0:
                        warning_at[index] = at
                due = self.due_set
            else:
                for index, limit in self.limits():
                    if self.recorded(index) or limit <= self.used:
                        continue
                    at = calendar.add(self.mark, limit - self.used)
                    if at <= now:
                        self.record(index, at)
                    elif index >= 0:
                        warning_at[index] = at
                due = self.projected_due()
            for index, reached in enumerate(self.warned):
                if reached is not None:
                    warning_at[index] = reached
        elif self.stopped is not None:
            due = self.due_at_stop
        paused_seconds = self.paused_seconds
        if self.paused and self.paused_since is not None and now > self.paused_since:
            paused_seconds += (now - self.paused_since).total_seconds()

        target_seconds = self.target_seconds
        if self.is_scheduled():
            target_seconds = None
            if self.due_set is not None and self.started_at is not None:
                target_seconds = self.calendar().seconds_between(self.started_at, self.due_set)
        left = None if target_seconds is None else max(target_seconds - used, 0.0)

        if self.stopped == CLOCK_CANCELLED:
            state = CLOCK_CANCELLED
        elif self.breached_at is not None:
            state = BREACHED
        elif self.stopped == MET:
            state = MET
        elif not self.started:
            state = PENDING
        elif self.paused:
            state = PAUSED
        elif self.is_scheduled() and self.due_set is None:
            state = AWAITING_SCHEDULE
        else:
            state = RUNNING
        timeline = sorted(self.timeline, key=lambda entry: entry.at)  # stable: same-instant order kept
        return Clock(
            name=self.name,
            state=state,
            priority=self.priority,
            target=self.spec.describe() if self.spec is not None else "none",
            target_seconds=target_seconds,
            calendar=self.calendar_name,
            used_seconds=used,
            left_seconds=left,
            due_at=None if due is None else _utc(due),
            warn_at=self.thresholds,
            warning_at=[None if at is None else _utc(at) for at in warning_at],
            breached_at=None if self.breached_at is None else _utc(self.breached_at),
            paused_seconds=paused_seconds,
            met_at=None if self.met_at is None else _utc(self.met_at),
            cycle=self.cycle,
            started_at=None if self.started_at is None else _utc(self.started_at),
            active=self.active,
            paused=self.paused,
            timeline=timeline,
        )


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return moment


def _parse_instant(value: object, path: str) -> datetime:
    try:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, str):
            moment = datetime.fromisoformat(value)
        else:
            raise ValueError
        return _aware(moment, path)
    except ValueError:
        raise ValidationFailed(
            [{"field": path, "reason": "must be an ISO-8601 instant with a time zone"}]
        ) from None


def fired_from_events(events: Sequence[TicketEvent]) -> frozenset[tuple[str, str, int]]:
    """Alert keys recorded by ``sla_warning`` / ``sla_breached`` events (see :meth:`Alert.event_after`)."""
    out: set[tuple[str, str, int]] = set()
    for event in events:
        if event.kind not in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED):
            continue
        after = event.after
        clock, cycle = after.get("clock"), after.get("cycle")
        if not isinstance(clock, str) or isinstance(cycle, bool) or not isinstance(cycle, int):
            continue
        label = after.get("alert")
        if not isinstance(label, str):
            if event.kind == EventKind.SLA_BREACHED:
                label = "breach"
            elif isinstance(after.get("threshold"), (int, float)):
                label = f"warning:{format_threshold(float(after['threshold']))}"
            else:
                continue
        out.add((clock, label, cycle))
    return frozenset(out)


def compute_clocks(
    events: Sequence[TicketEvent],
    policy: SlaPolicy,
    calendars: Mapping[str, BusinessCalendar],
    now: datetime,
    fired: Collection[tuple[str, str, int]] = (),
) -> TicketClocks:
    """Replay ``events`` under ``policy`` and ``calendars`` as of ``now`` (rules: module docstring).

    ``fired`` holds the alert keys already acted on, in addition to those recorded as events.
    Raises ``ValidationFailed`` for an event payload the replay cannot read or a missing calendar.
    """
    _aware(now, "now")
    runs = {name: _ClockRun(name, policy, calendars) for name in policy.clock_names()}
    first, resolution = runs[FIRST_RESPONSE], runs[RESOLUTION]
    update = runs.get(NEXT_UPDATE)
    pauses = policy.pause_statuses
    opened = ended = False
    status = NEW
    priority = ""
    requester: object = None
    last: datetime | None = None

    for event in sorted(events, key=lambda e: (e.seq, e.at, e.kind)):
        if event.at > now or ended or (not opened and event.kind != EventKind.OPENED):
            continue
        at = _aware(event.at, f"events[seq={event.seq}].at")
        if last is not None and at < last:
            at = last
        last = at
        after = event.after or {}
        kind = event.kind

        if kind == EventKind.OPENED:
            if opened:
                continue
            opened = True
            status = str(after.get("status") or NEW)
            found = after.get("priority")
            if found not in PRIORITIES:
                raise ValidationFailed(
                    [{"field": f"events[seq={event.seq}].after.priority", "reason": "must be one of P1..P5"}]
                )
            priority = str(found)
            requester = after.get("requester")
            for run in (first, resolution):
                run.start(at, priority, "ticket opened")
            if update is not None:
                update.priority = priority
            if status in pauses:
                first.pause(at, status)
                resolution.pause(at, status)

        elif kind == EventKind.STATUS_CHANGED:
            new = after.get("status")
            if not isinstance(new, str) or new == status:
                continue
            old, status = status, new
            if new in (RESOLVED, CLOSED):
                why = "resolved" if new == RESOLVED else "closed"
                first.stop(at, f"{why} (counts as the first response)")
                resolution.stop(at, why)
                if update is not None:
                    update.stop(at, why)
                ended = new == CLOSED
            elif new == CANCELLED:
                for run in runs.values():
                    run.cancel(at)
                ended = True
            elif old == RESOLVED and new in OPEN_STATUSES:
                resolution.reopen(at, new, pauses)
                if update is not None:
                    if update.started:
                        update.stopped = None
                        update.restart_cycle(at, "reopened", "ticket reopened")
                    else:
                        update.start(at, priority, "ticket reopened")
                    if new in pauses:
                        update.pause(at, new)
            elif new in pauses:
                for run in runs.values():
                    run.pause(at, new)
            elif old in pauses:
                for run in runs.values():
                    run.resume(at, new)

        elif kind == EventKind.PRIORITY_CHANGED:
            new = after.get("priority")
            if new not in PRIORITIES or new == priority:
                continue
            old, priority = priority, str(new)
            for run in (first, resolution):
                run.change_priority(at, old, priority, policy.on_priority_change, can_start=False)
            if update is not None:
                can_start = first.stopped is not None and status in OPEN_STATUSES
                update.change_priority(at, old, priority, policy.on_priority_change, can_start)
                if can_start and status in pauses:
                    update.pause(at, status)

        elif kind == EventKind.FIRST_RESPONSE:
            if first.active:
                first.stop(at, "first response")
                if update is not None and status in OPEN_STATUSES and not update.active:
                    update.start(at, priority, "first response")
                    if status in pauses:
                        update.pause(at, status)
            elif update is not None:
                update.restart_cycle(at, "updated", "public update")

        elif kind == EventKind.COMMENTED:
            public = after.get("visibility") == "public"
            if update is not None and public and event.actor != requester:
                update.restart_cycle(at, "updated", "public update")

        elif kind == EventKind.DUE_DATE_SET:
            clock = after.get("clock", RESOLUTION)
            due = _parse_instant(after.get("due_at"), f"events[seq={event.seq}].after.due_at")
            if clock in runs:
                runs[clock].set_due(at, due)

    clocks = {name: run.snapshot(now) for name, run in runs.items()}
    known = frozenset(fired) | fired_from_events(events)
    pending = _open_alerts(clocks, now, known)
    return TicketClocks(
        policy=policy.name,
        policy_version=policy.version,
        now=_utc(now),
        clocks=clocks,
        next_deadline=min((alert.at for alert in pending), default=None),
        fired=known,
    )


def _open_alerts(
    clocks: Mapping[str, Clock], now: datetime, fired: Collection[tuple[str, str, int]]
) -> list[Alert]:
    """Unfired alerts of running clocks; a warning is superseded once its cycle's breach is reached."""
    out: list[Alert] = []
    for clock in clocks.values():
        if not clock.running:
            continue
        breach_reached = clock.breached_at is not None and clock.breached_at <= now
        for alert in clock.alerts():
            if alert.key in fired or (alert.kind == "warning" and breach_reached):
                continue
            out.append(alert)
    return sorted(out, key=lambda a: (a.at, a.clock, a.threshold))


def due_alerts(
    clocks: TicketClocks, now: datetime, fired: Collection[tuple[str, str, int]] = ()
) -> list[Alert]:
    """The alerts the sweep must fire at ``now``: instant ``<= now``, not fired, running clocks only.

    ``fired`` adds to the keys ``clocks`` already knows as fired. Sorted by instant.
    """
    known = frozenset(fired) | clocks.fired
    return [alert for alert in _open_alerts(clocks.clocks, now, known) if alert.at <= now]


def preview(
    policies: Sequence[SlaPolicy],
    calendars: Mapping[str, BusinessCalendar],
    facts: TicketFacts | Mapping[str, Any],
    opened_at: datetime,
) -> dict[str, Any]:
    """What a ticket with ``facts`` opened at ``opened_at`` would run under: policy, targets, due instants.

    ``next_update`` starts at the first response, so it has a target but no due instant here.
    """
    ticket = TicketFacts.of(facts)
    if ticket.priority not in PRIORITIES:
        raise ValidationFailed([{"field": "priority", "reason": "must be one of P1..P5"}])
    _aware(opened_at, "opened_at")
    policy = select_policy(policies, ticket)
    base: dict[str, Any] = {"facts": ticket.to_dict(), "opened_at": _iso(opened_at)}
    if policy is None:
        return {**base, "policy": None, "clocks": {}}
    event = TicketEvent(
        ticket="preview",
        seq=1,
        at=opened_at,
        actor="preview",
        kind=EventKind.OPENED,
        after={"status": NEW, **ticket.to_dict()},
    )
    result = compute_clocks([event], policy, calendars, opened_at)
    assert ticket.priority is not None
    clocks: dict[str, Any] = {}
    for name, clock in result.clocks.items():
        spec = policy.target_for(ticket.priority, name)
        clocks[name] = {
            "target": spec.to_dict() if spec is not None else None,
            "target_seconds": _seconds(policy.target_seconds(spec)) if spec is not None else None,
            "calendar": policy.calendar_of(spec) if spec is not None else None,
            "state": clock.state,
            "due_at": _iso(clock.due_at),
            "warning_at": [_iso(at) for at in clock.warning_at],
        }
    return {
        **base,
        "policy": {"name": policy.name, "version": policy.version, "precedence": policy.precedence},
        "clocks": clocks,
    }
