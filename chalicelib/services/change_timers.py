"""Change timers on the sweep (``chalicelib.domain.change_timers``): the window's start and overrun,
the emergency authorization and the review falling due, the end of early-life support.

:class:`ChangeTimers` has the shape of the escalations the sweep already runs (``next_at``: the
nearest timer, folded into the ticket's ``next_deadline``; ``plan``: the due timers' events, claims
and notices), so each timer fires in the sweep's one transaction per ticket, claimed under its
deterministic id: exactly once, however many sweeps overlap. :class:`StepsInTurn` runs the
escalations and the change timers as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.change_timers import (
    CHANGE_TIMER_EVENT,
    ChangeTimer,
    TimerSettings,
    due_timers,
    next_timer_at,
)
from chalicelib.domain.instants import iso
from chalicelib.domain.notice import CHANGE_TIMER, OPERATIONS, Notice
from chalicelib.domain.ticket import Ticket
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.ports import Claim

#: The notice kind of a change timer.
CHANGE_TIMER_NOTICE = CHANGE_TIMER


class GroupLeads(Protocol):
    def group_lead(self, group: str | None) -> str | None: ...


class Steps(Protocol):
    def next_at(self, ticket: Ticket, events: Sequence[Any], now: datetime) -> datetime | None: ...

    def plan(
        self, ticket: Ticket, events: Sequence[Any], now: datetime
    ) -> tuple[Ticket, list[dict[str, Any]], list[Claim], list[Notice]]: ...


class ChangeTimers:
    def __init__(
        self, notices: NoticeFactory, leads: GroupLeads | None = None, settings: TimerSettings | None = None
    ) -> None:
        self.notices = notices
        self.leads = leads
        self.settings = settings or TimerSettings()

    def next_at(self, ticket: Ticket, events: Sequence[Any], now: datetime) -> datetime | None:
        return next_timer_at(ticket, events, self.settings)

    def plan(
        self, ticket: Ticket, events: Sequence[Any], now: datetime
    ) -> tuple[Ticket, list[dict[str, Any]], list[Claim], list[Notice]]:
        new_events: list[dict[str, Any]] = []
        claims: list[Claim] = []
        notices: list[Notice] = []
        for timer in due_timers(ticket, events, now, self.settings):
            timer_id = timer.timer_id(ticket.number)
            after = {"timer": timer.name, "timer_id": timer_id, "at": iso(timer.at)}
            new_events.append({"kind": CHANGE_TIMER_EVENT, "after": after, "note": timer.headline})
            claims.append(Claim(timer_id, now, ticket.number, after))
            notices.extend(self._notice(ticket, timer, timer_id, now))
        return ticket, new_events, claims, notices

    def _notice(self, ticket: Ticket, timer: ChangeTimer, timer_id: str, now: datetime) -> list[Notice]:
        lead = self.leads.group_lead(timer.recipient) if self.leads is not None else None
        recipient = lead or "operations"
        text = f"{ticket.number} ({ticket.title}): {timer.headline} ({iso(timer.at)}). {self.notices.link(ticket)}"
        return self.notices.build(
            happened=timer_id,
            kind=CHANGE_TIMER_NOTICE,
            ticket=ticket,
            recipient=recipient,
            subject=f"{ticket.number}: {timer.headline}",
            text=text,
            now=now,
            audience=OPERATIONS,
            data={"type": ticket.type, "priority": ticket.priority, "tags": list(ticket.tags), "timer": timer.name},
        )


class StepsInTurn:
    """Several step sources (escalations, change timers) as one: the nearest moment of any, and
    every due step of each, in turn."""

    def __init__(self, *sources: Steps) -> None:
        self.sources = sources

    def next_at(self, ticket: Ticket, events: Sequence[Any], now: datetime) -> datetime | None:
        moments = [at for source in self.sources if (at := source.next_at(ticket, events, now)) is not None]
        return min(moments, default=None)

    def plan(
        self, ticket: Ticket, events: Sequence[Any], now: datetime
    ) -> tuple[Ticket, list[dict[str, Any]], list[Claim], list[Notice]]:
        all_events: list[dict[str, Any]] = []
        claims: list[Claim] = []
        notices: list[Notice] = []
        for source in self.sources:
            ticket, step_events, step_claims, step_notices = source.plan(ticket, events, now)
            all_events += step_events
            claims += step_claims
            notices += step_notices
        return ticket, all_events, claims, notices
