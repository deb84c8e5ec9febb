"""Problem candidates: the hourly scan, the list, accepting and dismissing (``chalicelib.domain.candidates``).

The scan reads only the incidents opened in the window (one Query on the type index over the
creation keys, ``incidents_since``), never the whole table, so its cost grows with recent
incidents, not with all tickets stored (``make bench``). Each candidate found is stored under its
stable id: a dismissed one stays quiet until a new incident joins it; an accepted one opened its
problem (the incidents linked), after which its incidents no longer count.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from chalicelib.domain.candidates import (
    ACCEPTED,
    DEFAULT_MIN_SIZE,
    DEFAULT_WINDOW,
    DISMISSED,
    NEW,
    STATES,
    Candidate,
    Incident,
    find_candidates,
    still_dismissed,
)
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.identity import STAFF_ROLES, Identity
from chalicelib.domain.lifecycle import Phase
from chalicelib.domain.processes import lifecycle_of
from chalicelib.domain.similarity import ServiceTerms, features
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import logger, tracer
from chalicelib.services.ports import Clock

if TYPE_CHECKING:
    from chalicelib.services.problems import ProblemService

MANAGERS = ("manager", "admin")


class RecentIncidents(Protocol):
    def incidents_since(self, since: datetime) -> list[Ticket]: ...


class CandidateStore(Protocol):
    def get(self, candidate_id: str) -> tuple[Candidate, int] | None: ...

    def put(self, candidate: Candidate, version: int | None) -> None: ...

    def in_state(self, state: str, limit: int) -> list[Candidate]: ...

    def found_between(self, first: datetime, last: datetime) -> list[Candidate]:
        """Every candidate first found in ``[first, last)``, whatever its state now."""
        ...


class KeptCandidates:
    """:class:`CandidateStore` in memory: a desk built on other tickets than the tables' keeps its
    candidates with it."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[Candidate, int]] = {}

    def get(self, candidate_id: str) -> tuple[Candidate, int] | None:
        return self.items.get(candidate_id)

    def put(self, candidate: Candidate, version: int | None) -> None:
        current = self.items.get(candidate.id)
        if (current[1] if current else None) != version:
            from chalicelib.domain.errors import Conflict

            raise Conflict(f"candidate {candidate.id} changed since it was read; read it again and retry", field="id")
        self.items[candidate.id] = (candidate, (version or 0) + 1)

    def in_state(self, state: str, limit: int) -> list[Candidate]:
        found = [c for c, _ in self.items.values() if c.state == state]
        return sorted(found, key=lambda c: (c.found_at or c.last, c.id), reverse=True)[:limit]

    def found_between(self, first: datetime, last: datetime) -> list[Candidate]:
        found = [c for c, _ in self.items.values() if first <= (c.found_at or c.last) < last]
        return sorted(found, key=lambda c: (c.found_at or c.last, c.id))


def as_incident(ticket: Ticket, terms: ServiceTerms) -> Incident:
    return Incident(
        number=ticket.number,
        service=ticket.service,
        priority=ticket.priority,
        status=ticket.status,
        created_at=ticket.created_at,
        features=features(f"{ticket.title}\n{ticket.description}", terms),
        resolved=lifecycle_of(ticket).phase(ticket.status) in (Phase.RESOLVED, Phase.CLOSED),
    )


class CandidateFinder:
    def __init__(
        self,
        incidents: RecentIncidents,
        store: CandidateStore,
        clock: Clock,
        terms: Callable[[], ServiceTerms],
        problems: Callable[[], ProblemService],
        *,
        window: timedelta = DEFAULT_WINDOW,
        min_size: int = DEFAULT_MIN_SIZE,
        major: frozenset[str] = frozenset({"P1", "P2"}),
    ) -> None:
        self.incidents = incidents
        self.store = store
        self.clock = clock
        self.terms = terms
        self.problems = problems
        self.window = window
        self.min_size = min_size
        self.major = major

    @tracer.capture_method
    def scan(self) -> list[Candidate]:
        """Find the candidates among the incidents of the window without a problem; store the new
        and the grown ones; return those that are new (or came back) this scan."""
        now = self.clock()
        terms = self.terms()
        pool = [
            as_incident(t, terms)
            for t in self.incidents.incidents_since(now - self.window)
            if not any(link.kind == "problem" for link in t.links)
            and lifecycle_of(t).phase(t.status) != Phase.CANCELLED
        ]
        fresh = []
        for found in find_candidates(pool, min_size=self.min_size, major=self.major):
            stored = self.store.get(found.id)
            previous, version = stored if stored is not None else (None, None)
            if previous is not None and previous.state == ACCEPTED:
                continue
            if still_dismissed(previous, found):
                continue
            if previous is not None and previous.state == NEW:
                if previous.incidents != found.incidents or previous.score != found.score:
                    self.store.put(found.evolve(found_at=previous.found_at), version)
                continue
            self.store.put(found.evolve(found_at=now, state=NEW), version)
            fresh.append(found.evolve(found_at=now))
        logger.info("problem candidates scanned", extra={"incidents": len(pool), "new": len(fresh)})
        return fresh

    def run_now(self, caller: Identity) -> list[Candidate]:
        """``POST /problems/candidates/scan``: a manager runs the scan at once."""
        caller.require(*MANAGERS)
        return self.scan()

    def listed(self, state: str, limit: int, caller: Identity) -> list[Candidate]:
        caller.require(*STAFF_ROLES)
        if state not in STATES:
            raise ValidationFailed([{"field": "state", "reason": f"must be one of {', '.join(STATES)}"}])
        return self.store.in_state(state, limit)

    def _open(self, candidate_id: str) -> tuple[Candidate, int]:
        stored = self.store.get(candidate_id)
        if stored is None:
            raise NotFound(f"no problem candidate {candidate_id}", field="id")
        candidate, version = stored
        if candidate.state != NEW:
            raise ValidationFailed(
                [{"field": "id", "reason": f"candidate {candidate_id} is {candidate.state} already"}]
            )
        return candidate, version

    @tracer.capture_method
    def accept(self, candidate_id: str, caller: Identity, title: str | None = None) -> tuple[Candidate, Ticket]:
        """Open a problem for the candidate, linking its incidents; the candidate is accepted."""
        caller.require(*STAFF_ROLES)
        candidate, version = self._open(candidate_id)
        # Claim the candidate first: a second accept is refused instead of opening a second problem.
        claimed = candidate.evolve(state=ACCEPTED, decided_by=caller.user)
        self.store.put(claimed, version)
        problems = self.problems()
        first, *others = candidate.incidents
        incident = problems.tickets.get_ticket(first, caller)
        words = ", ".join(candidate.shared_words[:4])
        problem = problems.open_for(incident, caller, title or (f"{candidate.reason}: {words}" if words else None))
        for number in others:
            linked = problems.tickets.repository.get(number)
            if linked is not None and not any(link.kind == "problem" for link in linked.links):
                problem = problems.links.link(problem.number, "incidents", number, caller)
        accepted = claimed.evolve(problem=problem.number)
        stored = self.store.get(candidate_id)
        self.store.put(accepted, stored[1] if stored else None)
        return accepted, problem

    def dismiss(self, candidate_id: str, caller: Identity) -> Candidate:
        """Keep the candidate quiet until a new incident joins it."""
        caller.require(*STAFF_ROLES)
        candidate, version = self._open(candidate_id)
        dismissed = candidate.evolve(state=DISMISSED, decided_by=caller.user)
        self.store.put(dismissed, version)
        return dismissed
