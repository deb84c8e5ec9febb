"""Problem candidates: incidents that look alike and have no problem, found by the desk. Pure, no I/O.

Seed 000 names problem management "deciding from the backlog of unresolved issues what needs to
be done"; the desk proposes what to decide on before anyone files a problem. From the incidents
opened in the window (default 7 days) that have no ``problem`` link, a candidate is

* a **group** of at least ``min_size`` (default 3) incidents on the same service whose texts look
  alike (``chalicelib.domain.similarity``: every incident joins a group through one it looks like
  from ``GROUP_MIN`` on), or
* a **major incident** (P1, P2) resolved without a problem.

Each candidate says why: the service, the words most of its incidents share, the time span, and a
score (how alike the incidents are, and how many). Its id is stable while the group grows (the
service and its earliest incident), so a dismissed candidate stays quiet until a new incident
joins it (:func:`still_dismissed`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

from chalicelib.domain.instants import iso
from chalicelib.domain.similarity import GROUP_MIN, Features, compare

#: Candidate states: found and not yet decided, accepted (a problem was opened), dismissed.
NEW = "new"
ACCEPTED = "accepted"
DISMISSED = "dismissed"
STATES = (NEW, ACCEPTED, DISMISSED)

DEFAULT_MIN_SIZE = 3
DEFAULT_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Incident:
    """What grouping looks at of one incident."""

    number: str
    service: str | None
    priority: str
    status: str
    created_at: datetime
    features: Features
    resolved: bool = False


@dataclass(frozen=True)
class Candidate:
    id: str
    service: str | None
    incidents: tuple[str, ...]
    shared_words: tuple[str, ...]
    first: datetime
    last: datetime
    score: float
    reason: str
    state: str = NEW
    found_at: datetime | None = None
    #: The problem opened when it was accepted.
    problem: str | None = None
    decided_by: str | None = None

    def evolve(self, **changes: Any) -> Candidate:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "incidents": list(self.incidents),
            "why": {
                "reason": self.reason,
                "service": self.service,
                "shared_words": list(self.shared_words),
                "span": {"from": iso(self.first), "to": iso(self.last)},
                "size": len(self.incidents),
            },
            "score": self.score,
            "state": self.state,
            "found_at": iso(self.found_at),
            "problem": self.problem,
            "decided_by": self.decided_by,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Candidate:
        why = doc.get("why") or {}
        span = why.get("span") or {}
        found = doc.get("found_at")
        return cls(
            id=str(doc["id"]),
            service=doc.get("service"),
            incidents=tuple(doc.get("incidents") or ()),
            shared_words=tuple(why.get("shared_words") or ()),
            first=datetime.fromisoformat(span["from"]),
            last=datetime.fromisoformat(span["to"]),
            score=float(doc.get("score") or 0),
            reason=str(why.get("reason") or ""),
            state=str(doc.get("state") or NEW),
            found_at=datetime.fromisoformat(found) if found else None,
            problem=doc.get("problem"),
            decided_by=doc.get("decided_by"),
        )


@dataclass
class _Groups:
    """Union-find over incident positions."""

    parent: list[int] = field(default_factory=list)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        self.parent[self.find(i)] = self.find(j)


def _shared_words(members: Sequence[Incident]) -> tuple[str, ...]:
    """The words at least half the incidents show (a concept's first word as one of them wrote it)."""
    counts: Counter[str] = Counter()
    for incident in members:
        counts.update(f for f in incident.features.weights if not f.startswith("service:"))
    need = max(2, (len(members) + 1) // 2)
    common = [f for f, n in counts.most_common() if n >= need]
    shown = []
    for feature in common[:8]:
        word = next(i.features.words[feature] for i in members if feature in i.features.words)
        shown.append(word)
    return tuple(shown)


def find_candidates(
    incidents: Iterable[Incident],
    *,
    min_size: int = DEFAULT_MIN_SIZE,
    major: Collection[str] = ("P1", "P2"),
    threshold: float = GROUP_MIN,
) -> list[Candidate]:
    """The candidates among ``incidents`` (those without a problem, from the window); see the
    module docstring. Incidents are compared only within one service."""
    pool = sorted(incidents, key=lambda i: (i.created_at, i.number))
    by_service: dict[str | None, list[Incident]] = {}
    for incident in pool:
        by_service.setdefault(incident.service, []).append(incident)
    found: list[Candidate] = []
    grouped: set[str] = set()
    for service, members in by_service.items():
        if service is None:
            continue
        groups = _Groups(list(range(len(members))))
        alike: dict[tuple[int, int], float] = {}
        for i, j in combinations(range(len(members)), 2):
            cosine = compare(members[i].features, members[j].features).cosine
            if cosine >= threshold:
                alike[(i, j)] = cosine
                groups.join(i, j)
        clusters: dict[int, list[int]] = {}
        for i in range(len(members)):
            clusters.setdefault(groups.find(i), []).append(i)
        for positions in clusters.values():
            if len(positions) < min_size:
                continue
            group = [members[i] for i in positions]
            scores = [c for (i, j), c in alike.items() if i in positions and j in positions]
            closeness = sum(scores) / len(scores)
            score = round(min(1.0, closeness * (0.7 + 0.1 * min(len(group), 6) / 2)), 3)
            grouped.update(i.number for i in group)
            found.append(
                Candidate(
                    id=f"{service}:{group[0].number}",
                    service=service,
                    incidents=tuple(i.number for i in group),
                    shared_words=_shared_words(group),
                    first=group[0].created_at,
                    last=group[-1].created_at,
                    score=score,
                    reason=f"{len(group)} incidents on {service} look alike",
                )
            )
    for incident in pool:
        if incident.resolved and incident.priority in major and incident.number not in grouped:
            found.append(
                Candidate(
                    id=f"major:{incident.number}",
                    service=incident.service,
                    incidents=(incident.number,),
                    shared_words=(),
                    first=incident.created_at,
                    last=incident.created_at,
                    score=1.0,
                    reason=f"a {incident.priority} incident resolved without a problem",
                )
            )
    return sorted(found, key=lambda c: (-c.score, c.id))


def still_dismissed(previous: Candidate | None, found: Candidate) -> bool:
    """A dismissed candidate stays quiet until an incident it did not hold joins it."""
    return previous is not None and previous.state == DISMISSED and set(found.incidents) <= set(previous.incidents)
