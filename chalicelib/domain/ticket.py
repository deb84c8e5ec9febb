"""Tickets: types, statuses, the lifecycle rules and the priority matrix. Pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.errors import Forbidden, IllegalTransition

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

NEW = "new"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
WAITING = "waiting_on_requester"
RESOLVED = "resolved"
CLOSED = "closed"
CANCELLED = "cancelled"
STATUSES = (NEW, ASSIGNED, IN_PROGRESS, WAITING, RESOLVED, CLOSED, CANCELLED)
OPEN_STATUSES = (NEW, ASSIGNED, IN_PROGRESS, WAITING)
TERMINAL_STATUSES = (CLOSED, CANCELLED)

#: The lifecycle. ``resolved -> in_progress`` is a reopen, allowed within the reopen window.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    NEW: (ASSIGNED, IN_PROGRESS, WAITING, RESOLVED, CANCELLED),
    ASSIGNED: (NEW, IN_PROGRESS, WAITING, RESOLVED, CANCELLED),
    IN_PROGRESS: (ASSIGNED, WAITING, RESOLVED, CANCELLED),
    WAITING: (IN_PROGRESS, RESOLVED, CANCELLED),
    RESOLVED: (IN_PROGRESS, CLOSED),
    CLOSED: (),
    CANCELLED: (),
}

#: What a requester may do to their own ticket: withdraw it while open, and confirm
#: (close) or reopen it once resolved.
REQUESTER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    NEW: (CANCELLED,),
    ASSIGNED: (CANCELLED,),
    IN_PROGRESS: (CANCELLED,),
    WAITING: (IN_PROGRESS, CANCELLED),
    RESOLVED: (IN_PROGRESS, CLOSED),
}

ROLES = ("requester", "agent", "manager", "admin")
STAFF_ROLES = ("agent", "manager", "admin")


def priority_for(impact: str, urgency: str, matrix: Mapping[tuple[str, str], str] | None = None) -> str:
    """The priority code for an impact x urgency pair."""
    return (matrix or DEFAULT_PRIORITY_MATRIX)[(impact, urgency)]


def is_reopen(current: str, target: str) -> bool:
    return current == RESOLVED and target in OPEN_STATUSES


def allowed_transitions(current: str, role: str) -> tuple[str, ...]:
    """The statuses a caller with ``role`` may move a ticket to from ``current``."""
    if role in STAFF_ROLES:
        return TRANSITIONS.get(current, ())
    return REQUESTER_TRANSITIONS.get(current, ())


def check_transition(
    current: str,
    target: str,
    *,
    role: str,
    resolved_at: datetime | None,
    now: datetime,
    reopen_window: timedelta,
) -> None:
    """Raise :class:`IllegalTransition` unless ``current -> target`` is allowed for ``role``.

    A reopen (``resolved`` back to ``in_progress``) is allowed only within ``reopen_window``
    of the resolution; after that a new ticket must be opened.
    """
    allowed = allowed_transitions(current, role)
    if target == current or target not in allowed:
        if target in TRANSITIONS.get(current, ()) and role not in STAFF_ROLES:
            raise Forbidden(f"a requester cannot move a ticket from {current} to {target}", field="to")
        raise IllegalTransition(current, target, allowed)
    if is_reopen(current, target) and resolved_at is not None and now - resolved_at > reopen_window:
        shown = [s for s in allowed if not is_reopen(current, s)]
        raise IllegalTransition(
            current,
            target,
            shown,
            why=f"the reopen window of {reopen_window} after resolution has passed",
        )


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
    #: Everything later capabilities attach (classification, catalog flags...).
    extra: dict[str, Any] = field(default_factory=dict)

    def evolve(self, **changes: Any) -> Ticket:
        return replace(self, **changes)

    def visible_to(self, user: str, role: str) -> bool:
        return role in STAFF_ROLES or self.requester == user


def format_number(ticket_type: str, n: int) -> str:
    return f"{NUMBER_PREFIX[ticket_type]}-{n:06d}"
