"""Problem use cases: the record, opening a problem from an incident, the closure gate's follow-ups
(a major incident resolved without a problem opens one; a problem addressed closes its held
incidents), recurrences, publishing the workaround, and the views both ways.

The rules are the domain's (``chalicelib.domain.problem``; the lifecycle in
``chalicelib.domain.processes``); every write goes through the ticket service (version-guarded, with
its events) and every link through the link service (both tickets in one transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from chalicelib.domain.errors import AlreadyClaimed, ValidationFailed
from chalicelib.domain.events import EventKind
from chalicelib.domain.identity import DESK_ACTOR, STAFF_ROLES, SYSTEM, Identity
from chalicelib.domain.instants import iso
from chalicelib.domain.lifecycle import Phase
from chalicelib.domain.links import Link
from chalicelib.domain.problem import (
    ADDRESSED,
    KNOWN_ERROR,
    RESOLVED,
    ProblemRecord,
    addressed,
    apply_record_edit,
    closure_refusal,
    gated,
    incident_trend,
    parse_record_edit,
)
from chalicelib.domain.processes import lifecycle_of
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import logger, tracer
from chalicelib.services.known_errors import KnownErrorIndex
from chalicelib.services.links import LinkService
from chalicelib.services.ports import Claim
from chalicelib.services.tickets import OpenTicket, TicketService

#: The most incidents a problem view lists (a ticket keeps at most 50 links).
MAX_LISTED = 50


def _links(ticket: Ticket, kind: str) -> list[str]:
    return [link.target for link in ticket.links if link.kind == kind]


def _problem_ticket(ticket: Ticket) -> ProblemRecord | None:
    if ticket.type != "problem":
        raise ValidationFailed(
            [{"field": "number", "reason": f"{ticket.number} is a {ticket.type}: only problems have a problem record"}]
        )
    if lifecycle_of(ticket).phase(ticket.status).is_terminal:
        raise ValidationFailed([{"field": "number", "reason": f"a {ticket.status} problem takes no more changes"}])
    return ticket.problem


class ProblemService:
    def __init__(
        self,
        tickets: TicketService,
        links: LinkService,
        *,
        services: Callable[[], Collection[str]],
        categories: Sequence[str],
        known_errors: KnownErrorIndex | None = None,
        articles: Callable[[Ticket], list[dict[str, Any]]] | None = None,
    ) -> None:
        #: The public knowledge articles a new ticket matches (``KnowledgeService.offered_at_intake``).
        self.articles = articles
        self.tickets = tickets
        self.links = links
        self.services = services
        self.categories = tuple(categories)
        self.known_errors = known_errors

    @property
    def repository(self) -> Any:
        return self.tickets.repository

    def _get(self, number: str) -> Ticket | None:
        found: Ticket | None = self.repository.get(number)
        return found

    # -- the record -------------------------------------------------------------------------

    @tracer.capture_method
    def record(self, number: str, body: object, caller: Identity) -> Ticket:
        """``PUT /tickets/{number}/problem``: set the record's fields, version-guarded."""
        caller.require(*STAFF_ROLES)
        now = self.tickets.clock()
        edit = parse_record_edit(body, services=self.services(), categories=self.categories, now=now)
        ticket = self.tickets.load_for_change(number, caller, edit.version)
        change = apply_record_edit(_problem_ticket(ticket), edit)

        def write(draft: Any) -> None:
            if not change.after:
                return
            draft.ticket = draft.ticket.evolve(problem=change.record)
            draft.add(EventKind.PROBLEM_RECORDED, change.before, change.after)

        return self.tickets.amend(ticket, caller, write)

    # -- opening a problem ------------------------------------------------------------------

    @tracer.capture_method
    def open_from(self, number: str, caller: Identity, title: str | None = None) -> Ticket:
        """``POST /tickets/{number}/problem-from``: a problem opened from an incident, linked to it."""
        caller.require(*STAFF_ROLES)
        incident = self.tickets.get_ticket(number, caller)
        if incident.type != "incident":
            raise ValidationFailed(
                [{"field": "number", "reason": f"{number} is a {incident.type}: a problem is opened from an incident"}]
            )
        return self.open_for(incident, caller, title)

    def open_for(self, incident: Ticket, caller: Identity, title: str | None = None) -> Ticket:
        request = OpenTicket(
            type="problem",
            title=(title or f"Problem behind {incident.number}: {incident.title}")[:200],
            description=f"Opened from {incident.number}.\n\n{incident.description}"[:20_000],
            service=incident.service,
            impact=incident.impact,
            urgency=incident.urgency,
        )
        problem = self.tickets.open_ticket(request, caller)
        record = ProblemRecord(statement=incident.title, services=(incident.service,) if incident.service else ())

        def write(draft: Any) -> None:
            draft.ticket = draft.ticket.evolve(problem=record)
            draft.add(
                EventKind.PROBLEM_RECORDED, {}, {"statement": record.statement, "services": list(record.services)}
            )

        problem = self.tickets.amend(problem, caller, write)
        return self.links.link(problem.number, "incidents", incident.number, caller)

    # -- after a move (the closure gate's follow-ups) ----------------------------------------

    def after_move(self, before: Ticket, after: Ticket) -> Ticket:
        """A gated incident resolved without a problem opens one and links it; a problem that
        reaches resolved, closed or risk accepted with a root cause closes its held incidents."""
        if before.status == after.status:
            return after
        if after.type == "problem" and self.known_errors is not None and KNOWN_ERROR in (before.status, after.status):
            self.known_errors.forget()
        phase = lifecycle_of(after).phase(after.status)
        resolved_incident = after.type == "incident" and phase == Phase.RESOLVED
        if resolved_incident and gated(after, self.tickets.gate_priorities) and not _links(after, "problem"):
            self.open_for(after, SYSTEM)
            logger.info("problem opened for a resolved major incident", extra={"ticket": after.number})
            return self._get(after.number) or after
        if after.type == "problem" and after.status in ADDRESSED and addressed(after):
            self.close_held(after)
        return after

    def close_held(self, problem: Ticket) -> list[str]:
        """Close the resolved, gated incidents linked to ``problem`` (now addressed)."""
        closed = []
        for number in _links(problem, "incidents"):
            incident = self._get(number)
            if incident is None or lifecycle_of(incident).phase(incident.status) != Phase.RESOLVED:
                continue
            if not gated(incident, self.tickets.gate_priorities):
                continue
            why = f"closed by the desk: its problem {problem.number} is {problem.status.replace('_', ' ')}"
            try:
                self.tickets.transition(number, "close", incident.version, SYSTEM, why)
            except Exception:  # a concurrent change: the incident closes on its next trigger
                logger.exception("held incident not closed", extra={"ticket": number, "problem": problem.number})
                continue
            closed.append(number)
        return closed

    # -- links: recurrences -------------------------------------------------------------------

    def linked(self, source: Ticket, target: Ticket, link: Link) -> None:
        """A new incident linked to a resolved problem is a recurrence: the problem goes back to
        analysis, recorded with the incident's number."""
        pair = {"problem": (target, source), "incidents": (source, target)}.get(link.kind)
        if pair is None:
            return
        problem, incident = pair
        if problem.status != RESOLVED or problem.resolved_at is None or incident.created_at <= problem.resolved_at:
            return
        fresh = self._get(problem.number) or problem
        try:
            self.tickets.transition(
                fresh.number, "recur", fresh.version, SYSTEM, f"recurrence: {incident.number} linked after resolution"
            )
        except Exception:
            logger.exception("recurrence not recorded", extra={"ticket": problem.number})

    # -- publishing the workaround ----------------------------------------------------------

    @tracer.capture_method
    def publish_workaround(self, number: str, caller: Identity) -> dict[str, Any]:
        """Reply the workaround publicly on every open linked incident, once per incident (a
        claim per problem and incident written with the reply); the requesters hear of it."""
        caller.require(*STAFF_ROLES)
        problem = self.tickets.get_ticket(number, caller)
        record = _problem_ticket(problem)
        if record is None or not record.workaround:
            raise ValidationFailed([{"field": "workaround", "reason": f"{number} has no workaround to publish"}])
        published, skipped = [], []
        body = f"A workaround from {number} ({problem.title}):\n\n{record.workaround}"
        for incident_number in _links(problem, "incidents"):
            incident = self._get(incident_number)
            if incident is None or not lifecycle_of(incident).phase(incident.status).is_open:
                skipped.append(incident_number)
                continue
            claim = Claim(
                f"workaround:{number}:{incident_number}", self.tickets.clock(), incident_number, {"problem": number}
            )

            def write(draft: Any, problem_number: str = number) -> None:
                comment_id = self.tickets.add_comment(draft, caller, body, "public")
                draft.add(EventKind.WORKAROUND_PUBLISHED, {}, {"problem": problem_number, "comment_id": comment_id})

            try:
                self.tickets.amend(incident, caller, write, claims=[claim])
            except AlreadyClaimed:
                skipped.append(incident_number)
                continue
            published.append(incident_number)
        return {"problem": number, "published": published, "skipped": skipped}

    # -- known errors -------------------------------------------------------------------------

    def search_known_errors(self, text: str, service: str | None, limit: int, caller: Identity) -> list[dict[str, Any]]:
        """``GET /known-errors``: the known errors ``text`` matches, best first."""
        caller.require(*STAFF_ROLES)
        if service is not None and service not in self.services():
            raise ValidationFailed([{"field": "service", "reason": f"{service} is not a service of the catalog"}])
        if self.known_errors is None:
            return []
        return self.known_errors.search(text, service, limit)

    def match_at_intake(self, ticket: Ticket) -> Ticket:
        """An incident whose text matches known errors keeps the best three (score, workaround,
        the words that matched), and an incident or request the public articles it matches,
        recorded as the desk's event; its requester sees the workaround and the answers."""
        matches: list[dict[str, Any]] = []
        if ticket.type == "incident" and self.known_errors is not None:
            text = f"{ticket.title}\n{ticket.description}"
            matches += [{"kind": "known_error", **m} for m in self.known_errors.search(text, ticket.service)]
        if ticket.type in ("incident", "service_request") and self.articles is not None:
            matches += self.articles(ticket)
        if not matches:
            return ticket

        def write(draft: Any) -> None:
            draft.ticket = draft.ticket.evolve(matches=tuple(matches))
            found = [
                {
                    "kind": m["kind"],
                    "ref": m.get("problem") or m.get("article"),
                    "score": m["score"],
                    "matched": m["matched"],
                }
                for m in matches
            ]
            draft.add(EventKind.KNOWN_ERRORS_MATCHED, {}, {"matches": found}, actor=DESK_ACTOR)

        logger.info("known errors matched at intake", extra={"ticket": ticket.number, "matches": len(matches)})
        return self.tickets.amend(ticket, SYSTEM, write)

    # -- views ------------------------------------------------------------------------------

    def related(self, ticket: Ticket, viewer: Identity) -> dict[str, Any]:
        """What the ticket view adds: a problem's incidents with their state; an incident's
        problem with its known error and workaround, and whether the closure gate holds it."""
        if ticket.type == "problem" and viewer.is_staff:
            incidents = []
            opened = []
            for number in _links(ticket, "incidents")[:MAX_LISTED]:
                incident = self._get(number)
                if incident is not None:
                    opened.append(incident.created_at)
                    incidents.append(
                        {
                            "number": incident.number,
                            "title": incident.title,
                            "status": incident.status,
                            "priority": incident.priority,
                            "created_at": iso(incident.created_at),
                        }
                    )
            out: dict[str, Any] = {"incidents": incidents}
            if ticket.status in ADDRESSED and ticket.resolved_at is not None:
                out["trend"] = incident_trend(opened, ticket.resolved_at, self.tickets.clock())
            return out
        if ticket.type != "incident":
            return {}
        linked = {n: t for n in _links(ticket, "problem") if (t := self._get(n)) is not None}
        shown = None
        for problem in linked.values():
            record = problem.problem or ProblemRecord()
            shown = {
                "number": problem.number,
                "status": problem.status,
                "known_error": problem.status == "known_error"
                or (record.workaround is not None and record.has_root_cause),
                "workaround": record.workaround,
            }
            if viewer.is_staff:
                shown["has_root_cause"] = record.has_root_cause
            break
        held = closure_refusal(ticket, linked, self.tickets.gate_priorities)
        gate = {"holds": held is not None, "why": held, "confirmed_at": iso(ticket.confirmed_at)}
        return {"problem": shown, "closure_gate": gate}
