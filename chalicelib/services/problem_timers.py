"""Problem timers on the sweep (``chalicelib.domain.problem.problem_timers``): a task falling due
reminds its owner; an accepted risk's review date reminds the manager who accepted it.

:class:`ProblemTimers` has the sweep's step shape (``next_at``: the nearest timer not fired, folded
into the ticket's ``next_deadline``; ``plan``: the due timers' events, claims and notices), so each
reminder fires once, claimed under its deterministic id in the sweep's one transaction per ticket.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.domain.events import EventKind
from chalicelib.domain.instants import iso
from chalicelib.domain.notice import OPERATIONS, PROBLEM_TIMER, Notice
from chalicelib.domain.problem import RISK_ACCEPTED
from chalicelib.domain.problem_timers import ProblemTimer, problem_timers
from chalicelib.domain.ticket import Ticket
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.ports import Claim

PROBLEM_TIMER_NOTICE = PROBLEM_TIMER


def _fired(events: Sequence[Any]) -> set[str]:
    return {str(e.after.get("timer_id")) for e in events if e.kind == EventKind.PROBLEM_TIMER}


def _accepted_by(events: Sequence[Any]) -> str | None:
    found = None
    for e in events:
        if e.kind == EventKind.STATUS_CHANGED and e.after.get("status") == RISK_ACCEPTED:
            found = e.actor
    return found


class ProblemTimers:
    def __init__(self, notices: NoticeFactory, fallback: str) -> None:
        self.notices = notices
        #: Who hears of a timer without a recipient (the Service Manager).
        self.fallback = fallback

    def _pending(self, ticket: Ticket, events: Sequence[Any]) -> list[ProblemTimer]:
        if ticket.type != "problem":
            return []
        fired = _fired(events)
        return [t for t in problem_timers(ticket, _accepted_by(events)) if t.timer_id(ticket.number) not in fired]

    def next_at(self, ticket: Ticket, events: Sequence[Any], now: datetime) -> datetime | None:
        return min((t.at for t in self._pending(ticket, events)), default=None)

    def plan(
        self, ticket: Ticket, events: Sequence[Any], now: datetime
    ) -> tuple[Ticket, list[dict[str, Any]], list[Claim], list[Notice]]:
        new_events: list[dict[str, Any]] = []
        claims: list[Claim] = []
        notices: list[Notice] = []
        for timer in self._pending(ticket, events):
            if timer.at > now:
                continue
            timer_id = timer.timer_id(ticket.number)
            after = {"timer": timer.name, "timer_id": timer_id, "at": iso(timer.at)}
            new_events.append({"kind": EventKind.PROBLEM_TIMER, "after": after, "note": timer.headline})
            claims.append(Claim(timer_id, now, ticket.number, after))
            recipient = timer.recipient or self.fallback
            notices.extend(
                self.notices.build(
                    happened=timer_id,
                    kind=PROBLEM_TIMER_NOTICE,
                    ticket=ticket,
                    recipient=recipient,
                    subject=f"{ticket.number}: {timer.headline}",
                    text=f"{ticket.number} ({ticket.title}): {timer.headline} ({iso(timer.at)}). "
                    f"{self.notices.link(ticket)}",
                    now=now,
                    audience=OPERATIONS,
                    data={"type": ticket.type, "priority": ticket.priority, "timer": timer.name},
                )
            )
        return ticket, new_events, claims, notices
