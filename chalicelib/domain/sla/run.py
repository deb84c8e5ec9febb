"""One clock during a replay: its working time, thresholds, pauses and cycles. Pure.

:class:`ClockRun` holds the mutable state of one clock while
:func:`~chalicelib.domain.sla.replay.compute_clocks` replays a ticket's events, and turns it into
a :class:`~chalicelib.domain.sla.clocks.Clock` with :meth:`ClockRun.snapshot`. The rules it
implements (working time, thresholds, breach, pause, scheduled targets) are those of the replay's
module docstring.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.instants import format_seconds, iso, utc
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.clocks import (
    AWAITING_SCHEDULE,
    BREACHED,
    CLOCK_CANCELLED,
    MET,
    PAUSED,
    PENDING,
    REOPENED,
    RESTART,
    RUNNING,
    Clock,
    TimelineEntry,
    format_threshold,
)
from chalicelib.domain.sla.policy import SlaPolicy, TargetSpec


class ClockRun:
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
        self.timeline.append(TimelineEntry(utc(at), what, detail))

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
            return "as scheduled" + (f" (due {iso(self.due_set)})" if self.due_set else "")
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

    def reopen(self, at: datetime) -> None:
        """Resume a clock stopped at ``resolved`` as a new cycle, carrying used time."""
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

    def reopen_fresh(self, at: datetime, priority: str) -> None:
        """Start a clock over at a reopen: a new cycle with nothing used, or its first start."""
        if self.started:
            self.stopped = None
            self.restart_cycle(at, REOPENED, "ticket reopened")
        else:
            self.start(at, priority, "ticket reopened")

    def restart_cycle(self, at: datetime, what: str, why: str) -> None:
        """A running clock starts over: new cycle, nothing used."""
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
            self.note(at, "due_date_set", f"due {iso(due)}")
        else:
            self.note(
                at, "due_date_set", f"due {iso(due)} recorded; the target is a duration and keeps its own"
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
            due_at=None if due is None else utc(due),
            warn_at=self.thresholds,
            warning_at=[None if at is None else utc(at) for at in warning_at],
            breached_at=None if self.breached_at is None else utc(self.breached_at),
            paused_seconds=paused_seconds,
            met_at=None if self.met_at is None else utc(self.met_at),
            cycle=self.cycle,
            started_at=None if self.started_at is None else utc(self.started_at),
            active=self.active,
            paused=self.paused,
            timeline=timeline,
        )
