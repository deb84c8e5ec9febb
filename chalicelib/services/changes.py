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
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.change import (
    APPROVE,
    DECISIONS,
    REJECT,
    SENT_TO_PROCESSES,
    Approval,
    Approver,
    ChangePlan,
    PlanChange,
    RiskBands,
    SentTo,
    apply_edit,
    approval_refusal,
    awaits_approval,
    in_early_life_support,
    parse_plan_edit,
    submitter_of,
)
from chalicelib.domain.change_templates import (
    ChangeTemplate,
    ReviewFlag,
    flagged,
    from_template,
    review_reason,
    standard_refusals,
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
from chalicelib.domain.errors import (
    Conflict,
    Forbidden,
    IllegalTransition,
    IntakeAlreadyStored,
    StaleVersion,
    ValidationFailed,
)
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.identity import STAFF_ROLES, SYSTEM, Identity, role_rank
from chalicelib.domain.instants import iso
from chalicelib.domain.lifecycle import DESK, MoveFacts
from chalicelib.domain.links import Link
from chalicelib.domain.processes import NEW, lifecycle_of
from chalicelib.domain.quiet_hours import EARLY_LIFE_SUPPORT_TAG
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import logger, tracer
from chalicelib.services.configuration import AGENT, CHANGE_TEMPLATE, GROUP, SERVICE, ConfigService
from chalicelib.services.ports import IntakeKey
from chalicelib.services.tickets import OpenTicket, TicketService

if TYPE_CHECKING:
    from chalicelib.services.links import LinkService

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


class ChangeTemplates(Protocol):
    """The standard change templates (versioned configuration documents)."""

    def template(self, name: str, version: int | None = None) -> ChangeTemplate | None:
        """The template ``name`` (its latest version, or ``version``); None when there is none."""
        ...

    def flag(self, name: str, flag: ReviewFlag) -> None:
        """Store the template's next version flagged for review (once per change)."""
        ...


class ChangesInSupport(Protocol):
    """The change requests still in early-life support (an index query)."""

    def in_early_life_support(self, now: datetime) -> list[Ticket]: ...


#: Tries at recording a decision while other approvers' decisions are written.
DECIDE_ATTEMPTS = 5


def decided_since(events: Sequence[TicketEvent], seen: int, current: int) -> bool:
    """Whether every write from version ``seen`` up to ``current`` was a decision (each
    ``change_decided`` event names the version it was written on)."""
    if seen > current:
        return False
    on = {e.after.get("on_version") for e in events if e.kind == EventKind.CHANGE_DECIDED}
    return all(v in on for v in range(seen, current))


#: Tries at storing a template's flagged version while others store versions of it.
FLAG_ATTEMPTS = 3


class ConfiguredChangeTemplates:
    """:class:`ChangeTemplates` over the ``change_template`` documents."""

    def __init__(self, config: ConfigService) -> None:
        self.config = config

    def template(self, name: str, version: int | None = None) -> ChangeTemplate | None:
        if version is not None:
            found: ChangeTemplate | None = self.config.parsed_exact(CHANGE_TEMPLATE, name, version)
            return found
        for doc in self.config.latest_all(CHANGE_TEMPLATE):
            if doc.name == name:
                latest: ChangeTemplate = self.config.parsed(doc)
                return latest
        return None

    def flag(self, name: str, flag: ReviewFlag) -> None:
        self.config.forget_cache()
        for _ in range(FLAG_ATTEMPTS):
            current = self.config.repository.latest(CHANGE_TEMPLATE, name)
            if current is None:
                return
            body = flagged(current.body, flag)
            if body is None:
                return
            try:
                self.config.update(CHANGE_TEMPLATE, name, {**body, "version": current.version}, SYSTEM)
                return
            except Conflict:
                continue  # another version was stored meanwhile: flag that one
        logger.warning("change template kept changing; not flagged", extra={"template": name, "change": flag.change})


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
        templates: ChangeTemplates | None = None,
        support: ChangesInSupport | None = None,
        links: LinkService | None = None,
    ) -> None:
        self.tickets = tickets
        self.queue = queue
        self.directory = directory
        self.bands = bands or RiskBands()
        self.templates = templates
        self.support = support
        self.links = links
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
        body, template = self._from_template(body)
        edit = parse_plan_edit(
            body, services=self.directory.services(), groups=self.directory.groups(), bands=self.bands
        )
        ticket = self._load(number, caller, edit.version)
        current = _change_ticket(ticket, "a change plan")
        change = self._standard(apply_edit(current, edit, ticket.status), template)
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

    # -- standard changes: templates ---------------------------------------------------------

    def _from_template(self, body: Mapping[str, Any]) -> tuple[Mapping[str, Any], ChangeTemplate | None]:
        """A plan edit naming ``"template"``: the body with the template's model, services and
        plans (``chalicelib.domain.change_templates.from_template``), and the template."""
        if not isinstance(body, Mapping) or "template" not in body:
            return body, None
        rest = {k: v for k, v in body.items() if k != "template"}
        name = body["template"]
        template = self.templates.template(name) if self.templates is not None and isinstance(name, str) else None
        if template is None:
            raise ValidationFailed([{"field": "template", "reason": f"no change template {name!r}"}])
        return from_template(template, rest), template

    def _standard(self, change: PlanChange, template: ChangeTemplate | None) -> PlanChange:
        """The edit, checked against the template a standard change is made from (the one named
        now, else the version it recorded); a new template is recorded on the plan."""
        plan = change.plan
        if template is not None:
            plan = plan.evolve(template=template.name, template_version=template.version)
            if (change.plan.template, change.plan.template_version) != (plan.template, plan.template_version):
                before = {"template": change.plan.template, "template_version": change.plan.template_version}
                after = {"template": plan.template, "template_version": plan.template_version}
                change = replace(change, before={**change.before, **before}, after={**change.after, **after})
        elif plan.template is not None and self.templates is not None:
            template = self.templates.template(plan.template, plan.template_version)
        problems = standard_refusals(plan, template)
        if problems:
            raise ValidationFailed(problems)
        return replace(change, plan=plan)

    def template_review(self, change: Ticket, *, outcome: str | None = None, incident: Ticket | None = None) -> None:
        """Flag the template of a standard ``change`` for review when it failed or was backed out
        (``outcome``), or caused a P1/P2 ``incident`` (recorded once per change on the template's
        next version)."""
        plan = change.change
        if plan is None or plan.template is None or self.templates is None:
            return
        reason = review_reason(outcome, incident.number if incident else None, incident.priority if incident else None)
        if reason is not None:
            self.templates.flag(plan.template, ReviewFlag(change.number, reason, self.tickets.clock()))

    def move(
        self,
        number: str,
        to: str,
        version: int,
        caller: Identity,
        reason: str | None = None,
        outcome: str | None = None,
    ) -> Ticket:
        """A ticket's move (``POST /tickets/{number}/transitions``, the ticket service's
        transition). A change not yet implementing is checked again for conflicts and freezes
        first, so a freeze declared after its plan was last edited still stops it; one that now
        conflicts is listed on the other change too. A standard change that failed or was backed
        out flags its template for review."""
        checks: list[tuple[ChangePlan, ChangePlan]] = []

        def recheck(number: str, plan: ChangePlan) -> ChangePlan:
            fresh = self.checked(number, plan)
            checks.append((plan, fresh))
            return fresh

        ticket = self.tickets.transition(number, to, version, caller, reason, outcome, recheck=recheck)
        for was, fresh in checks:
            if was.conflicts != fresh.conflicts:
                self._tell_others(number, was, fresh, caller)
        if outcome is not None:
            self.template_review(ticket, outcome=outcome)
        return ticket

    # -- triage sends the RFC elsewhere ----------------------------------------------------------

    @tracer.capture_method
    def send_elsewhere(
        self, number: str, to: str, reason: str, version: int, caller: Identity, reference: str | None = None
    ) -> Ticket:
        """Triage sends a change request to another process instead of running it as a change
        (``POST /tickets/{number}/change/redirect``); it is closed here with ``reason``.

        * ``request_fulfilment``: it becomes a service request of the same requester (title,
          description, service, tags), linked both ways (``superseded_by`` / ``supersedes``);
        * ``project``: ``reference`` says where the project is run.

        Retry-safe: the service request is opened once per change (an idempotent intake keyed on
        the change), a change already linked to it is not refused for the version its link moved
        on, and a change already sent there is answered as it is."""
        caller.require(*STAFF_ROLES)
        if to not in SENT_TO_PROCESSES:
            raise ValidationFailed([{"field": "to", "reason": f"must be one of {', '.join(SENT_TO_PROCESSES)}"}])
        if not reason.strip():
            raise ValidationFailed([{"field": "reason", "reason": "say why it is not run as a change"}])
        if to == "project" and not (reference and reference.strip()):
            raise ValidationFailed([{"field": "reference", "reason": "say where the project is run (name or address)"}])
        ticket = self.tickets.get_ticket(number, caller)
        done = ticket.change.sent_to if ticket.change is not None else None
        if done is not None and done.process == to:
            return ticket  # sent already: a retry whose answer was lost
        _change_ticket(ticket, "triage")
        already = next((link.target for link in ticket.links if link.kind == "superseded_by"), None)
        if already is None and version != ticket.version:
            raise StaleVersion(version, ticket.version)
        if ticket.status != NEW:
            raise Conflict(
                f"{number} is {ticket.status}: only a change request in triage (new) is sent elsewhere", field="to"
            )
        if to == "request_fulfilment":
            if already is None:
                already = self._as_service_request(ticket, caller)
                assert self.links is not None
                ticket = self.links.link(number, "superseded_by", already, caller)
            sent = SentTo(to, already)
            why = f"sent to request fulfilment as {already}: {reason.strip()}"
        else:
            sent = SentTo(to, str(reference).strip())
            why = f"made a project ({sent.reference}): {reason.strip()}"
        plan = ticket.change or ChangePlan()

        def write(draft: Any) -> None:
            draft.ticket = draft.ticket.evolve(change=plan.evolve(sent_to=sent))
            draft.add(EventKind.CHANGE_PLANNED, {"sent_to": None}, {"sent_to": sent.to_dict()}, why)
            flow = lifecycle_of(draft.ticket)
            facts = MoveFacts(draft.ticket, why, self.tickets.clock(), self.tickets.reopen_window)
            chosen = flow.check(draft.ticket.status, "send_elsewhere", DESK, facts)
            self.tickets.apply_move(draft, chosen.target, why)

        return self.tickets.amend(ticket, caller, write)

    def _as_service_request(self, change: Ticket, caller: Identity) -> str:
        """The service request ``change`` becomes (opened once: a retry finds it)."""
        request = OpenTicket(
            type="service_request",
            title=change.title,
            description=change.description,
            service=change.service,
            impact=None if change.impact_defaulted else change.impact,
            urgency=None if change.urgency_defaulted else change.urgency,
            tags=change.tags,
        )
        requester = Identity(change.requester, "requester", change.vip, change.business_unit)
        key = IntakeKey(f"triage#{change.number}", change.number)
        try:
            opened = self.tickets.open_ticket(request, caller, key, on_behalf_of=requester)
        except IntakeAlreadyStored as stored:
            return stored.number
        return opened.number

    def linked(self, source: Ticket, target: Ticket, link: Link) -> None:
        """After a link is written: an incident caused by a standard change flags its template
        when the incident is a P1 or P2."""
        pair = {"caused_by": (target, source), "caused": (source, target)}.get(link.kind)
        if pair is None:
            return
        change, incident = pair
        if change.type == "change_request" and incident.type == "incident":
            self.template_review(change, incident=incident)

    # -- early-life support ---------------------------------------------------------------

    def supporting(self, service: str | None, now: datetime) -> list[Ticket]:
        """The changes in early-life support on ``service`` at ``now`` (seed 000: after a change,
        its services' incidents interrupt work)."""
        if service is None or self.support is None:
            return []
        return sorted(
            (t for t in self.support.in_early_life_support(now) if in_early_life_support(t, service, now)),
            key=lambda t: t.number,
        )

    def early_life_support(self, incident: Ticket) -> Ticket:
        """Link a new incident on a service in early-life support to each change supporting it, as
        possibly ``caused_by`` it (both tickets in one transaction; the agent may remove the link).
        Only an incident intake tagged ``early-life-support`` (``IntakeClassifier``) is looked at,
        so any other costs no read."""
        if incident.type != "incident" or self.links is None or EARLY_LIFE_SUPPORT_TAG not in incident.tags:
            return incident
        for change in self.supporting(incident.service, incident.created_at):
            incident = self.links.link(incident.number, "caused_by", change.number, SYSTEM)
        return incident

    # -- the one approval -------------------------------------------------------------------

    @tracer.capture_method
    def decide(self, number: str, decision: str, comment: str | None, version: int, caller: Identity) -> Ticket:
        """The implementer group's decision (``POST /tickets/{number}/approvals``). An approval
        moves a change in authorization on to ``scheduled``; a rejection sends it to
        ``rejected`` with the comment as the reason. An emergency change's decision is recorded
        after the fact and moves nothing.

        Two approvers deciding at once: a decision on ``version`` is still recorded when every
        write since that version was another decision (retried on the fresh ticket); the move
        follows from the ticket as it then is, so it happens once. Anything else written since
        is a ``StaleVersion``."""
        if decision not in DECISIONS:
            raise ValidationFailed([{"field": "decision", "reason": f"must be one of {', '.join(DECISIONS)}"}])
        if decision == REJECT and not (comment and comment.strip()):
            raise ValidationFailed([{"field": "comment", "reason": "a rejection says why"}])
        for _ in range(DECIDE_ATTEMPTS):
            ticket = self.tickets.get_ticket(number, caller)
            events = self.tickets.repository.events(number)
            late = ticket.version != version
            if late and not decided_since(events, version, ticket.version):
                raise StaleVersion(version, ticket.version)
            try:
                return self._decide(ticket, events, decision, comment, caller, late=late)
            except StaleVersion:
                continue  # another decision was written meanwhile: record this one on top of it
        raise Conflict(f"{number} kept changing while the decision was recorded; try again", field="version")

    def _decide(
        self,
        ticket: Ticket,
        events: Sequence[TicketEvent],
        decision: str,
        comment: str | None,
        caller: Identity,
        *,
        late: bool,
    ) -> Ticket:
        number = ticket.number
        if late and ticket.change is not None:
            plan: ChangePlan | None = ticket.change  # decided on alongside the decisions written since
        else:
            plan = _change_ticket(ticket, "decisions")
            if plan is None or not awaits_approval(ticket.status, plan):
                raise Conflict(
                    f"{number} awaits no decision: it is {ticket.status}"
                    + ("" if plan is not None and plan.implementer_group else " and names no implementer_group"),
                    field="decision",
                )
        assert plan is not None
        submitter = submitter_of(
            plan.model,
            [(e.actor, str(e.after.get("status"))) for e in events if e.kind == EventKind.STATUS_CHANGED],
        )
        approver = Approver(
            caller.user, role_rank(caller.role) >= role_rank("manager"), self.directory.groups_of(caller.user)
        )
        refusal = approval_refusal(plan, requester=ticket.requester, submitter=submitter, approver=approver)
        if refusal is not None:
            raise Forbidden(refusal, field="decision")
        now = self.tickets.clock()
        on = ticket.version

        def write(draft: Any) -> None:
            approval = Approval(caller.user, decision, now, comment, cab=approver.manager)
            fresh = self.checked(number, plan) if decision == APPROVE else plan
            draft.ticket = draft.ticket.evolve(change=fresh.evolve(approvals=(*plan.approvals, approval)))
            recorded = {"decision": decision, "comment": comment, "on_version": on}
            draft.add(EventKind.CHANGE_DECIDED, {}, recorded, comment)
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
