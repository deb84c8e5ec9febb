"""SLA policies: versioned, validated documents, and which one a ticket runs under. Pure.

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
  leaves out. The clocks are the kinds declared in :data:`~chalicelib.domain.sla.clocks.CLOCK_KINDS`:
  ``first_response`` and ``resolution`` must resolve for every priority; ``next_update`` is
  optional. A target is either ``{"duration": ...}`` or ``{"scheduled": true}``
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
  open statuses in which every clock pauses, overriding the processes' lifecycles; left out
  (the default), each process's lifecycle declares which of its states pause which clocks
  (``chalicelib.domain.processes``: waiting on the requester pauses them all).
  ``on_priority_change``: ``carry`` or ``restart`` (see :mod:`chalicelib.domain.sla.replay`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import validation as check
from chalicelib.domain.events import TicketEvent
from chalicelib.domain.processes import ALL_OPEN_STATUSES, INITIAL_STATUSES
from chalicelib.domain.sla.clocks import CARRY, CLOCK_NAMES, REQUIRED_CLOCKS, RESTART
from chalicelib.domain.ticket import TICKET_TYPES
from chalicelib.domain.validation import DOCUMENT_NAME_PATTERN, DOCUMENT_NAME_REASON, Problems

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
ANY_PRIORITY = "*"
DEFAULT_WARN_AT = (0.75,)
#: The statuses in which the clocks pause when a policy does not say.
DEFAULT_BUSINESS_DAY_HOURS = 8.0

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
_DURATION_RE = re.compile(r"^(?:(\d+)bd)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


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
    #: None: the ticket's lifecycle says which states pause which clocks.
    pause_statuses: tuple[str, ...] | None = None
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
        doc = check.require_mapping(doc, "policy")
        problems = Problems()
        check.unknown_fields(doc, POLICY_FIELDS, problems)

        name = check.name(
            doc.get("name"), "name", problems, pattern=DOCUMENT_NAME_PATTERN, reason=DOCUMENT_NAME_REASON
        )
        version = _int_field(doc, "version", 1, problems, minimum=1)
        precedence = _int_field(doc, "precedence", 0, problems)
        description = check.string(doc.get("description", ""), "description", problems)
        calendar = doc.get("calendar")
        if calendar is None:
            problems.fail("calendar", "is required (the default calendar of the targets)")
        elif not isinstance(calendar, str) or not calendar.strip():
            problems.fail("calendar", "must be a calendar name")
        match = _parse_match(doc.get("match"), problems)
        day_hours = _parse_business_day_hours(doc.get("business_day_hours"), problems)
        targets = _parse_targets(doc.get("targets"), problems)
        warn_at = _parse_warn_at(doc.get("warn_at"), problems)
        pauses = _parse_pause_statuses(doc.get("pause_statuses"), problems)
        rule = doc.get("on_priority_change", CARRY)
        if rule not in (CARRY, RESTART):
            problems.fail("on_priority_change", f"must be {CARRY!r} or {RESTART!r}")

        if known_calendars is not None and isinstance(calendar, str) and targets is not None:
            known = set(known_calendars)
            if calendar not in known:
                problems.fail("calendar", f"unknown calendar {calendar!r}")
            for key, clocks in targets.items():
                for clock, spec in clocks.items():
                    if spec.calendar is not None and spec.calendar not in known:
                        problems.fail(f"targets.{key}.{clock}.calendar", f"unknown calendar {spec.calendar!r}")

        problems.check()
        assert name is not None and isinstance(calendar, str) and targets is not None
        assert isinstance(rule, str)
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
            **({"pause_statuses": list(self.pause_statuses)} if self.pause_statuses is not None else {}),
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

    def targets_clock(self, clock: str) -> bool:
        """Whether any priority (or ``"*"``) has a target for ``clock``."""
        return any(clock in clocks for clocks in self.targets.values())

    def clock_names(self) -> tuple[str, ...]:
        """The clocks this policy runs: the required ones, and each optional one it targets."""
        return tuple(name for name in CLOCK_NAMES if name in REQUIRED_CLOCKS or self.targets_clock(name))

    def calendars_used(self) -> frozenset[str]:
        names = {self.calendar}
        for clocks in self.targets.values():
            names.update(spec.calendar for spec in clocks.values() if spec.calendar)
        return frozenset(names)

    def matches(self, facts: TicketFacts | Mapping[str, Any]) -> bool:
        return self.match.matches(TicketFacts.of(facts))


def _int_field(
    doc: Mapping[str, Any], key: str, default: int, problems: Problems, minimum: int | None = None
) -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        problems.fail(key, "must be an integer")
        return default
    if minimum is not None and value < minimum:
        problems.fail(key, f"must be at least {minimum}")
        return default
    return value


def _string_list(
    value: object, path: str, problems: Problems, allowed: Sequence[str] | None = None
) -> tuple[str, ...]:
    """Non-empty strings (among ``allowed`` when given), each kept once; omitted is empty."""

    def read(item: object, item_path: str) -> str | None:
        if not isinstance(item, str) or not item:
            problems.fail(item_path, "must be a non-empty string")
            return None
        if allowed is not None and item not in allowed:
            problems.fail(item_path, f"unknown value {item!r}; use one of {', '.join(allowed)}")
            return None
        return item

    return tuple(dict.fromkeys(check.items(value, path, problems, read, reason="must be a list of strings")))


def _parse_match(value: object, problems: Problems) -> PolicyMatch:
    if value is None:
        return PolicyMatch()
    if not isinstance(value, Mapping):
        problems.fail("match", "must be an object")
        return PolicyMatch()
    check.unknown_fields(value, MATCH_FIELDS, problems.at("match"))
    vip = value.get("vip")
    if vip is not None and not isinstance(vip, bool):
        problems.fail("match.vip", "must be true, false or null")
        vip = None
    return PolicyMatch(
        types=_string_list(value.get("types"), "match.types", problems, TICKET_TYPES),
        priorities=_string_list(value.get("priorities"), "match.priorities", problems, PRIORITIES),
        services=_string_list(value.get("services"), "match.services", problems),
        vip=vip,
        business_units=_string_list(value.get("business_units"), "match.business_units", problems),
    )


def _hours_value(value: object, path: str, problems: Problems) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 24:
        problems.fail(path, "must be a number of hours in (0, 24]")
        return None
    return float(value)


def _parse_business_day_hours(value: object, problems: Problems) -> float | Mapping[str, float]:
    if value is None:
        return DEFAULT_BUSINESS_DAY_HOURS
    if isinstance(value, Mapping):
        out: dict[str, float] = {}
        for key in sorted(value, key=str):
            hours = _hours_value(value[key], f"business_day_hours.{key}", problems)
            if hours is not None:
                out[str(key)] = hours
        return out
    hours = _hours_value(value, "business_day_hours", problems)
    return DEFAULT_BUSINESS_DAY_HOURS if hours is None else hours


def _parse_target(value: object, path: str, problems: Problems) -> TargetSpec | None:
    if not isinstance(value, Mapping):
        problems.fail(path, "must be an object with 'duration' or 'scheduled'")
        return None
    check.unknown_fields(value, ("duration", "scheduled", "calendar"), problems.at(path))
    calendar = value.get("calendar")
    if calendar is not None and (not isinstance(calendar, str) or not calendar.strip()):
        problems.fail(f"{path}.calendar", "must be a calendar name")
        calendar = None
    scheduled = value.get("scheduled", False)
    if not isinstance(scheduled, bool):
        problems.fail(f"{path}.scheduled", "must be true or false")
        return None
    has_duration = "duration" in value
    if scheduled and has_duration:
        problems.fail(path, "give either 'duration' or 'scheduled', not both")
        return None
    if scheduled:
        return TargetSpec(scheduled=True, calendar=calendar)
    if not has_duration:
        problems.fail(f"{path}.duration", "is required (or set 'scheduled': true)")
        return None
    try:
        duration = Duration.parse(value["duration"])
    except ValueError as exc:
        problems.fail(f"{path}.duration", str(exc))
        return None
    return TargetSpec(duration=duration, calendar=calendar)


def _parse_targets(value: object, problems: Problems) -> dict[str, dict[str, TargetSpec]] | None:
    if value is None:
        problems.fail("targets", "is required")
        return None
    if not isinstance(value, Mapping) or not value:
        problems.fail("targets", "must be an object keyed by priority (P1..P5) or '*'")
        return None
    out: dict[str, dict[str, TargetSpec]] = {}
    broken = False
    for key in [*PRIORITIES, ANY_PRIORITY]:
        if key not in value:
            continue
        clocks = value[key]
        if not isinstance(clocks, Mapping):
            problems.fail(f"targets.{key}", "must be an object keyed by clock")
            broken = True
            continue
        parsed: dict[str, TargetSpec] = {}
        for clock in sorted(set(clocks) - set(CLOCK_NAMES), key=str):
            problems.fail(f"targets.{key}.{clock}", f"unknown clock; use one of {', '.join(CLOCK_NAMES)}")
        for clock in CLOCK_NAMES:
            if clock in clocks:
                spec = _parse_target(clocks[clock], f"targets.{key}.{clock}", problems)
                if spec is None:
                    broken = True
                else:
                    parsed[clock] = spec
        out[key] = parsed
    for key in sorted(set(value) - {*PRIORITIES, ANY_PRIORITY}, key=str):
        problems.fail(f"targets.{key}", "unknown priority; use P1..P5 or '*'")
    if not broken:
        fallback = out.get(ANY_PRIORITY, {})
        for priority in PRIORITIES:
            for clock in REQUIRED_CLOCKS:
                if clock not in out.get(priority, {}) and clock not in fallback:
                    problems.fail(f"targets.{priority}.{clock}", "is required (directly or through '*')")
    return out


def _parse_warn_at(value: object, problems: Problems) -> tuple[float, ...]:
    if value is None:
        return DEFAULT_WARN_AT
    if not isinstance(value, Sequence) or isinstance(value, str):
        problems.fail("warn_at", "must be a list of fractions in (0, 1)")
        return DEFAULT_WARN_AT
    out: list[float] = []
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not 0 < item < 1:
            problems.fail(f"warn_at[{index}]", "must be a fraction strictly between 0 and 1")
            continue
        if out and item <= out[-1]:
            problems.fail(f"warn_at[{index}]", "must be greater than the one before (sorted, unique)")
            continue
        out.append(float(item))
    return tuple(out)


def _parse_pause_statuses(value: object, problems: Problems) -> tuple[str, ...] | None:
    if value is None:
        return None
    statuses = _string_list(value, "pause_statuses", problems, ALL_OPEN_STATUSES)
    for initial in INITIAL_STATUSES:
        if initial in statuses:
            problems.fail("pause_statuses", f"'{initial}' cannot pause the clocks: every ticket starts there")
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
