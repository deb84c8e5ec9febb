"""Tickets: types, status names, roles and the priority matrix. Pure, no I/O.

Each process's lifecycle (who may move a ticket where) is declared in ``chalicelib.domain.processes``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.classification import Classification, RoutingDecision, Triage
from chalicelib.domain.identity import STAFF_ROLES

if TYPE_CHECKING:
    from chalicelib.domain.change import ChangePlan
    from chalicelib.domain.links import Link
    from chalicelib.domain.problem import ProblemRecord

TICKET_TYPES = ("incident", "service_request", "change_request", "problem")
#: Types a requester may open; ``problem`` is opened by the desk (agents and above).
REQUESTER_TYPES = ("incident", "service_request", "change_request")
NUMBER_PREFIX = {"incident": "INC", "service_request": "REQ", "change_request": "CHG", "problem": "PRB"}
LEVELS = ("high", "medium", "low")

#: When the requester leaves impact or urgency out, the desk still takes the ticket
#: (seed 000: "If business need is not conveyed in the ticket, the ticket gets processed and
#: prioritized according to our best understanding of the business need") with this value and
#: flags it as defaulted so the Service Manager can review it.
DEFAULT_LEVEL = "medium"

#: Impact x urgency -> priority (ITSM.express); configurable per desk.
DEFAULT_PRIORITY_MATRIX: dict[tuple[str, str], str] = {
    ("high", "high"): "P1",
    ("high", "medium"): "P2",
    ("medium", "high"): "P2",
    ("high", "low"): "P3",
    ("medium", "medium"): "P3",
    ("low", "high"): "P3",
    ("medium", "low"): "P4",
    ("low", "medium"): "P4",
    ("low", "low"): "P5",
}



def priority_for(impact: str, urgency: str, matrix: Mapping[tuple[str, str], str] | None = None) -> str:
    """The priority code for an impact x urgency pair."""
    return (matrix or DEFAULT_PRIORITY_MATRIX)[(impact, urgency)]


@dataclass(frozen=True)
class Ticket:
    """A ticket as the services see it. ``version`` is the optimistic-lock counter."""

    number: str
    type: str
    title: str
    description: str
    requester: str
    status: str
    impact: str
    urgency: str
    priority: str
    created_at: datetime
    updated_at: datetime
    impact_defaulted: bool = False
    urgency_defaulted: bool = False
    service: str | None = None
    tags: tuple[str, ...] = ()
    assignee: str | None = None
    group: str | None = None
    monitor: str | None = None
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    reopen_count: int = 0
    version: int = 1
    event_seq: int = 0
    vip: bool = False
    business_unit: str | None = None
    #: Derived state written with each change; see ``chalicelib.domain.sla``.
    sla: dict[str, Any] = field(default_factory=dict)
    #: Nearest warning or breach instant of any running clock; None when no clock runs.
    next_deadline: datetime | None = None
    #: What intake decided (None: opened without classification), who routing chose, and
    #: whether the ticket waits in triage; see ``chalicelib.domain.classification``.
    classification: Classification | None = None
    routing: RoutingDecision | None = None
    triage: Triage = field(default_factory=Triage)
    #: A change request's plan, risk, approvals and outcome (``chalicelib.domain.change``).
    change: ChangePlan | None = None
    #: Links to other tickets (``chalicelib.domain.links``).
    links: tuple[Link, ...] = ()
    #: A problem's record: statement, root causes, workaround, symptoms, tasks (``chalicelib.domain.problem``).
    problem: ProblemRecord | None = None
    #: When the requester confirmed the resolution of an incident the closure gate still holds.
    confirmed_at: datetime | None = None
    #: The known errors (and public articles) intake found matching the ticket, best first,
    #: each ``{"problem"|"article", "score", "workaround"|"answer", "matched"}``.
    matches: tuple[dict[str, Any], ...] = ()

    def evolve(self, **changes: Any) -> Ticket:
        return replace(self, **changes)

    @property
    def out_of_catalog(self) -> bool:
        """Intake found no catalog service for it (and nobody has corrected the service since)."""
        return self.classification is not None and self.classification.out_of_catalog

    @property
    def awaits_triage(self) -> bool:
        """In the Service Manager's triage queue: intake or a contest asked for its classification
        to be checked, nobody has corrected it since, and it is not closed or cancelled (an
        ended ticket takes no correction, so it would wait there for ever)."""
        from chalicelib.domain.processes import phase_of

        return self.triage.pending and not phase_of(self.type, self.status).is_terminal

    def visible_to(self, user: str, role: str) -> bool:
        return role in STAFF_ROLES or self.requester == user


def format_number(ticket_type: str, n: int) -> str:
    return f"{NUMBER_PREFIX[ticket_type]}-{n:06d}"
