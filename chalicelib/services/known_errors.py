"""Known errors: the problems in ``known_error``, ranked by how well a text matches them.

One index serves ``GET /known-errors`` and intake (``ProblemService.match_at_intake``). The known
errors are read with one Query on the status index (``status = known_error``) and kept for
``ttl_seconds``, so intake pays that Query at most once in that time, whatever the number of
tickets stored; their texts (title, statement, symptoms) become features once per read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.problem import KNOWN_ERROR
from chalicelib.domain.similarity import KNOWN_ERROR_MIN, Features, ServiceTerms, features, match_score
from chalicelib.domain.ticket import Ticket
from chalicelib.services.ports import Clock, TicketFilter, TicketRepository

#: The most known errors one read takes in (pages of 100 on the status index).
MAX_KNOWN_ERRORS = 500


def known_error_text(problem: Ticket) -> str:
    """What a known error is matched on: its title, statement and symptoms (not the workaround)."""
    record = problem.problem
    parts = [problem.title]
    if record is not None:
        parts += [record.statement or "", *record.symptoms]
    return "\n".join(parts)


@dataclass(frozen=True)
class KnownError:
    problem: Ticket
    features: Features

    @property
    def services(self) -> tuple[str, ...]:
        record = self.problem.problem
        return record.services if record is not None and record.services else ()


class KnownErrorIndex:
    def __init__(
        self,
        repository: TicketRepository,
        clock: Clock,
        terms: Callable[[], ServiceTerms],
        *,
        ttl_seconds: float = 30.0,
    ) -> None:
        self.repository = repository
        self.clock = clock
        self.terms = terms
        self.ttl_seconds = ttl_seconds
        self._cached: tuple[Any, list[KnownError]] | None = None

    def forget(self) -> None:
        """Read the known errors afresh next time (after a problem enters or leaves known_error)."""
        self._cached = None

    def current(self) -> list[KnownError]:
        now = self.clock()
        if self._cached is not None and (now - self._cached[0]).total_seconds() < self.ttl_seconds:
            return self._cached[1]
        terms = self.terms()
        found: list[KnownError] = []
        cursor: str | None = None
        while len(found) < MAX_KNOWN_ERRORS:
            page = self.repository.list(TicketFilter(status=KNOWN_ERROR, type="problem"), 100, cursor)
            found += [KnownError(t, features(known_error_text(t), terms)) for t in page.tickets]
            cursor = page.cursor
            if cursor is None:
                break
        self._cached = (now, found)
        return found

    def search(
        self, text: str, service: str | None, limit: int = 3, minimum: float = KNOWN_ERROR_MIN
    ) -> list[dict[str, Any]]:
        """The known errors ``text`` matches from ``minimum`` on, best first: each with its
        problem number, title, score, workaround, services and the words that matched. With a
        ``service``, only known errors on that service (or on none named) are looked at."""
        query = features(text, self.terms())
        ranked = []
        for known in self.current():
            if service is not None and known.services and service not in known.services:
                continue
            found = match_score(query, known.features)
            if found.cosine >= minimum:
                ranked.append((found, known))
        ranked.sort(key=lambda pair: (-pair[0].cosine, pair[1].problem.number))
        return [
            {
                "problem": known.problem.number,
                "title": known.problem.title,
                "score": round(found.cosine, 3),
                "workaround": known.problem.problem.workaround if known.problem.problem else None,
                "services": list(known.services),
                "matched": list(found.matched),
            }
            for found, known in ranked[:limit]
        ]
