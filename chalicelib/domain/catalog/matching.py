"""Matching ticket text to a catalog service.

Terms and patterns are found as :mod:`chalicelib.domain.catalog.text` describes (folding, whole
words, German compounds). A service's score is ``3 x patterns + 2 x aliases + 1 x keywords`` that
fired, each distinct term counted once however often it occurs (:data:`PATTERN_WEIGHT`,
:data:`ALIAS_WEIGHT`, :data:`KEYWORD_WEIGHT`). The best score wins; ties go to more patterns fired,
then more terms fired, then the service name in alphabetical order, so the same text always gives
the same service. The confidence of a rule match is a base (0.95 when a pattern fired, 0.9 for an
alias, 0.8 for keywords only) times ``best / (best + runner-up)``: an unrivalled match keeps its
base, a tie halves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.domain.catalog.documents import Service
from chalicelib.domain.catalog.text import FoldedText, fold

PATTERN_WEIGHT = 3.0
ALIAS_WEIGHT = 2.0
KEYWORD_WEIGHT = 1.0
#: Confidence of an unrivalled rule match, by the strongest kind of term that fired.
RULE_CONFIDENCE: Mapping[str, float] = {"pattern": 0.95, "alias": 0.9, "keyword": 0.8}

MatchSource = Literal["requester", "rule", "none"]


@dataclass(frozen=True)
class ServiceMatch:
    """Which catalog service a ticket is about, and why.

    ``service`` is always a supported catalog service or ``None``. ``out_of_catalog`` says the
    ticket asks for something the desk does not support (a requested name missing from the catalog,
    or a listed but unsupported service); ``requested`` keeps what the requester asked for, so the
    request is recorded and triaged rather than rejected.
    """

    service: str | None
    confidence: float
    explanation: str
    out_of_catalog: bool
    source: MatchSource
    requested: str | None = None
    #: Services that scored, best first: ``(name, score)``.
    candidates: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "confidence": round(self.confidence, 4),
            "explanation": self.explanation,
            "out_of_catalog": self.out_of_catalog,
            "source": self.source,
            "requested": self.requested,
            "candidates": [[name, score] for name, score in self.candidates],
        }


@dataclass(frozen=True)
class _Score:
    service: Service
    score: float
    fired: tuple[tuple[str, str], ...]  # (kind, term) in catalog order

    @property
    def patterns(self) -> int:
        return sum(1 for kind, _ in self.fired if kind == "pattern")

    def key(self) -> tuple[float, int, int, str]:
        return (-self.score, -self.patterns, -len(self.fired), self.service.name)


def score_service(service: Service, text: FoldedText) -> tuple[float, tuple[tuple[str, str], ...]]:
    """The weighted score of ``service`` against ``text`` and the terms that fired, as ``(kind, term)``."""
    fired: list[tuple[str, str]] = []
    score = 0.0
    for source, pattern in zip(service.patterns, service.compiled):
        if text.search(pattern):
            fired.append(("pattern", source))
            score += PATTERN_WEIGHT
    seen: set[str] = set()
    kinds = (("alias", service.aliases, ALIAS_WEIGHT), ("keyword", service.keywords, KEYWORD_WEIGHT))
    for kind, terms, weight in kinds:
        for term in terms:
            key = fold(term)
            if key in seen:
                continue
            if text.contains(term):
                seen.add(key)
                fired.append((kind, term))
                score += weight
    return score, tuple(fired)


def _describe(fired: Sequence[tuple[str, str]], service: str) -> str:
    terms = ", ".join(f"{kind} '{term}'" for kind, term in fired)
    return f"rule: {terms} of service {service}"


def match_service(catalog: Sequence[Service], text: str, requested: str | None) -> ServiceMatch:
    """The service a ticket is about (see the module rules).

    A requested service that exists and is supported wins (source ``requester``). A requested name
    that is missing from the catalog, or names an unsupported service, is out of catalog: recorded
    in ``requested``, flagged, never rejected. Otherwise the catalog's patterns, aliases and keywords
    decide (source ``rule``); when nothing fires the result has ``service=None``, source ``none``
    and is *not* out of catalog, so a learned model may still predict one.
    """
    by_name = {s.name: s for s in catalog}
    wanted = requested.strip().lower() if requested else ""
    if wanted:
        found = by_name.get(wanted)
        if found is not None and found.supported:
            return ServiceMatch(found.name, 1.0, f"requester chose service {found.name}", False, "requester", wanted)
        why = "which the desk does not support" if found is not None else "which is not in the service catalog"
        return ServiceMatch(None, 1.0, f"requester asked for {requested!r}, {why}", True, "requester", requested)

    prepared = FoldedText(text or "")
    scores: list[_Score] = []
    for service in catalog:
        score, fired = score_service(service, prepared)
        if score > 0:
            scores.append(_Score(service, score, fired))
    if not scores:
        return ServiceMatch(None, 0.0, "no catalog rule matched", False, "none")
    scores.sort(key=_Score.key)
    best = scores[0]
    runner_up = scores[1].score if len(scores) > 1 else 0.0
    strongest = "pattern" if best.patterns else ("alias" if any(k == "alias" for k, _ in best.fired) else "keyword")
    confidence = round(RULE_CONFIDENCE[strongest] * best.score / (best.score + runner_up), 4)
    explanation = _describe(best.fired, best.service.name)
    if len(scores) > 1:
        explanation += f" (score {best.score:g}; runner-up {scores[1].service.name} {runner_up:g})"
    candidates = tuple((s.service.name, s.score) for s in scores)
    if not best.service.supported:
        return ServiceMatch(
            None,
            confidence,
            explanation + "; the desk does not support this service",
            True,
            "rule",
            best.service.name,
            candidates,
        )
    return ServiceMatch(best.service.name, confidence, explanation, False, "rule", None, candidates)
