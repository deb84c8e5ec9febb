"""The agent's queues (``GET /queues``, ``GET /queues/{name}``): each one index Query or a few.

========== =================================================================================
queue      what it holds
========== =================================================================================
mine       the caller's open tickets, newest first (``by_assignee``)
waiting    the caller's tickets waiting on their requester (``by_assignee``)
group      the open tickets of one of the caller's groups (``by_group``; ``group=`` names it)
unassigned the open tickets of that group nobody is assigned (``by_group``)
breaching  open tickets whose next SLA deadline (a warning or a breach) falls within
           :data:`BREACHING_SOON`, soonest first (the sparse deadline index, one Query a shard);
           an agent sees those of their groups and their own, a manager all
triage     what awaits the Service Manager's triage, oldest first
========== =================================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.domain.errors import Forbidden, ValidationFailed
from chalicelib.domain.identity import STAFF_ROLES, Identity, role_rank
from chalicelib.services.ports import TicketFilter, TicketPage
from chalicelib.services.tickets import TicketService

#: How far ahead "breaching soon" looks.
BREACHING_SOON = timedelta(hours=4)

QUEUES = ("mine", "waiting", "group", "unassigned", "breaching", "triage")
#: Queues of one group (``group=`` names it).
GROUP_QUEUES = frozenset({"group", "unassigned"})


@dataclass(frozen=True)
class QueueEntry:
    """One queue the caller may open: its name, the group it is of (if any) and a label."""

    name: str
    label: str
    group: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "group": self.group}


class QueueService:
    def __init__(
        self,
        tickets: TicketService,
        groups_of: Callable[[str], tuple[str, ...]],
        all_groups: Callable[[], Collection[str]],
    ) -> None:
        self.tickets = tickets
        self.groups_of = groups_of
        self.all_groups = all_groups

    def _manager(self, caller: Identity) -> bool:
        return role_rank(caller.role) >= role_rank("manager")

    def queues(self, caller: Identity) -> list[QueueEntry]:
        """The queues the caller may open: their own, their groups', and (managers) every group's."""
        caller.require(*STAFF_ROLES)
        out = [
            QueueEntry("mine", "Assigned to me"),
            QueueEntry("waiting", "Waiting on the requester"),
            QueueEntry("breaching", "Breaching soon"),
            QueueEntry("triage", "Triage"),
        ]
        groups = sorted(self.all_groups()) if self._manager(caller) else self.groups_of(caller.user)
        for group in groups:
            out.append(QueueEntry("group", f"Group {group}", group))
            out.append(QueueEntry("unassigned", f"Unassigned in {group}", group))
        return out

    def queue(self, name: str, caller: Identity, group: str | None, limit: int, cursor: str | None) -> TicketPage:
        """One queue's page (see the module table)."""
        caller.require(*STAFF_ROLES)
        if name not in QUEUES:
            raise ValidationFailed([{"field": "name", "reason": f"must be one of {', '.join(QUEUES)}"}])
        if name in GROUP_QUEUES:
            if group is None:
                raise ValidationFailed([{"field": "group", "reason": f"the {name} queue is of one group: name it"}])
            if not self._manager(caller) and group not in self.groups_of(caller.user):
                raise Forbidden(f"{caller.user} is not in group {group}", field="group")
        elif group is not None:
            raise ValidationFailed([{"field": "group", "reason": f"the {name} queue is not of a group"}])
        if name == "mine":
            return self.tickets.list_tickets(TicketFilter(assignee=caller.user, open_only=True), caller, limit, cursor)
        if name == "waiting":
            mine = TicketFilter(assignee=caller.user, status="waiting_on_requester")
            return self.tickets.list_tickets(mine, caller, limit, cursor)
        if name == "group":
            return self.tickets.list_tickets(TicketFilter(group=group, open_only=True), caller, limit, cursor)
        if name == "unassigned":
            unassigned = TicketFilter(group=group, open_only=True, unassigned=True)
            return self.tickets.list_tickets(unassigned, caller, limit, cursor)
        if name == "triage":
            return self.tickets.triage_queue(caller, limit, cursor)
        if cursor is not None:
            raise ValidationFailed([{"field": "cursor", "reason": "the breaching queue is one page"}])
        due = self.tickets.repository.due_before(self.tickets.clock() + BREACHING_SOON, limit)
        if not self._manager(caller):
            groups = set(self.groups_of(caller.user))
            due = [t for t in due if t.group in groups or t.assignee == caller.user]
        return TicketPage(due, None)
