"""The replay: a ticket's events to its SLA clocks, alerts and next deadline. Pure.

Clocks
======
:func:`compute_clocks` replays a ticket's events (sorted by ``seq``; events stamped after ``now``
are ignored, and an event stamped earlier than its predecessor counts at its predecessor's
instant) under one policy version and its calendars. The same inputs always give the same output.

Each event kind has its own small handler (:data:`EVENT_HANDLERS`); a handler keeps the ticket's
status, priority and requester and raises the signals each clock kind declares its reactions to
(:class:`~chalicelib.domain.sla.clocks.ClockKind`: what starts, stops, restarts and reopens it).
The rules below hold for every clock kind:

* **Working time** accrues on the target's calendar (``seconds_between``). For a running clock
  ``due_at = calendar.add(last change point, target - used)``; a warning falls where
  ``used == threshold * target`` and the breach where ``used == target``. Breach is a matter of
  time, not of a sweep: once ``now`` reaches the breach instant the clock is ``breached``. A stop
  exactly at the due instant is met; a clock that stops after its breach instant keeps state
  ``breached`` and gets ``met_at`` (met late).
* **What a status means** comes from the ticket's lifecycle (its process, read from the
  ``opened`` event: ``chalicelib.domain.processes``): a state of the resolved phase resolves, of
  the closed phase closes, of the cancelled phase cancels; leaving a resolved state for an open
  one is a reopen. State names never appear here.
* **Pause.** While the status pauses a clock kind (the lifecycle's declaration: waiting on the
  requester pauses every clock; or the policy's ``pause_statuses`` for every clock, when it sets
  them) every clock of that kind that has not stopped pauses (the first response too: the desk
  is waiting on the requester): no working time accrues,
  ``paused_seconds`` accrues wall-clock time, and a paused clock has no ``due_at`` and no
  deadline; ``left_seconds`` still tells what remains. A clock that starts in such a status
  starts paused.
* **Close and cancel.** ``closed`` ends the ticket; nothing after a close or a cancel changes
  the clocks. A cancel makes every clock not yet stopped ``cancelled`` (a breach that already
  happened stays in ``breached_at`` and the timeline); stopped clocks keep their state.
* **Reopen** (``resolved`` back to an open status) starts a new cycle (``cycle += 1``) of the
  clocks whose kind says so; ``met_at`` and ``breached_at`` are cleared for the new cycle; the
  earlier cycle's outcome stays in the timeline. A cycle that starts with the carried time
  already over the target is breached at its start.
* **Priority change**: the new priority's targets of the same policy apply to every clock that
  has not stopped. ``carry`` keeps the working time used against the new target (same cycle);
  ``restart`` starts a new cycle with nothing used from the change instant, so its warnings and
  breach fire afresh. Under ``carry``, a threshold the used time already exceeds is reached at
  the change instant (not retroactively), and a breach that already happened in the cycle stays:
  a breach is a fact, a later priority change does not undo it. A clock pending for want of a
  target starts when the new priority has one (once one of its start signals has happened).
* **Scheduled targets** ("as scheduled"): before a ``due_date_set`` event for the clock the state
  is ``awaiting_schedule`` (no due instant, no deadline). Once set, the breach is at ``due_at``
  (wall clock) and a warning at ``threshold`` of the wall-clock span from the cycle's start to
  ``due_at``; ``target_seconds`` is then the working time of that span. Pausing does not move
  the agent's date; a scheduled clock paused over its due date breaches when it resumes (unless
  it stops first). A ``due_date_set`` for a clock whose target is a duration is recorded in the
  timeline and used only if a later priority change makes the target scheduled.

Alerts and deadlines
====================
An alert (:class:`~chalicelib.domain.sla.clocks.Alert`) counts as fired when its key is in the
``fired`` argument or an ``sla_warning`` / ``sla_breached`` event carries it
(``after: {"clock", "alert", "cycle"}``, see :meth:`Alert.event_after`). Only *running* clocks
(started, not stopped, not paused) have alerts; a warning is superseded once the breach of its
cycle is reached. ``next_deadline`` is the earliest instant among the unfired alerts of running
clocks, past or future, so a late sweep still fires what it missed; ``None`` when nothing is left.
:func:`due_alerts` lists those whose instant is ``<= now``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.instants import iso, parse_instant, require_aware, utc
from chalicelib.domain.lifecycle import Lifecycle, Phase
from chalicelib.domain.processes import LIFECYCLES, lifecycle_for
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.clocks import (
    CARRY,
    CLOCK_KINDS,
    CLOSED,
    OPENED,
    REOPENED,
    RESOLUTION,
    RESOLVED,
    RESPONDED,
    UPDATED,
    Alert,
    Clock,
    ClockKind,
    TicketClocks,
    format_threshold,
    round_seconds,
)
from chalicelib.domain.sla.policy import PRIORITIES, SlaPolicy, TicketFacts, select_policy
from chalicelib.domain.sla.run import ClockRun
from chalicelib.domain.validation import Problems


class _Replay:
    """The ticket as the replay has seen it so far, and one :class:`ClockRun` per clock kind."""

    def __init__(
        self,
        policy: SlaPolicy,
        calendars: Mapping[str, BusinessCalendar],
        kinds: Sequence[ClockKind],
        lifecycles: Mapping[str, Lifecycle] = LIFECYCLES,
    ) -> None:
        self.policy = policy
        self.lifecycles = lifecycles
        self.runs = [
            (kind, ClockRun(kind.name, policy, calendars))
            for kind in kinds
            if kind.required or policy.targets_clock(kind.name)
        ]
        self.opened = False
        self.ended = False
        #: The ticket's lifecycle (from its process, read at ``opened``): what its states mean.
        self.flow = lifecycles[DEFAULT_PROCESS] if DEFAULT_PROCESS in lifecycles else next(iter(lifecycles.values()))
        self.status = self.flow.initial
        self.priority = ""
        self.requester: object = None
        #: Whether the first response has happened (a resolution or close counts as one).
        self.responded = False
        self.seen: set[str] = set()

    def signal(self, name: str, at: datetime, why: str = "") -> None:
        """Apply signal ``name`` to every clock as its kind declares; ``why`` starts the timeline line."""
        self.seen.add(name)
        is_open = self.is_open
        for kind, run in self.runs:
            if name in kind.stops_on:
                run.stop(at, kind.stops_on[name])
            elif name == REOPENED and kind.on_reopen is not None:
                if kind.on_reopen == CARRY:
                    run.reopen(at)
                else:
                    run.reopen_fresh(at, self.priority)
            elif name in kind.restarts_on and run.active:
                run.restart_cycle(at, name, why)
            elif name in kind.starts_on and not run.active and is_open:
                run.start(at, self.priority, why)
        self.settle(at)

    @property
    def is_open(self) -> bool:
        return self.phase.is_open

    @property
    def phase(self) -> Phase:
        """The phase of the current status in the ticket's lifecycle (an unknown one counts as open)."""
        return self.flow.phase(self.status) if self.status in self.flow.statuses else Phase.OPEN

    def pauses(self, kind: ClockKind) -> bool:
        """Whether the current status pauses clocks of ``kind``: the policy's ``pause_statuses``
        when it sets them, else the lifecycle's declaration."""
        if self.policy.pause_statuses is not None:
            return self.status in self.policy.pause_statuses
        return self.status in self.flow.pause_states(kind.name)

    def armed(self, kind: ClockKind) -> bool:
        """Whether a priority change may start a pending clock of ``kind`` now."""
        return self.is_open and not self.seen.isdisjoint(kind.arms_on())

    def settle(self, at: datetime) -> None:
        """Pause every clock that has not stopped while the status pauses them; resume otherwise.

        Called after whatever may change the status or start a clock: a clock that starts in a
        pause status starts paused."""
        for kind, run in self.runs:
            if not kind.pauses:
                continue
            if self.pauses(kind):
                run.pause(at, self.status)
            else:
                run.resume(at, self.status)


# ============================================================================================
# One handler per event kind

#: The process whose lifecycle a replay assumes when the ``opened`` event names none.
DEFAULT_PROCESS = "incident"
#: The clock signal a move into a resolved or closed state raises.
ENDING_SIGNALS = {Phase.RESOLVED: RESOLVED, Phase.CLOSED: CLOSED}


def _process_of(after: Mapping[str, Any]) -> str:
    process = after.get("type")
    return process if isinstance(process, str) and process in LIFECYCLES else DEFAULT_PROCESS


def _opened(replay: _Replay, event: TicketEvent, at: datetime) -> None:
    if replay.opened:
        return
    after = event.after or {}
    replay.opened = True
    process = after.get("type")
    if isinstance(process, str) and process in replay.lifecycles:
        replay.flow = replay.lifecycles[process]
    replay.status = str(after.get("status") or replay.flow.initial)
    found = after.get("priority")
    if found not in PRIORITIES:
        raise ValidationFailed(
            [{"field": f"events[seq={event.seq}].after.priority", "reason": "must be one of P1..P5"}]
        )
    replay.priority = str(found)
    replay.requester = after.get("requester")
    for _kind, run in replay.runs:
        run.priority = replay.priority
    replay.signal(OPENED, at, "ticket opened")


def _status_changed(replay: _Replay, event: TicketEvent, at: datetime) -> None:
    new = (event.after or {}).get("status")
    if not isinstance(new, str) or new == replay.status:
        return
    was = replay.phase
    replay.status = new
    phase = replay.phase
    if phase in (Phase.RESOLVED, Phase.CLOSED):
        replay.responded = True
        replay.signal(ENDING_SIGNALS[phase], at, f"ticket {new}")
        replay.ended = phase == Phase.CLOSED
    elif phase == Phase.CANCELLED:
        for _kind, run in replay.runs:
            run.cancel(at)
        replay.ended = True
    elif was == Phase.RESOLVED and phase.is_open:
        replay.signal(REOPENED, at, "ticket reopened")
    else:
        replay.settle(at)


def _priority_changed(replay: _Replay, event: TicketEvent, at: datetime) -> None:
    new = (event.after or {}).get("priority")
    if new not in PRIORITIES or new == replay.priority:
        return
    old, replay.priority = replay.priority, str(new)
    for kind, run in replay.runs:
        run.change_priority(at, old, replay.priority, replay.policy.on_priority_change, replay.armed(kind))
    replay.settle(at)


def _first_response(replay: _Replay, event: TicketEvent, at: datetime) -> None:
    if replay.responded:
        replay.signal(UPDATED, at, "public update")
    else:
        replay.responded = True
        replay.signal(RESPONDED, at, "first response")


def _commented(replay: _Replay, event: TicketEvent, at: datetime) -> None:
    public = (event.after or {}).get("visibility") == "public"
    if public and event.actor != replay.requester:
        replay.signal(UPDATED, at, "public update")


def _due_date_set(replay: _Replay, event: TicketEvent, at: datetime) -> None:
    after = event.after or {}
    clock = after.get("clock", RESOLUTION)
    problems = Problems()
    due = parse_instant(after.get("due_at"), f"events[seq={event.seq}].after.due_at", problems)
    problems.check()
    assert due is not None
    for kind, run in replay.runs:
        if kind.name == clock:
            run.set_due(at, due)


EventHandler = Callable[[_Replay, TicketEvent, datetime], None]

#: What each event kind does to the clocks; other kinds leave them alone.
EVENT_HANDLERS: Mapping[str, EventHandler] = {
    EventKind.OPENED: _opened,
    EventKind.STATUS_CHANGED: _status_changed,
    EventKind.PRIORITY_CHANGED: _priority_changed,
    EventKind.FIRST_RESPONSE: _first_response,
    EventKind.COMMENTED: _commented,
    EventKind.DUE_DATE_SET: _due_date_set,
}


# ============================================================================================
# The replay and its alerts


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
    *,
    kinds: Sequence[ClockKind] = CLOCK_KINDS,
    lifecycles: Mapping[str, Lifecycle] = LIFECYCLES,
) -> TicketClocks:
    """Replay ``events`` under ``policy`` and ``calendars`` as of ``now`` (rules: module docstring).

    ``fired`` holds the alert keys already acted on, in addition to those recorded as events.
    ``kinds`` are the clock kinds to run: the required ones and those the policy targets.
    ``lifecycles`` (by process) say what each status of the ticket's process means.
    Raises ``ValidationFailed`` for an event payload the replay cannot read or a missing calendar.
    """
    require_aware(now, "now")
    replay = _Replay(policy, calendars, kinds, lifecycles)
    last: datetime | None = None
    for event in sorted(events, key=lambda e: (e.seq, e.at, e.kind)):
        if event.at > now or replay.ended or (not replay.opened and event.kind != EventKind.OPENED):
            continue
        at = require_aware(event.at, f"events[seq={event.seq}].at")
        if last is not None and at < last:
            at = last
        last = at
        handler = EVENT_HANDLERS.get(event.kind)
        if handler is not None:
            handler(replay, event, at)

    clocks = {run.name: run.snapshot(now) for _kind, run in replay.runs}
    known = frozenset(fired) | fired_from_events(events)
    pending = _open_alerts(clocks, now, known)
    return TicketClocks(
        policy=policy.name,
        policy_version=policy.version,
        now=utc(now),
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
    ticket = _preview_facts(facts, opened_at)
    policy = select_policy(policies, ticket)
    if policy is None:
        return {"facts": ticket.to_dict(), "opened_at": iso(opened_at), "policy": None, "clocks": {}}
    return preview_policy(policy, calendars, ticket, opened_at)


def preview_policy(
    policy: SlaPolicy,
    calendars: Mapping[str, BusinessCalendar],
    facts: TicketFacts | Mapping[str, Any],
    opened_at: datetime,
) -> dict[str, Any]:
    """The clocks ``policy`` would give a ticket with ``facts`` opened at ``opened_at``, whether or
    not its ``match`` selects such a ticket (``policy.matches`` says; a draft is previewed before
    it is stored). A calendar the policy names must be among ``calendars``."""
    ticket = _preview_facts(facts, opened_at)
    missing = sorted(policy.calendars_used() - set(calendars))
    if missing:
        raise ValidationFailed([{"field": "calendar", "reason": f"unknown calendar {missing[0]!r}"}])
    event = TicketEvent(
        ticket="preview",
        seq=1,
        at=opened_at,
        actor="preview",
        kind=EventKind.OPENED,
        after={"status": lifecycle_for(_process_of(ticket.to_dict())).initial, **ticket.to_dict()},
    )
    result = compute_clocks([event], policy, calendars, opened_at)
    assert ticket.priority is not None
    clocks: dict[str, Any] = {}
    for name, clock in result.clocks.items():
        spec = policy.target_for(ticket.priority, name)
        clocks[name] = {
            "target": spec.to_dict() if spec is not None else None,
            "target_seconds": round_seconds(policy.target_seconds(spec)) if spec is not None else None,
            "calendar": policy.calendar_of(spec) if spec is not None else None,
            "state": clock.state,
            "due_at": iso(clock.due_at),
            "warning_at": [iso(at) for at in clock.warning_at],
        }
    return {
        "facts": ticket.to_dict(),
        "opened_at": iso(opened_at),
        "policy": {
            "name": policy.name,
            "version": policy.version,
            "precedence": policy.precedence,
            "matches": policy.matches(ticket),
        },
        "clocks": clocks,
    }


def _preview_facts(facts: TicketFacts | Mapping[str, Any], opened_at: datetime) -> TicketFacts:
    ticket = TicketFacts.of(facts)
    if ticket.priority not in PRIORITIES:
        raise ValidationFailed([{"field": "priority", "reason": "must be one of P1..P5"}])
    require_aware(opened_at, "opened_at")
    return ticket
