"""The desk's measures, each defined once, from a ticket's events. Pure.

:func:`ticket_contribution` turns one ticket's events (and its SLA clocks, replayed by the
caller) into its *contribution*: counters, sums and histogram buckets in cells of
``(family, dimension, key, day)``. The daily rollups are the sum of every ticket's
contribution; when a ticket gains events its contribution is computed again and only the
difference is applied (``diff``), so a measure that depends on a later event (a reopen undoes a
first-contact resolution) stays right without reading the ticket twice in a report.

Days are calendar days in the reports' zone; a measure lands on the day of the instant it is
about, and under each dimension with the value the ticket had at that instant (the agent who
resolved, the priority when the clock ended...). Dimensions: ``all`` (key ``all``), ``agent``,
``group``, ``service``, ``business_unit``, ``type``, ``priority``, and for changes ``model`` and
``template``; a ticket without a value counts under ``(none)``.

Definitions (the README repeats them):

* **time to respond** (``resp``): incidents and service requests, from ``opened`` to the
  ``first_response`` event's instant, on that instant's day; elapsed and in working seconds of
  the calendar of the ticket's first-response clock.
* **time to resolve** (``res``): from ``opened`` to the first move into a resolved state, on
  that day; elapsed and in working seconds of the resolution clock's calendar. A reopened
  ticket is not counted again.
* **resolved** (``res_n``): the same tickets; under ``agent`` the assignee at resolution (else
  whoever resolved it).
* **first-contact resolution** (``fcr``): among those, resolved by the first agent assigned
  (or by whoever resolved it when nobody was), never reassigned to another agent, with at most
  one public reply by someone other than the requester before the resolution, and never reopened.
* **reopened** (``reopened``): among those, reopened at least once (at any time).
* **handled** (``handled``): assignments to an agent, on the assignment's day (a ticket counts
  once per agent and day).
* **opened** (``opened``): tickets opened that day, any type (volumes by process: ``by=type``).
* **SLA compliance** (``sla.<clock>.met`` / ``.breached``): each clock's last cycle, on the
  day it was decided: breached on its breach instant (stopped or not), met on the instant it
  stopped in time. ``.met_np`` / ``.breached_np``: the same clocks replayed with no status
  pausing them (paused time counted). ``.long_paused``: the decided clocks paused longer than
  ``pause_share`` of their target (pause governance).
* **tier time** (``tier.<group>``, ``tier_n``): for a resolved ticket, the working seconds (the
  resolution clock's calendar) from opening to resolution spent with each group, on the
  resolution day; ``tier_breach.<group>``: the same up to the resolution clock's breach, on the
  breach day (who used the time before the breach). Work logged on a bridged GitHub or Jira
  issue before the resolution counts as the tier ``tier.<system>`` (``tier.jira``).
* **changes** (``chg_n``, ``chg.<outcome>``, ``chg_emergency``, ``chg_caused``): a change request
  on the day it left implementing with an outcome; success = ``successful`` +
  ``successful_with_issues``; ``chg_caused``: it has a ``caused`` link to an incident.
* **problems** (``prb_opened`` and ``prb_incidents`` on the opening day: its ``incidents`` links
  now; ``prb_root_cause`` on the day a root cause was first recorded; ``prb_resolved`` on its
  first resolution).
* **satisfaction** (``sat_res``, ``sat_rated``, ``sat_sum``, ``sat_r.<rating>``): every resolution
  of an incident or service request (``chalicelib.domain.satisfaction``: a move into a resolved
  state from an open one, or straight to closed; a reopened ticket's next resolution counts
  again), on its day, under the assignee at resolution (else whoever resolved it); the same
  resolutions rated by the requester, the sum of their ratings and how many got each rating. A
  rating lands on its resolution's day, so the response rate (``sat_rated / sat_res``) is of the
  resolutions in the period, and the mean rating ``sat_sum / sat_rated``.
* **known errors added** (``prb_known_error``): problems that became a known error, on that day
  (the first time).
* **corrections** (``corrected``, ``corrected.<field>``): classification corrections by staff,
  on their day, and the fields they changed (what the desk got wrong).
* **ticket lists** (family ``tickets``, under ``all``): ``breached.<clock>.<number>``,
  ``long_paused.<clock>.<number>`` (on the clock's decided day), ``reopened.<number>`` (each
  reopen's day), ``known_error.<number>`` (the day a problem became a known error),
  ``corrected.<number>``, ``rated.<rating>.<number>`` (the day the requester rated a resolution:
  the morning patrol's and the steering report's low ratings).
* **backlog** (family ``backlog``, cell day = the day the ticket opened): ``d.<day>`` is +1 on
  each day the ticket entered an open state from outside (opened, reopened) and -1 on each day
  it left them (resolved, closed, cancelled), under its current dimensions; a ticket is in the
  backlog at the end of day ``T`` when the sum of its deltas up to ``T`` is 1, and its age
  there is ``T`` minus the opening day.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.histogram import bucket_of
from chalicelib.domain.lifecycle import Phase
from chalicelib.domain.processes import phase_of
from chalicelib.domain.satisfaction import resolutions
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.clocks import Clock, TicketClocks

DAILY = "daily"
BACKLOG = "backlog"
#: Lists of tickets per day (under ``all`` only): ``<list>.<number>`` = 1 (the weekly steering
#: report's breaches, reopened and long-paused tickets, known errors and corrections).
TICKETS = "tickets"
ALL = "all"
NONE = "(none)"
DIMENSIONS = ("agent", "group", "service", "business_unit", "type", "priority", "model", "template")
#: Ticket types whose respond/resolve times, FCR and reopens are measured (the support work).
SUPPORT_TYPES = ("incident", "service_request")
SUCCESSFUL_OUTCOMES = ("successful", "successful_with_issues")

Cell = tuple[str, str, str, str]
Contribution = dict[Cell, dict[str, int]]


@dataclass(frozen=True)
class MeasureInputs:
    """What a ticket's measures are computed from: its events, its clocks as of its last event
    (and the same clocks replayed with nothing pausing them), the calendars of its clocks."""

    events: Sequence[TicketEvent]
    zone: ZoneInfo
    clocks: TicketClocks | None = None
    clocks_without_pauses: TicketClocks | None = None
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    pause_share: float = 0.5


@dataclass
class _State:
    type: str = NONE
    status: str = ""
    priority: str = NONE
    agent: str = NONE
    group: str = NONE
    service: str = NONE
    business_unit: str = NONE
    model: str = NONE
    template: str = NONE

    def keys(self) -> dict[str, str]:
        return {
            ALL: ALL,
            "agent": self.agent,
            "group": self.group,
            "service": self.service,
            "business_unit": self.business_unit,
            "type": self.type,
            "priority": self.priority,
            "model": self.model,
            "template": self.template,
        }

    def copy(self) -> _State:
        return _State(**vars(self))


def _text(value: Any) -> str | None:
    """A plain value of an event field (a classification field may be ``{"value": ...}``)."""
    if isinstance(value, Mapping):
        value = value.get("value")
    return value if isinstance(value, str) and value else None


_FIELDS = {"type": "type", "priority": "priority", "assignee": "agent", "group": "group", "service": "service",
           "business_unit": "business_unit", "model": "model", "template": "template"}


class _Walk:
    """The ticket replayed event by event: its dimensions at any instant, and the facts the
    measures need."""

    def __init__(self, events: Sequence[TicketEvent]) -> None:
        self.events = sorted(events, key=lambda e: e.seq)
        self.number = self.events[0].ticket if self.events else ""
        self.snapshots: list[tuple[datetime, _State]] = []
        state = _State()
        self.opened_at: datetime | None = None
        self.requester: str | None = None
        for event in self.events:
            if event.kind == EventKind.OPENED:
                self.opened_at = event.at
                self.requester = _text(event.after.get("requester"))
            if event.kind in (EventKind.OPENED, EventKind.ASSIGNED, EventKind.PRIORITY_CHANGED,
                              EventKind.CLASSIFIED, EventKind.UPDATED, EventKind.CHANGE_PLANNED):
                for name, attr in _FIELDS.items():
                    if name in event.after:
                        setattr(state, attr, _text(event.after[name]) or NONE)
            if event.kind == EventKind.STATUS_CHANGED and "status" in event.after:
                state.status = str(event.after["status"])
            elif event.kind == EventKind.OPENED:
                state.status = str(event.after.get("status", "new"))
            self.snapshots.append((event.at, state.copy()))
        self.final = state
        self._instants = [at for at, _ in self.snapshots]

    def at(self, moment: datetime) -> _State:
        """The ticket's dimensions just after the last event at or before ``moment``."""
        index = bisect.bisect_right(self._instants, moment) - 1
        return self.snapshots[max(index, 0)][1]

    def phase_changes(self) -> list[tuple[datetime, Phase, Phase, TicketEvent]]:
        """(instant, from, to, event) of every status move, in order."""
        out = []
        ticket_type = self.final.type
        for event in self.events:
            if event.kind == EventKind.STATUS_CHANGED:
                old = phase_of(ticket_type, str(event.before.get("status", "")))
                new = phase_of(ticket_type, str(event.after.get("status", "")))
                out.append((event.at, old, new, event))
        return out


class _Builder:
    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.cells: dict[Cell, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def day(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).date().isoformat()

    def add(self, moment: datetime, keys: Mapping[str, str], values: Mapping[str, int],
            only: Sequence[str] | None = None, family: str = DAILY, day: str | None = None) -> None:
        on = day or self.day(moment)
        for dim, key in keys.items():
            if only is not None and dim not in only:
                continue
            if dim in ("model", "template") and key == NONE:
                continue
            cell = self.cells[(family, dim, key, on)]
            for name, value in values.items():
                cell[name] += value

    def result(self) -> Contribution:
        out: Contribution = {}
        for cell, values in self.cells.items():
            kept = {name: value for name, value in values.items() if value != 0}
            if kept:
                out[cell] = kept
        return out


def _durations(prefix: str, elapsed: float, business: float | None) -> dict[str, int]:
    values = {f"{prefix}_n": 1, f"{prefix}_s": round(elapsed), f"{prefix}_h.{bucket_of(elapsed)}": 1}
    if business is not None:
        values[f"{prefix}_bn"] = 1
        values[f"{prefix}_bs"] = round(business)
        values[f"{prefix}_bh.{bucket_of(business)}"] = 1
    return values


def _business(inputs: MeasureInputs, clock_name: str, start: datetime, end: datetime) -> float | None:
    clock = inputs.clocks.clocks.get(clock_name) if inputs.clocks is not None else None
    calendar = inputs.calendars.get(clock.calendar) if clock is not None else None
    return None if calendar is None else calendar.seconds_between(start, end)


def _group_time(walk: _Walk, calendar: BusinessCalendar | None, end: datetime) -> dict[str, float]:
    """Seconds each group held the ticket from opening to ``end`` (working seconds on ``calendar``)."""
    spans: dict[str, float] = defaultdict(float)
    if walk.opened_at is None:
        return spans
    marks = [(at, state.group) for at, state in walk.snapshots if at <= end]
    for index, (at, group) in enumerate(marks):
        until = marks[index + 1][0] if index + 1 < len(marks) else end
        if until <= at:
            continue
        spans[group] += calendar.seconds_between(at, until) if calendar is not None else (until - at).total_seconds()
    return spans


def _logged_elsewhere(walk: _Walk, end: datetime) -> dict[str, int]:
    """Seconds of work logged on the ticket's bridged issues (``worked_elsewhere`` worklogs) up to
    ``end``, by system: a tier of their own in the tier time."""
    spent: dict[str, int] = defaultdict(int)
    for event in walk.events:
        if event.kind == EventKind.WORKED_ELSEWHERE and event.after.get("what") == "worklog" and event.at <= end:
            spent[str(event.after.get("system"))] += int(event.after.get("seconds") or 0)
    return spent


def ticket_contribution(inputs: MeasureInputs) -> Contribution:
    """Every measure of one ticket, as cells of counters (see the module's definitions)."""
    walk = _Walk(inputs.events)
    out = _Builder(inputs.zone)
    if walk.opened_at is None:
        return {}
    opened_at = walk.opened_at
    kind = walk.final.type
    out.add(opened_at, walk.at(opened_at).keys(), {"opened": 1})
    changes = walk.phase_changes()
    resolution = next(((at, event) for at, old, new, event in changes
                       if new == Phase.RESOLVED and old != Phase.RESOLVED), None)
    reopened = any(old == Phase.RESOLVED and new.is_open for _, old, new, _ in changes)

    if kind in SUPPORT_TYPES:
        _support_measures(inputs, walk, out, resolution, reopened)
        _satisfaction(walk, out)
    _handled(walk, out)
    _sla(inputs, walk, out)
    if kind == "change_request":
        _changes(walk, out)
    if kind == "problem":
        _problems(walk, out, resolution)
    _backlog(walk, out, changes)
    _lists(walk, out, changes)
    return out.result()


def _support_measures(inputs: MeasureInputs, walk: _Walk, out: _Builder,
                      resolution: tuple[datetime, TicketEvent] | None, reopened: bool) -> None:
    opened_at = walk.opened_at
    assert opened_at is not None
    first = next((e for e in walk.events if e.kind == EventKind.FIRST_RESPONSE), None)
    if first is not None:
        at = _instant(first.after.get("first_response_at")) or first.at
        elapsed = (at - opened_at).total_seconds()
        out.add(at, walk.at(at).keys(), _durations("resp", elapsed, _business(inputs, "first_response", opened_at, at)))
    if resolution is None:
        return
    at, event = resolution
    state = walk.at(at)
    resolver = state.agent if state.agent != NONE else event.actor
    keys = {**state.keys(), "agent": resolver}
    elapsed = (at - opened_at).total_seconds()
    values = _durations("res", elapsed, _business(inputs, "resolution", opened_at, at))
    values["reopened"] = int(reopened)
    values["fcr"] = int(_first_contact(walk, at, resolver) and not reopened)
    out.add(at, keys, values)
    clock = inputs.clocks.clocks.get("resolution") if inputs.clocks is not None else None
    calendar = inputs.calendars.get(clock.calendar) if clock is not None else None
    tiers = {f"tier.{group}": round(seconds) for group, seconds in _group_time(walk, calendar, at).items()}
    for system, seconds in _logged_elsewhere(walk, at).items():
        tiers[f"tier.{system}"] = tiers.get(f"tier.{system}", 0) + seconds
    out.add(at, keys, {"tier_n": 1, **tiers})
    if clock is not None and clock.breached_at is not None and clock.breached_at >= opened_at:
        before = _group_time(walk, calendar, clock.breached_at)
        out.add(clock.breached_at, walk.at(clock.breached_at).keys(),
                {"tier_breach_n": 1, **{f"tier_breach.{g}": round(s) for g, s in before.items()}})


def _first_contact(walk: _Walk, resolved_at: datetime, resolver: str) -> bool:
    assignees = [
        _text(e.after.get("assignee")) for e in walk.events
        if e.kind == EventKind.ASSIGNED and e.at <= resolved_at and "assignee" in e.after
    ]
    named = [a for a in assignees if a]
    if len(set(named)) > 1:
        return False
    if named and named[0] != resolver:
        return False
    replies = [
        e for e in walk.events
        if e.kind == EventKind.COMMENTED and e.at <= resolved_at and e.after.get("visibility") == "public"
        and e.actor != walk.requester
    ]
    return len(replies) <= 1


def _satisfaction(walk: _Walk, out: _Builder) -> None:
    for resolved in resolutions(walk.events, walk.final.type):
        state = walk.at(resolved.at)
        keys = {**state.keys(), "agent": state.agent if state.agent != NONE else resolved.actor}
        values = {"sat_res": 1}
        if resolved.rating is not None and resolved.rated_at is not None:
            values.update({"sat_rated": 1, "sat_sum": resolved.rating, f"sat_r.{resolved.rating}": 1})
            out.add(resolved.rated_at, {ALL: ALL}, {f"rated.{resolved.rating}.{walk.number}": 1}, family=TICKETS)
        out.add(resolved.at, keys, values)


def _handled(walk: _Walk, out: _Builder) -> None:
    seen: set[tuple[str, str]] = set()
    for event in walk.events:
        if event.kind != EventKind.ASSIGNED:
            continue
        agent = _text(event.after.get("assignee"))
        if agent is None or agent == _text(event.before.get("assignee")):
            continue
        day = out.day(event.at)
        if (agent, day) in seen:
            continue
        seen.add((agent, day))
        out.add(event.at, walk.at(event.at).keys(), {"handled": 1})


def _decided(clock: Clock) -> tuple[str, datetime] | None:
    if clock.breached_at is not None:
        return "breached", clock.breached_at
    if clock.met_at is not None:
        return "met", clock.met_at
    return None


def _sla(inputs: MeasureInputs, walk: _Walk, out: _Builder) -> None:
    if inputs.clocks is not None:
        for name, clock in inputs.clocks.clocks.items():
            decided = _decided(clock)
            if decided is None:
                continue
            outcome, at = decided
            values = {f"sla.{name}.{outcome}": 1}
            listed = {f"breached.{name}.{walk.number}": 1} if outcome == "breached" else {}
            target = clock.target_seconds
            if target and clock.paused_seconds > inputs.pause_share * target:
                values[f"sla.{name}.long_paused"] = 1
                listed[f"long_paused.{name}.{walk.number}"] = 1
            out.add(at, walk.at(at).keys(), values)
            if listed:
                out.add(at, {ALL: ALL}, listed, family=TICKETS)
    if inputs.clocks_without_pauses is not None:
        for name, clock in inputs.clocks_without_pauses.clocks.items():
            decided = _decided(clock)
            if decided is not None:
                outcome, at = decided
                out.add(at, walk.at(at).keys(), {f"sla.{name}.{outcome}_np": 1})


def _links(walk: _Walk, kind: str) -> set[str]:
    targets: set[str] = set()
    for event in walk.events:
        if event.kind == EventKind.LINKED and event.after.get("kind") == kind:
            targets.add(str(event.after.get("target")))
        elif event.kind == EventKind.UNLINKED and event.before.get("kind") == kind:
            targets.discard(str(event.before.get("target")))
    return targets


def _changes(walk: _Walk, out: _Builder) -> None:
    ended = next((e for e in walk.events if e.kind == EventKind.CHANGE_PLANNED and _text(e.after.get("outcome"))), None)
    if ended is None:
        return
    state = walk.at(ended.at)
    values = {"chg_n": 1, f"chg.{_text(ended.after['outcome'])}": 1}
    values["chg_emergency"] = int(state.model == "emergency")
    values["chg_caused"] = int(bool(_links(walk, "caused")))
    out.add(ended.at, state.keys(), values)


def _problems(walk: _Walk, out: _Builder, resolution: tuple[datetime, TicketEvent] | None) -> None:
    opened_at = walk.opened_at
    assert opened_at is not None
    out.add(opened_at, walk.at(opened_at).keys(), {"prb_opened": 1, "prb_incidents": len(_links(walk, "incidents"))})
    cause = next((e for e in walk.events if e.kind == EventKind.PROBLEM_RECORDED and e.after.get("root_causes")), None)
    if cause is not None:
        out.add(cause.at, walk.at(cause.at).keys(), {"prb_root_cause": 1})
    known = next((e for e in walk.events if e.kind == EventKind.STATUS_CHANGED
                  and e.after.get("status") == "known_error"), None)
    if known is not None:
        out.add(known.at, walk.at(known.at).keys(), {"prb_known_error": 1})
    if resolution is not None:
        out.add(resolution[0], walk.at(resolution[0]).keys(), {"prb_resolved": 1})


def _backlog(walk: _Walk, out: _Builder, changes: Sequence[tuple[datetime, Phase, Phase, TicketEvent]]) -> None:
    opened_at = walk.opened_at
    assert opened_at is not None
    open_day = out.day(opened_at)
    keys = walk.final.keys()
    out.add(opened_at, keys, {f"d.{open_day}": 1}, family=BACKLOG, day=open_day)
    for at, old, new, _ in changes:
        if old.is_open and not new.is_open:
            out.add(at, keys, {f"d.{out.day(at)}": -1}, family=BACKLOG, day=open_day)
        elif not old.is_open and new.is_open:
            out.add(at, keys, {f"d.{out.day(at)}": 1}, family=BACKLOG, day=open_day)


def _lists(walk: _Walk, out: _Builder, changes: Sequence[tuple[datetime, Phase, Phase, TicketEvent]]) -> None:
    for at, old, new, event in changes:
        if old == Phase.RESOLVED and new.is_open:
            out.add(at, {ALL: ALL}, {f"reopened.{walk.number}": 1}, family=TICKETS)
        if event.after.get("status") == "known_error" and walk.final.type == "problem":
            out.add(at, {ALL: ALL}, {f"known_error.{walk.number}": 1}, family=TICKETS)
    for event in walk.events:
        if event.kind == EventKind.CLASSIFIED and event.after.get("source") == "correction":
            fields = sorted(k for k in event.after if k != "source")
            out.add(event.at, walk.at(event.at).keys(), {"corrected": 1, **{f"corrected.{f}": 1 for f in fields}})
            out.add(event.at, {ALL: ALL}, {f"corrected.{walk.number}": 1}, family=TICKETS)


def diff(old: Contribution, new: Contribution) -> Contribution:
    """What to add to the rollups to replace ``old`` with ``new`` (cells and names that did not
    change are left out)."""
    out: Contribution = {}
    for cell in set(old) | set(new):
        before, after = old.get(cell, {}), new.get(cell, {})
        delta = {name: after.get(name, 0) - before.get(name, 0) for name in set(before) | set(after)}
        delta = {name: value for name, value in delta.items() if value != 0}
        if delta:
            out[cell] = delta
    return out


def merge(into: dict[Cell, dict[str, int]], contribution: Contribution) -> None:
    """Add ``contribution`` to ``into`` (the rollups as a rebuild sums them)."""
    for cell, values in contribution.items():
        target = into.setdefault(cell, {})
        for name, value in values.items():
            target[name] = target.get(name, 0) + value
            if target[name] == 0:
                del target[name]
        if not target:
            del into[cell]


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def days_between(first: date, last: date) -> list[str]:
    """Every day from ``first`` to ``last`` inclusive, ISO-formatted."""
    return [date.fromordinal(n).isoformat() for n in range(first.toordinal(), last.toordinal() + 1)]
