"""SLA clock kinds, and what a replay tells about a ticket's clocks. Pure.

Kinds
=====
A clock kind is one declaration (:class:`ClockKind`) of the ticket signals that start, stop and
restart it. The replay (:mod:`chalicelib.domain.sla.replay`) turns a ticket's events into signals
and applies every declaration alike, so a new clock kind is one entry in :data:`CLOCK_KINDS`
(and its targets in the policies) plus its tests. The signals:

* ``opened``: the ``opened`` event;
* ``responded``: the first response, the first ``first_response`` event (a resolution or a close
  before any response counts as the response, without this signal);
* ``updated``: a later public update: a later ``first_response`` event or a public ``commented``
  event by someone other than the requester;
* ``resolved``, ``closed``: the status becoming ``resolved`` or ``closed`` (a close straight from
  an open status counts as the resolution);
* ``reopened``: ``resolved`` back to an open status.

The kinds shipped:

* **first_response** starts at ``opened`` on the target for the ticket's priority and stops at
  the first response (or the resolution or close that counts as it).
* **resolution** starts at ``opened`` and stops at ``resolved`` or ``closed`` (met, or breached
  with ``met_at``). A reopen resumes it as a new cycle with the working time used so far carried
  over (the time spent resolved does not count).
* **next_update** (when the policy targets it) starts at the first response and restarts, as a
  new cycle, at every later public update; it stops at ``resolved`` or ``closed`` and starts a
  new cycle at a reopen. Until it starts it is ``pending``; it is also ``pending`` while the
  current priority has no next-update target.

Results
=======
States: ``pending``, ``running``, ``paused``, ``awaiting_schedule``, ``met``, ``breached``,
``cancelled`` (``breached`` wins over ``met``/``paused``; ``cancelled`` wins over everything).

An alert is a warning (per threshold) or the breach of one cycle of one clock, keyed
``(clock, "warning:0.75" | "breach", cycle)``, with the id ``f"{ticket}:{clock}:{kind}:{threshold}:{cycle}"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.instants import iso

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
NEXT_UPDATE = "next_update"

#: How a clock treats the working time used when its target changes (``on_priority_change``) or
#: when a reopen resumes it: ``carry`` keeps it, ``restart`` starts a new cycle with nothing used.
CARRY = "carry"
RESTART = "restart"

# The ticket signals a clock kind reacts to (see the module docstring).
OPENED = "opened"
RESPONDED = "responded"
UPDATED = "updated"
RESOLVED = "resolved"
CLOSED = "closed"
REOPENED = "reopened"
SIGNALS = (OPENED, RESPONDED, UPDATED, RESOLVED, CLOSED, REOPENED)

PENDING = "pending"
RUNNING = "running"
PAUSED = "paused"
AWAITING_SCHEDULE = "awaiting_schedule"
MET = "met"
BREACHED = "breached"
CLOCK_CANCELLED = "cancelled"
CLOCK_STATES = (PENDING, RUNNING, PAUSED, AWAITING_SCHEDULE, MET, BREACHED, CLOCK_CANCELLED)


@dataclass(frozen=True)
class ClockKind:
    """One kind of SLA clock: the signals that start, stop and restart it.

    * ``starts_on``: signals that start the clock (a new cycle, nothing used) when it is not
      running and the ticket is open. A clock left pending for want of a target starts on a
      priority change to one that has it, once one of these (or a reopen, for ``on_reopen``
      ``restart``) has happened and while the ticket is open.
    * ``stops_on``: signal -> the reason the timeline gives; the clock is met (late if breached).
    * ``restarts_on``: signals that start a new cycle, nothing used, of a clock that has not stopped.
    * ``on_reopen``: what a reopen does to the stopped clock: ``None`` leaves it stopped,
      ``carry`` resumes it as a new cycle with the used time carried over, ``restart`` starts a
      new cycle with nothing used (or starts it, when it never started).
    * ``pauses``: the clock pauses while the status is one of the policy's ``pause_statuses``.
    * ``required``: every policy must target it at every priority; an optional clock runs only
      under the policies that target it.

    Every clock alike is cancelled by a cancel, takes the new priority's target on a priority
    change and reads ``due_date_set`` events naming it.
    """

    name: str
    starts_on: tuple[str, ...] = ()
    stops_on: Mapping[str, str] = field(default_factory=dict)
    restarts_on: tuple[str, ...] = ()
    on_reopen: str | None = None
    pauses: bool = True
    required: bool = False

    def __post_init__(self) -> None:
        unknown = {*self.starts_on, *self.stops_on, *self.restarts_on} - set(SIGNALS)
        if unknown:
            raise ValueError(f"clock kind {self.name}: unknown signals {sorted(unknown)}")
        if self.on_reopen not in (None, CARRY, RESTART):
            raise ValueError(f"clock kind {self.name}: on_reopen must be None, {CARRY!r} or {RESTART!r}")

    def arms_on(self) -> frozenset[str]:
        """The signals after which a priority change may start the clock."""
        return frozenset({*self.starts_on, *((REOPENED,) if self.on_reopen == RESTART else ())})


_ENDS = {RESOLVED: "resolved", CLOSED: "closed"}

CLOCK_KINDS: tuple[ClockKind, ...] = (
    ClockKind(
        FIRST_RESPONSE,
        starts_on=(OPENED,),
        stops_on={
            RESPONDED: "first response",
            RESOLVED: "resolved (counts as the first response)",
            CLOSED: "closed (counts as the first response)",
        },
        required=True,
    ),
    ClockKind(RESOLUTION, starts_on=(OPENED,), stops_on=_ENDS, on_reopen=CARRY, required=True),
    ClockKind(NEXT_UPDATE, starts_on=(RESPONDED,), stops_on=_ENDS, restarts_on=(UPDATED,), on_reopen=RESTART),
)
CLOCK_NAMES = tuple(kind.name for kind in CLOCK_KINDS)
REQUIRED_CLOCKS = tuple(kind.name for kind in CLOCK_KINDS if kind.required)


def format_threshold(threshold: float) -> str:
    """The canonical text of a warning threshold in alert keys and ids: ``0.75`` -> ``"0.75"``."""
    return f"{threshold:g}"


def round_seconds(value: float | None) -> float | None:
    """Seconds as shown: rounded to the millisecond."""
    return None if value is None else round(value, 3)



@dataclass(frozen=True)
class TimelineEntry:
    """One line of a clock's "why": ``what`` is a short keyword, ``detail`` the human sentence."""

    at: datetime
    what: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "what": self.what, "detail": self.detail}


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
            "at": iso(self.at),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "clock": self.clock,
            "kind": self.kind,
            "threshold": self.threshold,
            "cycle": self.cycle,
            "at": iso(self.at),
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
            "target_seconds": round_seconds(self.target_seconds),
            "calendar": self.calendar,
            "used_seconds": round_seconds(self.used_seconds),
            "left_seconds": round_seconds(self.left_seconds),
            "due_at": iso(self.due_at),
            "warn_at": list(self.warn_at),
            "warning_at": [iso(at) for at in self.warning_at],
            "breached_at": iso(self.breached_at),
            "met_at": iso(self.met_at),
            "paused_seconds": round_seconds(self.paused_seconds),
            "cycle": self.cycle,
            "started_at": iso(self.started_at),
            "active": self.active,
            "paused": self.paused,
            "timeline": [entry.to_dict() for entry in self.timeline],
        }


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
            "computed_at": iso(self.now),
            "next_deadline": iso(self.next_deadline),
            "clocks": {name: clock.to_dict() for name, clock in self.clocks.items()},
        }

    def summary(self) -> dict[str, Any]:
        """The compact derived state stored on the ticket item (integers, no timelines)."""
        return {
            "policy": self.policy,
            "policy_version": self.policy_version,
            "computed_at": iso(self.now),
            "next_deadline": iso(self.next_deadline),
            "breached": any(clock.breached for clock in self.clocks.values()),
            "clocks": {
                name: {
                    "state": clock.state,
                    "due_at": iso(clock.due_at),
                    "breached": clock.breached,
                    "used_seconds": int(clock.used_seconds),
                    "left_seconds": None if clock.left_seconds is None else int(clock.left_seconds),
                    "cycle": clock.cycle,
                }
                for name, clock in self.clocks.items()
            },
        }
