"""What the requester portal reads besides the ticket API: the catalog a requester may choose
from, and what is already known to be broken.

``KnownBroken.issues()`` is the banner's one data source: it joins what each of its sources
finds (today :func:`major_incidents`: open P1/P2 incidents, one line per service). A source is
any callable ``(now) -> Iterable[KnownIssue]``, so known errors from problem management are one
more source given in the composition root. Requesters see their own tickets only, so the banner
names services and how bad it is, never another person's ticket, title or words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.catalog.documents import Service
from chalicelib.domain.identity import Identity
from chalicelib.domain.lifecycle import NeedsReason, actor_of
from chalicelib.domain.processes import lifecycle_for, lifecycle_of, phase_of
from chalicelib.services.ports import Clock, TicketFilter, TicketRepository

#: Priorities worth a banner, and how each is said to a requester.
MAJOR_PRIORITIES = {"P1": "is down", "P2": "is seriously disrupted"}


@dataclass(frozen=True)
class KnownIssue:
    """One line of the banner: ``kind`` (``major_incident`` or ``known_error``), the service it is
    on and its title, the words, and since when."""

    kind: str
    service: str
    service_title: str
    summary: str
    since: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "service": self.service,
            "service_title": self.service_title,
            "summary": self.summary,
            "since": self.since.isoformat(),
        }


IssueSource = Callable[[datetime], Iterable[KnownIssue]]


def catalog_choices(services: Sequence[Service]) -> list[dict[str, Any]]:
    """The active services a requester may pick, by title: name, title, description and
    whether the desk supports it (an unsupported one is still recorded, as out of catalog)."""
    active = [s for s in services if s.active]
    return [
        {
            "name": s.name,
            "title": s.title,
            "description": s.description,
            "supported": s.supported,
            "aliases": list(s.aliases),
        }
        for s in sorted(active, key=lambda s: s.title.lower())
    ]


def major_incidents(repository: TicketRepository, services: Callable[[], Sequence[Service]]) -> IssueSource:
    """Open P1/P2 incidents on catalog services, one issue per service (its worst priority, since
    its earliest such incident). Reads the open incidents on the status index (the working set,
    as the morning patrol does); incidents not yet tied to a service are left out, since nothing
    could be said of them without their private words."""
    open_statuses = lifecycle_for("incident").open_states

    def source(now: datetime) -> list[KnownIssue]:
        titles = {s.name: s.title for s in services()}
        worst: dict[str, tuple[str, datetime, bool]] = {}
        for status in open_statuses:
            cursor: str | None = None
            while True:
                page = repository.list(TicketFilter(status=status, type="incident"), 100, cursor)
                for ticket in page.tickets:
                    if ticket.priority not in MAJOR_PRIORITIES or not ticket.service:
                        continue
                    taken = status != "new"
                    seen = worst.get(ticket.service)
                    if seen is None:
                        worst[ticket.service] = (ticket.priority, ticket.created_at, taken)
                    else:
                        worst[ticket.service] = (
                            min(seen[0], ticket.priority),
                            min(seen[1], ticket.created_at),
                            seen[2] or taken,
                        )
                cursor = page.cursor
                if cursor is None:
                    break
        issues = []
        for service, (priority, since, taken) in worst.items():
            title = titles.get(service, service)
            work = "the desk is working on it" if taken else "the desk knows and is taking it up"
            issues.append(
                KnownIssue("major_incident", service, title, f"{title} {MAJOR_PRIORITIES[priority]}: {work}.", since)
            )
        return issues

    return source


def known_errors(current: Callable[[], Sequence[Any]], services: Callable[[], Sequence[Service]]) -> IssueSource:
    """Known errors (problems in ``known_error``) on catalog services: one issue per service each
    names, in the requester's words: what is known to go wrong and what to do until it is fixed.
    A known error naming no service says nothing a requester could place, and is left out."""

    def source(now: datetime) -> list[KnownIssue]:
        titles = {s.name: s.title for s in services()}
        issues = []
        for known in current():
            problem = known.problem
            record = problem.problem
            workaround = record.workaround if record is not None else None
            for service in known.services:
                title = titles.get(service, service)
                summary = f"{title}: {problem.title}."
                if workaround:
                    summary += f" Until it is fixed: {workaround}"
                issues.append(KnownIssue("known_error", service, title, summary, problem.created_at))
        return issues

    return source


class KnownBroken:
    """The banner's data: every source's issues, oldest first, kept
    for ``cache_seconds`` so a busy portal reads the working set once per interval per process."""

    def __init__(self, sources: Sequence[IssueSource], clock: Clock, *, cache_seconds: float = 30.0) -> None:
        self.sources = tuple(sources)
        self.clock = clock
        self.cache_seconds = cache_seconds
        self._cached: tuple[datetime, list[KnownIssue]] | None = None

    def issues(self) -> list[KnownIssue]:
        now = self.clock()
        if self._cached is not None and now - self._cached[0] < timedelta(seconds=self.cache_seconds):
            return self._cached[1]
        found = [issue for source in self.sources for issue in source(now)]
        found.sort(key=lambda i: (i.since, i.service))
        self._cached = (now, found)
        return found


def moves_for(ticket: Any, who: Identity) -> dict[str, Any]:
    """The moves ``who`` may make on ``ticket`` now, from its lifecycle's declaration: each move's
    target, word and whether it needs a reason; and the phase of its status (``open``,
    ``waiting``, ``resolved``, ``closed``, ``cancelled``)."""
    flow = lifecycle_of(ticket)
    moves = [
        {"to": m.target, "word": m.word, "needs_reason": any(isinstance(r, NeedsReason) for r in m.requires)}
        for m in flow.moves_from(ticket.status, actor_of(who))
    ]
    return {"status": ticket.status, "phase": str(phase_of(ticket.type, ticket.status)), "moves": moves}
