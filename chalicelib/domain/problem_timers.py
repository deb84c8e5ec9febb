"""Problem timers: the moments the sweep reminds someone of a problem. Pure, no I/O.

* ``task_due``: a task of the record falls due (not done): its owner is reminded;
* ``risk_review``: an accepted risk's review date (``problem.review_at``) comes: the manager who
  accepted it is reminded.

The sweep fires them on the same ``next_deadline`` index as the SLA clocks
(``chalicelib.services.problem_timers``), each once: its deterministic id is claimed and recorded
in a ``problem_timer`` event.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.instants import iso
from chalicelib.domain.problem import CANCELLED, CLOSED, DUPLICATE, RISK_ACCEPTED, Task, record_of

TASK_DUE = "task_due"
RISK_REVIEW = "risk_review"


@dataclass(frozen=True)
class ProblemTimer:
    """A moment the sweep reminds someone of: a task falling due (its owner), an accepted risk's
    review date (the manager who accepted it). Its id carries the moment, so a moved due date
    gets a reminder of its own and the same moment never fires twice."""

    name: str
    at: datetime
    recipient: str | None
    headline: str
    key: str

    def timer_id(self, number: str) -> str:
        return f"{number}#problem#{self.name}#{self.key}#{iso(self.at)}"


def _task_key(task: Task) -> str:
    return hashlib.sha256(task.title.encode()).hexdigest()[:10]


def problem_timers(ticket: Any, accepted_by: str | None = None) -> list[ProblemTimer]:
    """The timers of a problem as it is now (none once it is closed, cancelled or a duplicate)."""
    record = record_of(ticket)
    if getattr(ticket, "type", None) != "problem" or record is None:
        return []
    if ticket.status in (CLOSED, CANCELLED, DUPLICATE):
        return []
    found = [
        ProblemTimer(TASK_DUE, task.due, task.owner, f"task due: {task.title}", _task_key(task))
        for task in record.tasks
        if task.due is not None and not task.done
    ]
    if ticket.status == RISK_ACCEPTED and record.review_at is not None:
        found.append(
            ProblemTimer(RISK_REVIEW, record.review_at, accepted_by, "the accepted risk is due for review", "review")
        )
    return found
