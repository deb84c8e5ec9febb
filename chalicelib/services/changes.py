"""Change request use cases: edit the plan, decide on it (the one approval), list what awaits a decision.

The rules are the domain's (``chalicelib.domain.change``: the plan, risk, approval rules; the
change lifecycles in ``chalicelib.domain.processes``); this module reads what they need (the
catalog's services, the desk's groups, an agent's groups, who submitted the change) and commits
each change through the ticket service, so every edit is one version-guarded write with its events
and the clocks kept in step.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.change import (
    APPROVE,
    DECISIONS,
    REJECT,
    Approval,
    Approver,
    ChangePlan,
    RiskBands,
    apply_edit,
    approval_refusal,
    awaits_approval,
    parse_plan_edit,
    submitter_of,
)
from chalicelib.domain.conflicts import (
    ConflictNote,
    Freeze,
    Slot,
    calendar,
    find_conflicts,
    freezes_hit,
    overlaps,
)
from chalicelib.domain.errors import Conflict, Forbidden, IllegalTransition, StaleVersion, ValidationFailed
from chalicelib.domain.events import EventKind
from chalicelib.domain.identity import Identity, role_rank
from chalicelib.domain.instants import iso
from chalicelib.domain.lifecycle import DESK, MoveFacts
from chalicelib.domain.processes import lifecycle_of
from chalicelib.domain.ticket import STAFF_ROLES, Ticket
from chalicelib.observability import tracer
from chalicelib.services.configuration import AGENT, GROUP, SERVICE, ConfigService
from chalicelib.services.tickets import TicketService

#: The longest ``GET /approvals`` page.
MAX_QUEUE = 100


class ChangeDirectory(Protocol):
    """What the change rules read from the desk's configuration."""

    def services(self) -> Collection[str]:
        """The catalog's service names."""
        ...

    def groups(self) -> Collection[str]:
        """The desk's support group names."""
        ...

    def groups_of(self, user: str) -> tuple[str, ...]:
        """The groups of the agent ``user`` (none when not an agent)."""
        ...


class ApprovalQueue(Protocol):
    """The changes awaiting a group's decision (an index query, oldest first)."""

    def awaiting_approval(self, group: str, limit: int) -> list[Ticket]: ...


class SlotIndex(Protocol):
    """Change windows per service (one Query per service over a bounded start range)."""

    def overlapping(self, service: str, start: datetime, end: datetime) -> list[Slot]: ...


class ConfiguredChangeDirectory:
    """:class:`ChangeDirectory` over the configuration documents (services, groups, agents)."""

    def __init__(self, config: ConfigService) -> None:
        self.config = config

    def services(self) -> Collection[str]:
        return {doc.name for doc in self.config.latest_all(SERVICE)}

    def groups(self) -> Collection[str]:
        return {doc.name for doc in self.config.latest_all(GROUP)}

    def groups_of(self, user: str) -> tuple[str, ...]:
        for doc in self.config.latest_all(AGENT):
            if doc.name == user:
                return tuple(str(g) for g in doc.body.get("groups") or ())
        return ()


def _change_ticket(ticket: Ticket, what: str) -> ChangePlan | None:
    if ticket.type != "change_request":
        raise ValidationFailed(
            [{"field": "number", "reason": f"{ticket.number} is a {ticket.type}: only change requests have {what}"}]
        )
    if lifecycle_of(ticket).phase(ticket.status).is_terminal:
        raise ValidationFailed([{"field": "number", "reason": f"a {ticket.status} change takes no more {what}"}])
    return ticket.change


class ChangeService:
    def __init__(
        self,
        tickets: TicketService,
        queue: ApprovalQueue,
        directory: ChangeDirectory,
        *,
        bands: RiskBands | None = None,
        slots: SlotIndex | None = None,
        freezes: Callable[[], Sequence[Freeze]] | None = None,
    ) -> None:
        self.tickets = tickets
        self.queue = queue
        self.directory = directory
        self.bands = bands or RiskBands()
        self.slots = slots
        self.freezes = freezes or (lambda: ())

    # -- conflicts and freezes --------------------------------------------------------------

    def checked(self, number: str, plan: ChangePlan) -> ChangePlan:
        """``plan`` with its conflicts (one Query per service) and the freezes its window falls in."""
        window = plan.window
        if window is None or not plan.services:
            return plan.evolve(conflicts=(), freezes=())
        found: list[Slot] = []
        if self.slots is not None:
            for service in plan.services:
                found.extend(self.slots.overlapping(service, window.start, window.end))
        conflicts = find_conflicts(number, window.start, window.end, plan.services, found)
        hit = freezes_hit(window.start, window.end, plan.services, self.freezes())
        return plan.evolve(conflicts=tuple(conflicts), freezes=tuple(f"{f.name}: {f.reason}" for f in hit))

    def calendar(self, start: datetime, end: datetime, service: str | None, caller: Identity) -> dict[str, Any]:
        """``GET /changes/calendar``: the scheduled and implementing changes and the freezes in
        ``[start, end)``, on ``service`` or on every catalog service (one Query per service)."""
        caller.require(*STAFF_ROLES)
        known = self.directory.services()
        if service is not None and service not in known:
            raise ValidationFailed([{"field": "service", "reason": f"{service} is not a service of the catalog"}])
        services = [service] if service is not None else sorted(known)
        found: list[Slot] = []
        if self.slots is not None:
            for name in services:
                found.extend(self.slots.overlapping(name, start, end))
        freezes = [
            f.to_dict()
            for f in sorted(self.freezes(), key=lambda f: (f.start, f.name))
            if overlaps(f.start, f.end, start, end) and (service is None or not f.services or service in f.services)
        ]
        return {"from": iso(start), "to": iso(end), "changes": calendar(found, start, end), "freezes": freezes}

    def _tell_others(self, number: str, before: ChangePlan | None, after: ChangePlan, caller: Identity) -> None:
        """List (or unlist) this change on the changes it now conflicts (or no longer conflicts) with."""
        old = {c.number for c in before.conflicts} if before is not None else set()
        new = {c.number: c for c in after.conflicts}
        for other in sorted(old | set(new)):
            ticket = self.tickets.repository.get(other)
            if ticket is None or ticket.change is None or lifecycle_of(ticket).phase(ticket.status).is_terminal:
                continue
            kept = tuple(c for c in ticket.change.conflicts if c.number != number)
            if other in new:
                assert after.window is not None
                shared = sorted(set(after.services).intersection(ticket.change.services))
                reason = f"{number} shares {', '.join(shared)} in an overlapping window"
                kept = (*kept, ConflictNote(number, reason))
            if kept == ticket.change.conflicts:
                continue
            updated = ticket.change.evolve(conflicts=tuple(sorted(kept, key=lambda c: c.number)))

            def write(draft: Any, updated: ChangePlan = updated, was: ChangePlan = ticket.change) -> None:
                draft.ticket = draft.ticket.evolve(change=updated)
                draft.add(
                    EventKind.CHANGE_PLANNED,
                    {"conflicts": [c.to_dict() for c in was.conflicts]},
                    {"conflicts": [c.to_dict() for c in updated.conflicts]},
                    f"conflict check of {number}",
                )

            try:
                self.tickets.amend(ticket, caller, write)
            except StaleVersion:
                continue  # the other change moved on; its own next check lists this one

    def _load(self, number: str, caller: Identity, version: int) -> Ticket:
        ticket = self.tickets.get_ticket(number, caller)
        if version != ticket.version:
            raise StaleVersion(version, ticket.version)
        return ticket

    # -- the plan ---------------------------------------------------------------------------

    @tracer.capture_method
    def plan(self, number: str, body: Mapping[str, Any], caller: Identity) -> Ticket:
        """Set any of the plan's fields (``PUT /tickets/{number}/change``); recorded as a
        ``change_planned`` event with before/after. A material edit voids the approvals given so
        far (recorded), and sends a scheduled change back to authorization."""
        caller.require(*STAFF_ROLES)
        edit = parse_plan_edit(
            body, services=self.directory.services(), groups=self.directory.groups(), bands=self.bands
        )
        ticket = self._load(number, caller, edit.version)
        current = _change_ticket(ticket, "a change plan")
        change = apply_edit(current, edit, ticket.status)
        if {"window", "services"}.intersection(change.after):
            checked = self.checked(number, change.plan)
            if checked.conflicts != change.plan.conflicts:
                change.after["conflicts"] = [c.to_dict() for c in checked.conflicts]
            change = replace(change, plan=checked)

        def write(draft: Any) -> None:
            if not change.after:
                return
            draft.ticket = draft.ticket.evolve(change=change.plan)
            draft.add(EventKind.CHANGE_PLANNED, change.before, change.after)
            if change.voided:
                draft.add(
                    EventKind.CHANGE_APPROVALS_VOIDED,
                    {"approvals": [a.to_dict() for a in change.voided]},
                    {"approvals": []},
                    f"the plan changed after its approval: {', '.join(sorted(change.after))}",
                )
                back = lifecycle_of(draft.ticket).desk_move(draft.ticket.status, "reauthorize")
                if back is not None:
                    self.tickets.apply_move(draft, back.target, "the approved plan changed")

        stored = self.tickets.amend(ticket, caller, write)
        if stored is not ticket and stored.change is not None:
            self._tell_others(number, current, stored.change, caller)
        return stored

    # -- the one approval -------------------------------------------------------------------

    @tracer.capture_method
    def decide(self, number: str, decision: str, comment: str | None, version: int, caller: Identity) -> Ticket:
        """The implementer group's decision (``POST /tickets/{number}/approvals``). An approval
        moves a change in authorization on to ``scheduled``; a rejection sends it to
        ``rejected`` with the comment as the reason. An emergency change's decision is recorded
        after the fact and moves nothing."""
        if decision not in DECISIONS:
            raise ValidationFailed([{"field": "decision", "reason": f"must be one of {', '.join(DECISIONS)}"}])
        if decision == REJECT and not (comment and comment.strip()):
            raise ValidationFailed([{"field": "comment", "reason": "a rejection says why"}])
        ticket = self._load(number, caller, version)
        plan = _change_ticket(ticket, "decisions")
        if plan is None or not awaits_approval(ticket.status, plan):
            raise Conflict(
                f"{number} awaits no decision: it is {ticket.status}"
                + ("" if plan is not None and plan.implementer_group else " and names no implementer_group"),
                field="decision",
            )
        submitter = submitter_of(
            plan.model,
            [
                (e.actor, str(e.after.get("status")))
                for e in self.tickets.repository.events(number)
                if e.kind == EventKind.STATUS_CHANGED
            ],
        )
        approver = Approver(
            caller.user, role_rank(caller.role) >= role_rank("manager"), self.directory.groups_of(caller.user)
        )
        refusal = approval_refusal(plan, requester=ticket.requester, submitter=submitter, approver=approver)
        if refusal is not None:
            raise Forbidden(refusal, field="decision")
        now = self.tickets.clock()

        def write(draft: Any) -> None:
            approval = Approval(caller.user, decision, now, comment, cab=approver.manager)
            fresh = self.checked(number, plan) if decision == APPROVE else plan
            draft.ticket = draft.ticket.evolve(change=fresh.evolve(approvals=(*plan.approvals, approval)))
            draft.add(EventKind.CHANGE_DECIDED, {}, {"decision": decision, "comment": comment}, comment)
            word = "schedule" if decision == APPROVE else "reject"
            flow = lifecycle_of(draft.ticket)
            if flow.desk_move(draft.ticket.status, word) is None:
                return
            facts = MoveFacts(draft.ticket, comment, now, self.tickets.reopen_window)
            try:
                chosen = flow.check(draft.ticket.status, word, DESK, facts)
            except IllegalTransition:
                return  # recorded; the move waits for what it still misses
            self.tickets.apply_move(draft, chosen.target, comment or f"{decision}d by {caller.user}")

        return self.tickets.amend(ticket, caller, write)

    def awaiting(self, caller: Identity, limit: int = 25) -> list[Ticket]:
        """The changes awaiting the caller's decision (``GET /approvals``), oldest first: those of
        the caller's groups (a manager: every group's), without the caller's own requests."""
        caller.require(*STAFF_ROLES)
        manager = role_rank(caller.role) >= role_rank("manager")
        groups: Sequence[str] = sorted(self.directory.groups()) if manager else self.directory.groups_of(caller.user)
        found: dict[str, Ticket] = {}
        for group in groups:
            for ticket in self.queue.awaiting_approval(group, limit):
                if ticket.requester != caller.user:
                    found[ticket.number] = ticket
        return sorted(found.values(), key=lambda t: (t.created_at, t.number))[:limit]
