"""Change timers: the moments a change request's lifecycle must be noticed. Pure, no I/O.

Each timer is a moment computed from the ticket as it is now; the sweep fires the due ones on the
same ``next_deadline`` index as the SLA clocks, each exactly once (its deterministic id is claimed
and recorded in a ``change_timer`` event):

* ``window_start``: the window of a scheduled change opens: a reminder to its implementer group;
* ``window_overrun``: a change still implementing at its window's end;
* ``emergency_authorization_due``: an emergency change's authorization, recorded after the fact,
  is due ``emergency_authorization_hours`` after implementation started;
* ``review_due``: a change in review for ``review_days``;
* ``els_end``: the end of early-life support (``els_hours`` after implementation ended).

A timer's id carries its moment, so a rescheduled window gets a reminder of its own, and the same
moment never fires twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.change import EMERGENCY, ChangePlan, early_life_support_end
from chalicelib.domain.events import EventKind
from chalicelib.domain.instants import iso

#: The event that records a fired timer: after ``{"timer", "timer_id", "at"}``.
CHANGE_TIMER_EVENT = EventKind.CHANGE_TIMER

WINDOW_START = "window_start"
WINDOW_OVERRUN = "window_overrun"
EMERGENCY_AUTHORIZATION_DUE = "emergency_authorization_due"
REVIEW_DUE = "review_due"
ELS_END = "els_end"

TERMINAL = ("closed", "cancelled")


@dataclass(frozen=True)
class TimerSettings:
    """How long an emergency change's authorization and a review may wait (settings
    ``CHANGE_EMERGENCY_AUTHORIZATION_HOURS``, ``CHANGE_REVIEW_DAYS``)."""

    emergency_authorization_hours: int = 24
    review_days: int = 5


@dataclass(frozen=True)
class ChangeTimer:
    name: str
    at: datetime
    #: Who hears of it: the implementer group (when the plan names one), else operations.
    recipient: str
    headline: str

    def timer_id(self, number: str) -> str:
        return f"{number}#change#{self.name}#{iso(self.at)}"


def timers(ticket: Any, settings: TimerSettings) -> list[ChangeTimer]:
    """The timers of ``ticket`` in its present state (none for other tickets)."""
    plan = getattr(ticket, "change", None)
    if getattr(ticket, "type", None) != "change_request" or not isinstance(plan, ChangePlan):
        return []
    status = ticket.status
    group = plan.implementer_group or "operations"
    found: list[ChangeTimer] = []
    if status == "scheduled" and plan.window is not None:
        found.append(ChangeTimer(WINDOW_START, plan.window.start, group, "its change window opens"))
    if status == "implementing" and plan.window is not None:
        found.append(ChangeTimer(WINDOW_OVERRUN, plan.window.end, group, "still implementing at its window's end"))
    if plan.model == EMERGENCY and not plan.decided and plan.actual_start is not None and status not in TERMINAL:
        at = plan.actual_start + timedelta(hours=settings.emergency_authorization_hours)
        found.append(ChangeTimer(EMERGENCY_AUTHORIZATION_DUE, at, group, "its emergency authorization is due"))
    resolved_at = getattr(ticket, "resolved_at", None)
    if status == "review" and resolved_at is not None:
        at = resolved_at + timedelta(days=settings.review_days)
        found.append(ChangeTimer(REVIEW_DUE, at, group, "its review is due"))
    els_end = early_life_support_end(ticket)
    if els_end is not None and status != "cancelled":
        found.append(ChangeTimer(ELS_END, els_end, group, "its early-life support ends"))
    return found


def fired_ids(events: Iterable[Any]) -> set[str]:
    """The ids of the timers the ticket's events say have fired."""
    return {str(e.after.get("timer_id")) for e in events if e.kind == CHANGE_TIMER_EVENT}


def due_timers(ticket: Any, events: Sequence[Any], now: datetime, settings: TimerSettings) -> list[ChangeTimer]:
    """The timers whose moment has come and that have not fired."""
    fired = fired_ids(events)
    return [t for t in timers(ticket, settings) if t.at <= now and t.timer_id(ticket.number) not in fired]


def next_timer_at(ticket: Any, events: Sequence[Any], settings: TimerSettings) -> datetime | None:
    """The nearest moment of a timer that has not fired (None: none is left)."""
    fired = fired_ids(events)
    pending = [t.at for t in timers(ticket, settings) if t.timer_id(ticket.number) not in fired]
    return min(pending, default=None)
