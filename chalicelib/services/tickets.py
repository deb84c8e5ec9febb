"""Ticket use cases: open, read, list, transition, assign, comment, update.

Every change appends events (``chalicelib.domain.events``) in the same write as the ticket,
guarded by the version the caller read. The services take their repository and clock as
parameters; SLA clocks and classification plug in through :class:`ClockKeeper` and
:class:`IntakeEnricher`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.change import ChangePlan, record_outcome, review_of, stamp_implementation
from chalicelib.domain.classification import SLOTS, Triage, correct
from chalicelib.domain.errors import AlreadyClaimed, Forbidden, NotFound, StaleVersion, ValidationFailed
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.identity import DESK_ACTOR, STAFF_ROLES, Identity
from chalicelib.domain.instants import iso
from chalicelib.domain.lifecycle import REQUESTER, MoveFacts, Phase, actor_of
from chalicelib.domain.notice import Notice
from chalicelib.domain.problem import DEFAULT_GATE_PRIORITIES, LOOKED_UP_KINDS, closure_refusal
from chalicelib.domain.processes import AUTHORIZATION, lifecycle_for, lifecycle_of, phase_of
from chalicelib.domain.search import parse_query
from chalicelib.domain.ticket import DEFAULT_LEVEL, REQUESTER_TYPES, TICKET_TYPES, Ticket, priority_for
from chalicelib.observability import logger, record_ticket_opened, tracer
from chalicelib.services.action_links import ActionLink, LinkInvalid, LinkUsed
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.ports import (
    Claim,
    Clock,
    IntakeKey,
    TicketFilter,
    TicketPage,
    TicketRepository,
    TicketSearch,
)


@dataclass(frozen=True)
class OpenTicket:
    """A validated request to open a ticket."""

    type: str
    title: str
    description: str
    service: str | None = None
    impact: str | None = None
    urgency: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class TicketChanges:
    """A validated partial update (``PATCH``); ``None`` means unchanged."""

    title: str | None = None
    description: str | None = None
    service: str | None = None
    impact: str | None = None
    urgency: str | None = None
    tags: tuple[str, ...] | None = None


class ClockKeeper(Protocol):
    """Keeps a ticket's derived SLA state (``sla``, ``next_deadline``) in step with its events."""

    def refresh(self, ticket: Ticket, events: Sequence[TicketEvent], now: datetime) -> Ticket: ...

    def opening_events(self, ticket: Ticket, now: datetime) -> list[dict[str, Any]]:
        """Extra events to append when a ticket opens (e.g. which SLA policy applies)."""
        ...

    def explain(self, events: Sequence[TicketEvent], now: datetime) -> dict[str, Any] | None:
        """Every clock with its timeline as of ``now``; None when no SLA policy applies."""
        ...


class IntakeEnricher(Protocol):
    """Classifies and routes a new ticket before it is stored."""

    def enrich(self, ticket: Ticket, request: OpenTicket, now: datetime) -> tuple[Ticket, list[dict[str, Any]]]: ...


class References(Protocol):
    """Says whether a name may be used for an agent, a group or a catalog service now."""

    def refuse(self, kind: str, name: str) -> str | None:
        """Why ``name`` cannot be used as a ``kind`` (``agent``, ``group``, ``service``): unknown
        or retired; None when it can."""
        ...


@dataclass
class _Draft:
    """The events a change will append, numbered after the ticket's last one."""

    ticket: Ticket
    actor: str
    now: datetime
    events: list[TicketEvent] = field(default_factory=list)
    #: Labelled examples this change teaches the classifier (corrections, closures).
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self,
        kind: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        note: str | None = None,
        actor: str | None = None,
    ) -> None:
        """Append an event by the change's actor, or by ``actor`` (the desk's own decisions)."""
        seq = self.ticket.event_seq + 1
        self.ticket = self.ticket.evolve(event_seq=seq)
        self.events.append(
            TicketEvent(
                ticket=self.ticket.number,
                seq=seq,
                at=self.now,
                actor=actor or self.actor,
                kind=kind,
                before=before or {},
                after=after or {},
                note=note,
            )
        )


def _ended(ticket: Ticket) -> bool:
    """Closed or cancelled: the ticket takes no more changes."""
    return phase_of(ticket.type, ticket.status).is_terminal


class TicketService:
    def __init__(
        self,
        repository: TicketRepository,
        clock: Clock,
        *,
        reopen_window: timedelta = timedelta(days=14),
        clocks: ClockKeeper | None = None,
        enricher: IntakeEnricher | None = None,
        notices: NoticeFactory | None = None,
        references: References | None = None,
        opened: Callable[[Ticket], Ticket] | None = None,
        search: TicketSearch | None = None,
        moved: Callable[[Ticket, Ticket], Ticket] | None = None,
        gate_priorities: frozenset[str] = DEFAULT_GATE_PRIORITIES,
    ) -> None:
        self.repository = repository
        self.search = search
        #: What follows a move once it is stored (the problem process: a major incident resolved
        #: without a problem opens one; a problem addressed closes its held incidents); given the
        #: ticket before and after the move, returns the ticket as it then is.
        self.moved = moved
        #: The incident priorities the closure gate holds (``chalicelib.domain.problem``).
        self.gate_priorities = gate_priorities
        #: What follows a ticket's opening once it is stored (early-life support links an incident
        #: to the change that may have caused it); returns the ticket as it then is.
        self.opened = opened
        self.references = references
        self.clock = clock
        self.reopen_window = reopen_window
        self.clocks = clocks
        self.enricher = enricher
        self.notices = notices

    # -- intake ---------------------------------------------------------------------------

    @tracer.capture_method
    def open_ticket(
        self,
        request: OpenTicket,
        caller: Identity,
        intake: IntakeKey | None = None,
        *,
        on_behalf_of: Identity | None = None,
    ) -> Ticket:
        """Open a ticket for the caller, or (staff only) for ``on_behalf_of``, who is then its
        requester while the events name the caller."""
        if on_behalf_of is not None:
            caller.require(*STAFF_ROLES)
        if request.type not in TICKET_TYPES:
            raise ValidationFailed([{"field": "type", "reason": f"must be one of {list(TICKET_TYPES)}"}])
        if not caller.is_staff and request.type not in REQUESTER_TYPES:
            raise Forbidden(f"only the desk opens {request.type} tickets", field="type")
        now = self.clock()
        impact = request.impact or DEFAULT_LEVEL
        urgency = request.urgency or DEFAULT_LEVEL
        number = self.repository.allocate_number(request.type)
        ticket = Ticket(
            number=number,
            type=request.type,
            title=request.title,
            description=request.description,
            requester=(on_behalf_of or caller).user,
            status=lifecycle_for(request.type).initial,
            impact=impact,
            urgency=urgency,
            priority=priority_for(impact, urgency),
            impact_defaulted=request.impact is None,
            urgency_defaulted=request.urgency is None,
            service=request.service,
            tags=tuple(sorted(set(request.tags))),
            created_at=now,
            updated_at=now,
            vip=(on_behalf_of or caller).vip,
            business_unit=(on_behalf_of or caller).business_unit,
            version=1,
        )
        extra_events: list[dict[str, Any]] = []
        if self.enricher is not None:
            ticket, extra_events = self.enricher.enrich(ticket, request, now)
        draft = _Draft(ticket, caller.user, now)
        # The ticket as it arrived; classification and routing follow as their own events.
        draft.add(EventKind.OPENED, {}, {**opened_snapshot(ticket), "status": ticket.status, "assignee": None})
        # Classification, routing and the SLA policy are the desk's decisions, not the caller's.
        for extra in extra_events:
            draft.add(**extra, actor=DESK_ACTOR)
        if self.clocks is not None:
            for extra in self.clocks.opening_events(draft.ticket, now):
                draft.add(**extra, actor=DESK_ACTOR)
            draft.ticket = self.clocks.refresh(draft.ticket, draft.events, now)
        notices = self.notices.acknowledgement(draft.ticket, now) if self.notices else []
        notices.extend(self._notices(draft.events, draft.ticket, now))
        if self.notices is not None:
            notices += self.notices.pages(draft.ticket, draft.events, now)
        self.repository.create(draft.ticket, draft.events, notices, intake=intake)
        record_ticket_opened(ticket.type, draft.ticket.priority)
        logger.info("ticket opened", extra={"ticket": number, "priority": draft.ticket.priority})
        return self.opened(draft.ticket) if self.opened is not None else draft.ticket

    # -- reading --------------------------------------------------------------------------

    def get_ticket(self, number: str, caller: Identity) -> Ticket:
        ticket = self.repository.get(number)
        if ticket is None or not ticket.visible_to(caller.user, caller.role):
            # Another requester's ticket is indistinguishable from a missing one.
            raise NotFound(f"no ticket {number}", field="number")
        return ticket

    def list_tickets(self, filters: TicketFilter, caller: Identity, limit: int, cursor: str | None) -> TicketPage:
        if not caller.is_staff:
            if filters.requester not in (None, caller.user):
                raise Forbidden("a requester lists only their own tickets", field="requester")
            filters = replace(filters, requester=caller.user)
        return self.repository.list(filters, limit, cursor)

    @tracer.capture_method
    def search_tickets(
        self, q: str, filters: TicketFilter, caller: Identity, limit: int, cursor: str | None
    ) -> TicketPage:
        """``GET /tickets?q=``: the tickets matching every word of ``q`` (``domain/search.py``),
        newest first, that the caller may see and that pass ``filters``; the cursor is the
        position in the matches where the next page starts."""
        query = parse_query(q)
        if self.search is None:
            raise ValidationFailed([{"field": "q", "reason": "this desk has no search index"}])
        if not caller.is_staff and filters.requester not in (None, caller.user):
            raise Forbidden("a requester lists only their own tickets", field="requester")
        start = _search_position(cursor)
        numbers = self.search.matching(query)
        found: list[Ticket] = []
        position = start
        while position < len(numbers) and len(found) < limit:
            chunk = numbers[position : position + max(limit, 25)]
            stored = {ticket.number: ticket for ticket in self.repository.get_many(chunk)}
            for number in chunk:
                position += 1
                ticket = stored.get(number)
                if ticket is not None and ticket.visible_to(caller.user, caller.role) and _passes(ticket, filters):
                    found.append(ticket)
                    if len(found) == limit:
                        break
        more = position < len(numbers)
        return TicketPage(found, base64.urlsafe_b64encode(f"search:{position}".encode()).decode() if more else None)

    def history(self, number: str, caller: Identity) -> list[TicketEvent]:
        self.get_ticket(number, caller)
        events = self.repository.events(number)
        if caller.is_staff:
            return events
        return [e for e in events if e.after.get("visibility") != "internal"]

    def sla(self, number: str, caller: Identity) -> dict[str, Any]:
        """The ticket's clocks replayed from its events as of now, with the why-timeline. A
        requester sees each clock's state, due time, when it was breached or met and whether it is
        paused: not the policy, the calendar, the warnings or the timeline (the desk's working)."""
        self.get_ticket(number, caller)
        explained = None
        if self.clocks is not None:
            explained = self.clocks.explain(self.repository.events(number), self.clock())
        if explained is None:
            empty: dict[str, Any] = {"ticket": number, "clocks": {}}
            return {**empty, "policy": None} if caller.is_staff else empty
        if not caller.is_staff:
            shown = ("state", "due_at", "breached_at", "met_at", "paused")
            clocks = {name: {k: c.get(k) for k in shown} for name, c in explained.get("clocks", {}).items()}
            return {"ticket": number, "computed_at": explained.get("computed_at"), "clocks": clocks}
        return {"ticket": number, **explained}

    # -- changes --------------------------------------------------------------------------

    def _check_references(self, **named: tuple[str, str | None]) -> None:
        """Every ``field=(kind, name)`` given must name an active, existing agent, group or service;
        a refusal lists each field that does not."""
        if self.references is None:
            return
        problems = [
            {"field": field_name, "reason": reason}
            for field_name, (kind, name) in named.items()
            if name is not None and (reason := self.references.refuse(kind, name))
        ]
        if problems:
            raise ValidationFailed(problems)

    def _load_for_change(self, number: str, caller: Identity, version: int | None) -> Ticket:
        ticket = self.get_ticket(number, caller)
        if version is not None and version != ticket.version:
            raise StaleVersion(version, ticket.version)
        return ticket

    def load_for_change(self, number: str, caller: Identity, version: int | None) -> Ticket:
        """The ticket ``caller`` may see, refused (``StaleVersion``) unless at the ``version`` read;
        for other services' version-guarded writes (:meth:`amend`)."""
        return self._load_for_change(number, caller, version)

    def _commit(self, draft: _Draft, previous: Ticket, claims: Sequence[Claim] = ()) -> Ticket:
        ticket = draft.ticket.evolve(updated_at=draft.now)
        if self.clocks is not None:
            history = [*self.repository.events(ticket.number), *draft.events]
            ticket = self.clocks.refresh(ticket, history, draft.now)
        return self.repository.save(
            ticket,
            previous.version,
            draft.events,
            notices=self._notices(draft.events, ticket, draft.now),
            previous=previous,
            examples=draft.examples,
            claims=claims,
        )

    def _notices(self, events: Sequence[TicketEvent], ticket: Ticket, now: datetime) -> list[Notice]:
        """Who hears of a change, written with the change: the requester of status changes and
        of the agents' public replies; an agent of a ticket assigned to them and of the
        requester's replies. Nobody is told of their own act."""
        factory = self.notices
        if factory is None:
            return []
        out: list[Notice] = []
        for event in events:
            if event.kind == EventKind.STATUS_CHANGED:
                out.extend(
                    factory.status_change(
                        ticket.evolve(status=event.after["status"]),
                        event.before.get("status", ""),
                        event.seq,
                        now,
                        event.note,
                    )
                )
                if event.after["status"] == AUTHORIZATION and ticket.type == "change_request":
                    for approver in factory.approvers(ticket):
                        if approver not in (event.actor, ticket.requester):
                            out.extend(factory.approval_request(ticket, approver, event.seq, now, event.actor))
            elif event.kind == EventKind.ASSIGNED:
                agent = event.after.get("assignee")
                if agent and agent != event.before.get("assignee") and agent != event.actor:
                    out.extend(factory.assignment(ticket, agent, event.seq, now, event.actor))
            elif event.kind == EventKind.COMMENTED and event.after.get("visibility") == "public":
                body = str(event.after.get("body", ""))
                if event.actor != ticket.requester:
                    out.extend(factory.agent_reply(ticket, event.actor, body, event.seq, now))
                else:
                    lead = factory.readers.group_lead(ticket.group) if factory.readers else None
                    agent = ticket.assignee or lead
                    if agent and agent != event.actor:
                        out.extend(factory.requester_reply(ticket, agent, body, event.seq, now))
        return out

    @tracer.capture_method
    def transition(
        self,
        number: str,
        to: str,
        version: int,
        caller: Identity,
        reason: str | None = None,
        outcome: str | None = None,
        recheck: Callable[[str, ChangePlan], ChangePlan] | None = None,
    ) -> Ticket:
        """Move a ticket as its process's lifecycle allows: ``to`` names the target state or the
        move's word (``reopen``, ``confirm``...); a refusal names the allowed moves. A change
        request leaving implementation says how it ended (``outcome``), recorded with the move.

        ``recheck`` gives a change not yet implementing its conflicts and freezes as they are
        now (a freeze declared, or another change scheduled, since its plan was last edited): the
        move's gates judge those, and a difference is recorded with the move."""
        stored = self._load_for_change(number, caller, version)
        ticket = stored
        if outcome is not None:
            ticket = stored.evolve(change=record_outcome(stored.change, stored.status, outcome))
        checked = None
        plan = ticket.change
        if recheck is not None and plan is not None and plan.actual_start is None:
            fresh = recheck(number, plan)
            if (fresh.conflicts, fresh.freezes) != (plan.conflicts, plan.freezes):
                checked = (plan, fresh)
                ticket = ticket.evolve(change=fresh)
        now = self.clock()
        flow = lifecycle_of(ticket)
        facts = self.move_facts(ticket, reason, now, caller)
        actor = actor_of(caller)
        held = self._held_confirmation(ticket, to, actor, facts)
        if held is not None:
            return held
        chosen = flow.check(ticket.status, to, actor, facts)
        draft = _Draft(ticket, caller.user, now)
        if checked is not None:
            was, fresh = checked
            draft.add(
                EventKind.CHANGE_PLANNED,
                {"conflicts": [c.to_dict() for c in was.conflicts], "freezes": list(was.freezes)},
                {"conflicts": [c.to_dict() for c in fresh.conflicts], "freezes": list(fresh.freezes)},
                "checked again at the move",
            )
        if outcome is not None:
            before = {"outcome": getattr(stored.change, "outcome", None)}
            draft.add(EventKind.CHANGE_PLANNED, before, {"outcome": outcome})
        self._apply_status(draft, chosen.target, reason)
        return self.after_move(stored, self._commit(draft, stored))

    def move_facts(self, ticket: Ticket, reason: str | None, now: datetime, caller: Identity) -> MoveFacts:
        """What the ticket's move requirements look at, with the linked tickets they read (an
        incident's problems, a problem's fixing changes)."""
        linked: dict[str, Ticket] = {}
        for link in ticket.links:
            if link.kind in LOOKED_UP_KINDS and link.target not in linked:
                other = self.repository.get(link.target)
                if other is not None:
                    linked[link.target] = other
        return MoveFacts(
            ticket=ticket,
            reason=reason,
            now=now,
            reopen_window=self.reopen_window,
            linked=linked,
            role=caller.role,
            gate_priorities=self.gate_priorities,
        )

    def _held_confirmation(self, ticket: Ticket, to: str, actor: str, facts: MoveFacts) -> Ticket | None:
        """The requester's confirmation of an incident the closure gate holds: recorded (once),
        the ticket stays resolved and closes by itself when its problem is addressed. None when
        the move is not such a confirmation."""
        if actor != REQUESTER:
            return None
        flow = lifecycle_of(ticket)
        if flow.phase(ticket.status) != Phase.RESOLVED:
            return None
        chosen = flow.find(ticket.status, to, actor)
        if flow.phase(chosen.target) != Phase.CLOSED:
            return None
        held = closure_refusal(ticket, facts.linked, self.gate_priorities)
        others = [why for r in chosen.requires if (why := r.missing(facts)) and why != held]
        if held is None or others:
            return None
        if ticket.confirmed_at is not None:
            return ticket  # confirmed already: nothing more to record
        draft = _Draft(ticket.evolve(confirmed_at=facts.now), ticket.requester, facts.now)
        draft.add(EventKind.CLOSURE_CONFIRMED, {}, {"confirmed_at": iso(facts.now), "held": held})
        return self._commit(draft, ticket)

    def after_move(self, before: Ticket, after: Ticket) -> Ticket:
        """What follows a stored move (``moved``); the ticket as it then is."""
        return self.moved(before, after) if self.moved is not None else after

    def amend(
        self, ticket: Ticket, caller: Identity, write: Callable[[_Draft], None], claims: Sequence[Claim] = ()
    ) -> Ticket:
        """Commit a change another service builds (a change plan, an approval): ``write`` evolves
        the draft's ticket and adds its events (moves through :meth:`apply_move`); committed like
        every change, guarded by ``ticket.version``, with ``claims`` written once in the same
        transaction (``AlreadyClaimed`` when one exists). Nothing written: ``ticket`` unchanged."""
        draft = _Draft(ticket, caller.user, self.clock())
        write(draft)
        if not draft.events:
            return ticket
        return self._commit(draft, ticket, claims=claims)

    def apply_move(self, draft: _Draft, to: str, reason: str | None) -> None:
        """Put the draft's ticket in status ``to`` (a move its lifecycle allowed), with its event."""
        self._apply_status(draft, to, reason)

    # -- action links (the completion notice's confirm and reopen) ---------------------------

    def link_target(self, link: ActionLink) -> Ticket:
        """The ticket a verified link may still act on, or a refusal saying why it cannot: the
        ticket is not the requester's, or it changed status since the notice was sent (a used
        link, or one for an earlier resolution)."""
        ticket = self.repository.get(link.ticket)
        if ticket is None or ticket.requester != link.requester:
            raise LinkInvalid(f"this link does not fit ticket {link.ticket}", field="token")
        changes = [e.seq for e in self.repository.events(link.ticket) if e.kind == EventKind.STATUS_CHANGED]
        if not changes or changes[-1] != link.seq:
            raise LinkUsed(
                f"this link can no longer be used: {ticket.number} is {ticket.status.replace('_', ' ')} now "
                "(the link was used, or the ticket changed since it was sent)",
                field="token",
            )
        return ticket

    @tracer.capture_method
    def follow_link(self, link: ActionLink) -> Ticket:
        """Make the link's move as the requester, through the lifecycle, claiming the link in the
        same write: a second use is refused."""
        ticket = self.link_target(link)
        now = self.clock()
        requester = Identity(link.requester, "requester")
        facts = self.move_facts(ticket, None, now, requester)
        held = self._held_confirmation(ticket, link.action, REQUESTER, facts)
        if held is not None:
            return held
        chosen = lifecycle_of(ticket).check(ticket.status, link.action, actor_of(requester), facts)
        draft = _Draft(ticket, link.requester, now)
        self._apply_status(draft, chosen.target, f"{link.action} link")
        claim = Claim(link.claim_id, now, ticket.number, {"action": link.action})
        try:
            stored = self._commit(draft, ticket, claims=[claim])
        except AlreadyClaimed:
            raise LinkUsed(f"this link was already used on {ticket.number}", field="token") from None
        return self.after_move(ticket, stored)

    def _desk_move(self, draft: _Draft, word: str, reason: str) -> None:
        """A move the desk makes on its own (``assign`` a routed ticket, ``resume`` on the
        requester's reply) when the ticket's lifecycle declares it from its state; otherwise
        nothing happens."""
        declared = lifecycle_of(draft.ticket).desk_move(draft.ticket.status, word)
        if declared is not None:
            self._apply_status(draft, declared.target, reason)

    def _apply_status(self, draft: _Draft, to: str, reason: str | None) -> None:
        ticket = draft.ticket
        flow = lifecycle_for(ticket.type)
        phase = flow.phase(to)
        changes: dict[str, Any] = {"status": to}
        if phase in (Phase.RESOLVED, Phase.CLOSED) and ticket.first_response_at is None:
            # The resolution (or a close straight from an open state) answers the requester:
            # it is the first response when there was none, so the ticket and the clocks agree.
            ticket = ticket.evolve(first_response_at=draft.now)
            draft.ticket = ticket
            source = "resolution" if phase == Phase.RESOLVED else "close"
            draft.add(EventKind.FIRST_RESPONSE, {}, {"first_response_at": draft.now.isoformat(), "source": source})
            ticket = draft.ticket
        if phase == Phase.RESOLVED:
            changes["resolved_at"] = draft.now
        elif phase == Phase.CLOSED:
            changes["closed_at"] = draft.now
            draft.examples.append(labelled_example(ticket, "closed", draft.now))
        reopen = flow.is_reopen(ticket.status, to)
        if reopen:
            changes["reopen_count"] = ticket.reopen_count + 1
            changes["resolved_at"] = None
            changes["confirmed_at"] = None
        if ticket.change is not None:
            changes["change"] = stamp_implementation(ticket.change, ticket.status, to, draft.now)
        draft.ticket = ticket.evolve(**changes)
        after: dict[str, Any] = {"status": to}
        if reopen:
            after["reopened"] = True
        draft.add(EventKind.STATUS_CHANGED, {"status": ticket.status}, after, reason)

    @tracer.capture_method
    def assign(
        self,
        number: str,
        version: int,
        caller: Identity,
        *,
        assignee: str | None,
        group: str | None,
        monitor: str | None,
        reason: str | None = None,
    ) -> Ticket:
        caller.require(*STAFF_ROLES)
        ticket = self._load_for_change(number, caller, version)
        if _ended(ticket):
            raise ValidationFailed([{"field": "assignee", "reason": f"a {ticket.status} ticket cannot be reassigned"}])
        self._check_references(assignee=("agent", assignee), group=("group", group))
        now = self.clock()
        draft = _Draft(ticket, caller.user, now)
        self._apply_assignment(draft, assignee=assignee, group=group, monitor=monitor, reason=reason)
        return self._commit(draft, ticket)

    def _apply_assignment(
        self, draft: _Draft, *, assignee: str | None, group: str | None, monitor: str | None, reason: str | None
    ) -> None:
        ticket = draft.ticket
        before = {"assignee": ticket.assignee, "group": ticket.group, "monitor": ticket.monitor}
        after = {
            "assignee": assignee if assignee is not None else ticket.assignee,
            "group": group if group is not None else ticket.group,
            "monitor": monitor if monitor is not None else ticket.monitor,
        }
        draft.ticket = ticket.evolve(assignee=after["assignee"], group=after["group"], monitor=after["monitor"])
        draft.add(EventKind.ASSIGNED, before, after, reason)
        if after["assignee"]:
            self._desk_move(draft, "assign", "assigned")

    @tracer.capture_method
    def comment(
        self,
        number: str,
        caller: Identity,
        *,
        body: str,
        visibility: str,
        version: int | None = None,
        claim: Claim | None = None,
    ) -> Ticket:
        """Add a comment; with ``claim``, only if that claim was never made (written in the same
        transaction; ``AlreadyClaimed`` otherwise), as a mail acts once however often it arrives."""
        ticket = self._load_for_change(number, caller, version)
        if visibility == "internal" and not caller.is_staff:
            raise Forbidden("requesters add public comments only", field="visibility")
        if _ended(ticket):
            raise ValidationFailed([{"field": "body", "reason": f"a {ticket.status} ticket takes no comments"}])
        draft = _Draft(ticket, caller.user, self.clock())
        self.add_comment(draft, caller, body, visibility)
        return self._commit(draft, ticket, (claim,) if claim is not None else ())

    def add_comment(self, draft: _Draft, caller: Identity, body: str, visibility: str) -> str:
        """Add a comment to the draft (the first public agent reply is the first response; the
        requester's reply while the desk waits on them resumes the work); returns its id."""
        ticket = draft.ticket
        now = draft.now
        comment_id = f"c{ticket.event_seq + 1}"
        draft.add(EventKind.COMMENTED, {}, {"comment_id": comment_id, "visibility": visibility, "body": body})
        is_agent_reply = caller.is_staff and visibility == "public" and caller.user != ticket.requester
        if is_agent_reply and ticket.first_response_at is None:
            draft.ticket = draft.ticket.evolve(first_response_at=now)
            draft.add(EventKind.FIRST_RESPONSE, {}, {"first_response_at": now.isoformat(), "comment_id": comment_id})
        waiting = phase_of(ticket.type, ticket.status) == Phase.WAITING
        if caller.user == ticket.requester and visibility == "public" and waiting:
            # The requester answered while the desk waited on them: the desk's turn again, and
            # the paused clocks resume.
            self._desk_move(draft, "resume", "requester replied")
        return comment_id

    @tracer.capture_method
    def update(self, number: str, version: int, caller: Identity, changes: TicketChanges) -> Ticket:
        caller.require(*STAFF_ROLES)
        ticket = self._load_for_change(number, caller, version)
        if _ended(ticket):
            raise ValidationFailed([{"field": "status", "reason": f"a {ticket.status} ticket cannot be edited"}])
        if changes.service is not None and changes.service != ticket.service:
            self._check_references(service=("service", changes.service))
        now = self.clock()
        draft = _Draft(ticket, caller.user, now)
        plain: dict[str, Any] = {}
        for name in ("title", "description", "service"):
            value = getattr(changes, name)
            if value is not None and value != getattr(ticket, name):
                plain[name] = value
        if changes.tags is not None and tuple(sorted(set(changes.tags))) != ticket.tags:
            plain["tags"] = tuple(sorted(set(changes.tags)))
        if plain:
            before = {k: _jsonable(getattr(ticket, k)) for k in plain}
            draft.ticket = draft.ticket.evolve(**plain)
            draft.add(EventKind.UPDATED, before, {k: _jsonable(v) for k, v in plain.items()})
        impact = changes.impact or ticket.impact
        urgency = changes.urgency or ticket.urgency
        if (impact, urgency) != (ticket.impact, ticket.urgency):
            priority = priority_for(impact, urgency)
            draft.ticket = draft.ticket.evolve(
                impact=impact,
                urgency=urgency,
                priority=priority,
                impact_defaulted=ticket.impact_defaulted and changes.impact is None,
                urgency_defaulted=ticket.urgency_defaulted and changes.urgency is None,
            )
            draft.add(
                EventKind.PRIORITY_CHANGED,
                {"priority": ticket.priority, "impact": ticket.impact, "urgency": ticket.urgency},
                {"priority": priority, "impact": impact, "urgency": urgency},
            )
        if not draft.events:
            return ticket
        return self._commit(draft, ticket)

    @tracer.capture_method
    def set_due_date(self, number: str, version: int, caller: Identity, *, clock: str, due_at: datetime) -> Ticket:
        """Set the date of an "as scheduled" target (Kesner's code 4: the agent schedules it)."""
        caller.require(*STAFF_ROLES)
        ticket = self._load_for_change(number, caller, version)
        if _ended(ticket):
            raise ValidationFailed([{"field": "due_at", "reason": f"a {ticket.status} ticket has no running clock"}])
        now = self.clock()
        if due_at <= now:
            raise ValidationFailed([{"field": "due_at", "reason": "must be in the future"}])
        draft = _Draft(ticket, caller.user, now)
        draft.add(EventKind.DUE_DATE_SET, {}, {"clock": clock, "due_at": due_at.isoformat()})
        return self._commit(draft, ticket)

    # -- classification: triage, corrections, contests ------------------------------------------

    def triage_queue(self, caller: Identity, limit: int, cursor: str | None) -> TicketPage:
        """Tickets awaiting the Service Manager's triage, oldest first."""
        caller.require(*STAFF_ROLES)
        return self.repository.triage(limit, cursor)

    @tracer.capture_method
    def reclassify(self, number: str, version: int, caller: Identity, changes: dict[str, str], reason: str) -> Ticket:
        """An agent's or manager's correction: recorded as an event and kept as a labelled example.

        A changed type or service chooses the SLA policy again (a new ``sla_applied`` event); the
        clocks are then replayed from the opening under it, as if the ticket had been classified
        right from the start. The ticket keeps its number. A new type whose process has no state
        of the ticket's status (an incident in progress that is a change request) puts the ticket
        in that process's first state, recorded as a move.
        """
        caller.require(*STAFF_ROLES)
        ticket = self._load_for_change(number, caller, version)
        if _ended(ticket):
            raise ValidationFailed([{"field": "version", "reason": f"a {ticket.status} ticket cannot be reclassified"}])
        if not changes:
            raise ValidationFailed([{"field": "body", "reason": "name at least one field to change"}])
        self._check_references(
            service=("service", changes.get("service")),
            group=("group", changes.get("group")),
            assignee=("agent", changes.get("assignee")),
        )
        now = self.clock()
        draft = _Draft(ticket, caller.user, now)
        fields = ("type", "service", "group", "impact", "urgency")
        before = {k: getattr(ticket, k) for k in fields}
        updated = {**before, **{k: v for k, v in changes.items() if k in fields}}
        impact, urgency = updated["impact"], updated["urgency"]
        classification = correct(ticket.classification, before, changes, by=caller.user, reason=reason)
        draft.ticket = ticket.evolve(
            type=updated["type"],
            service=updated["service"],
            group=updated["group"],
            impact=impact,
            urgency=urgency,
            priority=priority_for(impact, urgency),
            impact_defaulted=ticket.impact_defaulted and "impact" not in changes,
            urgency_defaulted=ticket.urgency_defaulted and "urgency" not in changes,
            classification=classification,
            triage=Triage(),
        )
        draft.add(
            EventKind.CLASSIFIED,
            {k: before[k] for k in changes if k in fields},
            {**{k: updated[k] for k in changes if k in fields}, "source": "correction"},
            reason,
        )
        flow = lifecycle_of(draft.ticket)
        if draft.ticket.type != ticket.type and all(state.name != ticket.status for state in flow.states):
            # Its new process has no such state: it starts that process where every ticket does.
            self._apply_status(draft, flow.initial, f"reclassified as {draft.ticket.type}")
        if draft.ticket.priority != ticket.priority:
            draft.add(
                EventKind.PRIORITY_CHANGED,
                {"priority": ticket.priority, "impact": ticket.impact, "urgency": ticket.urgency},
                {"priority": draft.ticket.priority, "impact": impact, "urgency": urgency},
                reason,
            )
        if "group" in changes or "assignee" in changes:
            moved = updated["group"] != ticket.group
            assignee = changes.get("assignee", None if moved else ticket.assignee)
            responsibility = {"assignee": ticket.assignee, "group": ticket.group, "monitor": ticket.monitor}
            draft.ticket = draft.ticket.evolve(assignee=assignee)
            draft.add(
                EventKind.ASSIGNED,
                responsibility,
                {"assignee": assignee, "group": updated["group"], "monitor": ticket.monitor},
                reason,
            )
            if assignee:
                self._desk_move(draft, "assign", "assigned on reclassification")
        if self.clocks is not None and ("type" in changes or "service" in changes):
            for extra_event in self.clocks.opening_events(draft.ticket, now):
                draft.add(**extra_event, actor=DESK_ACTOR)
        draft.examples.append(labelled_example(draft.ticket, "correction", now))
        return self._commit(draft, ticket)

    @tracer.capture_method
    def contest(self, number: str, caller: Identity, reason: str) -> Ticket:
        """A requester asks for another classification: the ticket goes back to triage."""
        ticket = self.get_ticket(number, caller)
        if _ended(ticket):
            raise ValidationFailed([{"field": "reason", "reason": f"a {ticket.status} ticket cannot be contested"}])
        now = self.clock()
        draft = _Draft(ticket, caller.user, now)
        draft.ticket = ticket.evolve(triage=ticket.triage.contested(caller.user, reason))
        draft.add(EventKind.CONTESTED, {}, {"reason": reason}, reason)
        return self._commit(draft, ticket)


def labelled_example(ticket: Ticket, source: str, at: datetime) -> dict[str, Any]:
    """What the ticket teaches the classifier; defaulted impact or urgency are not labels."""
    return {
        "ticket": ticket.number,
        "text": f"{ticket.title}\n{ticket.description}",
        "labels": {
            "type": ticket.type,
            "service": ticket.service,
            "group": ticket.group,
            "impact": None if ticket.impact_defaulted else ticket.impact,
            "urgency": None if ticket.urgency_defaulted else ticket.urgency,
        },
        "source": source,
        "at": at.isoformat(),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def opened_snapshot(ticket: Ticket) -> dict[str, Any]:
    """The ``after`` of an ``opened`` event."""
    return {
        "type": ticket.type,
        "status": ticket.status,
        "title": ticket.title,
        "priority": ticket.priority,
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "impact_defaulted": ticket.impact_defaulted,
        "urgency_defaulted": ticket.urgency_defaulted,
        "service": ticket.service,
        "requester": ticket.requester,
        "vip": ticket.vip,
        "business_unit": ticket.business_unit,
        "tags": list(ticket.tags),
        "assignee": ticket.assignee,
        "group": ticket.group,
    }


#: The instants of a ticket's view that :func:`with_local_times` shows in the reader's zone.
VIEW_INSTANTS = ("created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "next_deadline")


def with_local_times(view: dict[str, Any], zone: str | None) -> dict[str, Any]:
    """``view`` with ``local_times``: each of its instants as a reader in ``zone`` reads it, with
    the instant itself (``"Tue 24 Nov 14:00 CST (2026-11-24T20:00:00Z)"``); UTC when no zone."""
    from chalicelib.domain.instants import for_reader

    shown: dict[str, Any] = {"zone": zone or "UTC"}
    for name in VIEW_INSTANTS:
        raw = view.get(name)
        shown[name] = for_reader(datetime.fromisoformat(raw), zone) if isinstance(raw, str) else None
    return {**view, "local_times": shown}


def ticket_view(ticket: Ticket, viewer: Identity) -> dict[str, Any]:
    """The JSON shape of a ticket in API answers, as ``viewer`` may see it.

    Staff see everything. A requester sees what concerns them: the ticket's fields, its status,
    priority, service, group and assignee, its SLA summary, whether it awaits triage; not the
    monitor, the triage reasons, nor intake's working (see :func:`intake_view`).
    """
    view: dict[str, Any] = {
        "number": ticket.number,
        "type": ticket.type,
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status,
        "requester": ticket.requester,
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "priority": ticket.priority,
        "impact_defaulted": ticket.impact_defaulted,
        "urgency_defaulted": ticket.urgency_defaulted,
        "service": ticket.service,
        "tags": list(ticket.tags),
        "assignee": ticket.assignee,
        "group": ticket.group,
        "monitor": ticket.monitor,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "first_response_at": iso(ticket.first_response_at),
        "resolved_at": iso(ticket.resolved_at),
        "closed_at": iso(ticket.closed_at),
        "reopen_count": ticket.reopen_count,
        "vip": ticket.vip,
        "business_unit": ticket.business_unit,
        "version": ticket.version,
        "sla": ticket.sla or None,
        "next_deadline": iso(ticket.next_deadline),
        **intake_view(ticket, viewer),
        "change": (
            {**ticket.change.view(), "review": review_of(ticket.change, ticket.links)} if ticket.change else None
        ),
        "links": [link.to_dict() for link in ticket.links],
        "problem": ticket.problem.view() if ticket.problem else None,
        "known_errors": [dict(m) for m in ticket.matches if m.get("kind", "known_error") == "known_error"],
        "articles": [dict(m) for m in ticket.matches if m.get("kind") == "article"],
        "confirmed_at": iso(ticket.confirmed_at),
    }
    if not viewer.is_staff:
        del view["monitor"]
        if ticket.problem is not None:
            view["problem"] = {"statement": ticket.problem.statement, "workaround": ticket.problem.workaround}
    return view


def intake_view(ticket: Ticket, viewer: Identity) -> dict[str, Any]:
    """What intake decided, in the API's (and, for staff, the stored item's) shape.

    Staff see the whole working: every field's confidence, explanation, rule and model version,
    the routing scores of every candidate agent (workloads, shifts), the triage reasons. A
    requester sees each classified value and where it came from (``requester``, ``rule``,
    ``model``, ``catalog``, ``default``, ``correction``), the group and assignee routing chose,
    and whether the ticket awaits triage.
    """
    if viewer.is_staff:
        return {
            "classification": ticket.classification.to_dict() if ticket.classification else None,
            "routing": ticket.routing.to_dict() if ticket.routing else None,
            "triage": ticket.awaits_triage,
            "triage_reasons": list(ticket.triage.reasons),
            "out_of_catalog": ticket.out_of_catalog,
        }
    return {
        "classification": _requester_classification(ticket.classification.to_dict())
        if ticket.classification
        else None,
        "routing": {"assignee": ticket.routing.assignee, "group": ticket.routing.group} if ticket.routing else None,
        "triage": ticket.awaits_triage,
        "out_of_catalog": ticket.out_of_catalog,
    }


def _requester_classification(stored: dict[str, Any]) -> dict[str, Any]:
    """A stored classification as a requester sees it: each field's value and source."""
    return {
        slot: {"value": prediction.get("value"), "source": prediction.get("source")}
        for slot in SLOTS.values()
        if isinstance(prediction := stored.get(slot), dict)
    }


def _requester_classified(event: TicketEvent) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ``classified`` event's before/after for a requester: at intake the values chosen and
    where they came from; for a correction the fields changed (the staff's reason is the note,
    which requesters do not see)."""
    if event.after.get("source") == "correction":
        keep = {*SLOTS, "source"}
        return _only(event.before, keep), _only(event.after, keep)
    return {}, _requester_classification(event.after)


def _only(payload: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    wanted = set(keys)
    return {k: v for k, v in payload.items() if k in wanted}


#: What a requester sees of each event kind: the payload keys shown, and whether the note is.
#: Kinds not named here show only their kind, time and actor (a new kind is hidden until it is
#: declared here). ``classified`` is shaped by :func:`_requester_classified`.
REQUESTER_EVENT_FIELDS: dict[str, tuple[frozenset[str], bool]] = {
    EventKind.OPENED: (
        frozenset(
            {"type", "status", "title", "priority", "impact", "urgency", "impact_defaulted", "urgency_defaulted",
             "service", "requester", "vip", "business_unit", "tags", "assignee", "group"}
        ),
        False,
    ),
    EventKind.STATUS_CHANGED: (frozenset({"status", "reopened"}), True),
    EventKind.PRIORITY_CHANGED: (frozenset({"priority", "impact", "urgency"}), False),
    EventKind.FIRST_RESPONSE: (frozenset({"first_response_at", "comment_id"}), False),
    EventKind.ASSIGNED: (frozenset({"assignee", "group"}), False),
    EventKind.COMMENTED: (frozenset({"comment_id", "visibility", "body"}), False),
    EventKind.UPDATED: (frozenset({"title", "description", "service", "tags"}), False),
    EventKind.DUE_DATE_SET: (frozenset({"clock", "due_at"}), False),
    EventKind.SLA_APPLIED: (frozenset({"policy"}), False),
    EventKind.CONTESTED: (frozenset({"reason"}), True),
    EventKind.SLA_WARNING: (frozenset({"clock", "alert", "threshold", "at"}), False),
    EventKind.SLA_BREACHED: (frozenset({"clock", "alert", "threshold", "at"}), False),
    EventKind.RATED: (frozenset({"rating", "comment", "resolution", "source"}), False),
}


def event_view(event: TicketEvent, viewer: Identity) -> dict[str, Any]:
    """An event of the audit trail as ``viewer`` may see it: staff see it whole; a requester
    sees who did what and when, with the payload keys :data:`REQUESTER_EVENT_FIELDS` allows (no
    routing reasons, rule names, model versions, escalation recipients or correction reasons)."""
    view = event.to_dict()
    if viewer.is_staff:
        return view
    if event.kind == EventKind.CLASSIFIED:
        view["before"], view["after"] = _requester_classified(event)
        view["note"] = None
        return view
    keys, note = REQUESTER_EVENT_FIELDS.get(event.kind, (frozenset(), False))
    view["before"], view["after"] = _only(event.before, keys), _only(event.after, keys)
    if not note:
        view["note"] = None
    return view


def _passes(ticket: Ticket, filters: TicketFilter) -> bool:
    return (
        (filters.status is None or ticket.status == filters.status)
        and (filters.type is None or ticket.type == filters.type)
        and (filters.assignee is None or ticket.assignee == filters.assignee)
        and (filters.group is None or ticket.group == filters.group)
        and (filters.requester is None or ticket.requester == filters.requester)
        and (filters.priority is None or ticket.priority == filters.priority)
        and (filters.service is None or ticket.service == filters.service)
    )


def _search_position(cursor: str | None) -> int:
    """Where a search page starts (its cursor names the position in the matches)."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        kind, _, raw = text.partition(":")
        position = int(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed([{"field": "cursor", "reason": "is not a cursor this search gave"}]) from None
    if kind != "search" or position < 0:
        raise ValidationFailed([{"field": "cursor", "reason": "is not a cursor this search gave"}])
    return position
