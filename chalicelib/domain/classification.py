"""What intake decided about a ticket, as typed state the ticket keeps. Pure, no I/O.

* :class:`Classification`: one :class:`FieldPrediction` per classified field (process, service,
  impact, urgency, group), each with its confidence, explanation, source and model version;
  whether the ticket needs triage and why; whether it is out of the catalog.
* :class:`RoutingDecision`: who got the ticket and how every candidate scored.
* :class:`Triage`: whether the ticket waits in the Service Manager's triage queue, and why.

The rules that change them live here too: :func:`correct` (an agent's or manager's correction,
which settles triage) and :meth:`Triage.contested` (a requester disputes the classification,
which puts the ticket back in triage). ``to_dict``/``from_dict`` give the stored and API shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

#: Where a classified value came from; ``correction`` is a person's correction after intake.
Source = Literal["requester", "rule", "words", "model", "catalog", "default", "correction"]
#: The classified fields, by the ticket attribute they set (``type`` is the process).
SLOTS: dict[str, str] = {
    "type": "process",
    "service": "service",
    "impact": "impact",
    "urgency": "urgency",
    "group": "group",
}


@dataclass(frozen=True)
class FieldPrediction:
    """One classified field. ``suggested`` keeps a candidate that was not taken (below the threshold,
    or disputing the requester's type), so triage sees it."""

    value: str | None
    confidence: float
    explanation: str
    source: Source
    model_version: str | None = None
    suggested: str | None = None

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> FieldPrediction:
        return cls(
            value=doc.get("value"),
            confidence=float(doc.get("confidence", 0.0)),
            explanation=str(doc.get("explanation", "")),
            source=doc.get("source", "default"),
            model_version=doc.get("model_version"),
            suggested=doc.get("suggested"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": round(self.confidence, 4),
            "explanation": self.explanation,
            "source": self.source,
            "model_version": self.model_version,
            "suggested": self.suggested,
        }


@dataclass(frozen=True)
class Classification:
    """The intake decision for one ticket; :meth:`to_dict` is stored on the ticket and in the
    ``classified`` event."""

    process: FieldPrediction
    service: FieldPrediction
    impact: FieldPrediction
    urgency: FieldPrediction
    group: FieldPrediction
    threshold: float
    needs_triage: bool
    triage_reasons: tuple[str, ...]
    auto_route: bool
    out_of_catalog: bool = False
    requested_service: str | None = None
    #: ``(rule name, rule version)`` of each rule that fired, in rule order.
    rules_fired: tuple[tuple[str, int], ...] = ()
    #: Predictions that were ignored (an unknown label, a rule naming an unknown group...).
    notes: tuple[str, ...] = ()

    @property
    def defaulted(self) -> tuple[str, ...]:
        """Fields that took a default because nobody stated them and no rule or confident model knew
        them: impact or urgency from the service's ``default_impact`` or the desk default, and the
        group when it fell back to triage."""
        out = [name for name, level in (("impact", self.impact), ("urgency", self.urgency)) if _guessed(level)]
        if self.group.source == "default":
            out.append("group")
        return tuple(out)

    @property
    def impact_defaulted(self) -> bool:
        return _guessed(self.impact)

    @property
    def urgency_defaulted(self) -> bool:
        return _guessed(self.urgency)

    def values(self) -> dict[str, str | None]:
        """The classified values by field name (``type``, ``service``, ``group``, ``impact``, ``urgency``)."""
        return {
            "type": self.process.value,
            "service": self.service.value,
            "group": self.group.value,
            "impact": self.impact.value,
            "urgency": self.urgency.value,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Classification:
        """The stored shape back (``defaulted`` is derived, not read)."""
        missing = FieldPrediction(None, 0.0, "", "default")

        def slot(name: str) -> FieldPrediction:
            value = doc.get(name)
            return FieldPrediction.from_dict(value) if isinstance(value, Mapping) else missing

        return cls(
            process=slot("process"),
            service=slot("service"),
            impact=slot("impact"),
            urgency=slot("urgency"),
            group=slot("group"),
            threshold=float(doc.get("threshold", 0.0)),
            needs_triage=bool(doc.get("needs_triage")),
            triage_reasons=tuple(doc.get("triage_reasons") or ()),
            auto_route=bool(doc.get("auto_route")),
            out_of_catalog=bool(doc.get("out_of_catalog")),
            requested_service=doc.get("requested_service"),
            rules_fired=tuple((r["name"], int(r["version"])) for r in doc.get("rules_fired") or ()),
            notes=tuple(doc.get("notes") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "process": self.process.to_dict(),
            "service": self.service.to_dict(),
            "impact": self.impact.to_dict(),
            "urgency": self.urgency.to_dict(),
            "group": self.group.to_dict(),
            "threshold": self.threshold,
            "needs_triage": self.needs_triage,
            "triage_reasons": list(self.triage_reasons),
            "auto_route": self.auto_route,
            "out_of_catalog": self.out_of_catalog,
            "requested_service": self.requested_service,
            "defaulted": list(self.defaulted),
            "rules_fired": [{"name": name, "version": version} for name, version in self.rules_fired],
            "notes": list(self.notes),
        }


def _guessed(level: FieldPrediction) -> bool:
    return level.source in ("catalog", "default")




@dataclass(frozen=True)
class RoutingDecision:
    """Who gets the ticket and why. ``scores`` has one entry per candidate, eligible ones first in
    rank order, then the others by name with the reason they were passed over."""

    assignee: str | None
    group: str
    reason: str
    scores: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"assignee": self.assignee, "group": self.group, "reason": self.reason, "scores": self.scores}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> RoutingDecision:
        return cls(
            assignee=doc.get("assignee"),
            group=str(doc.get("group") or ""),
            reason=str(doc.get("reason") or ""),
            scores=list(doc.get("scores") or []),
        )




#: The most triage reasons a ticket keeps (the newest); every contest stays in the ticket's events.
MAX_TRIAGE_REASONS = 10


@dataclass(frozen=True)
class Triage:
    """Whether the ticket waits in the Service Manager's triage queue, and why: the newest
    :data:`MAX_TRIAGE_REASONS` reasons, so that contesting again and again cannot grow the ticket."""

    pending: bool = False
    reasons: tuple[str, ...] = ()

    @classmethod
    def of(cls, classification: Classification) -> Triage:
        """Triage as intake left it."""
        return cls(classification.needs_triage, classification.triage_reasons)

    def contested(self, by: str, reason: str) -> Triage:
        """The requester (or staff) disputes the classification: back to triage, reason kept (the
        oldest ones folded away beyond :data:`MAX_TRIAGE_REASONS`)."""
        return Triage(True, (*self.reasons, f"contested by {by}: {reason}")[-MAX_TRIAGE_REASONS:])


def correct(
    current: Classification | None,
    values: Mapping[str, str | None],
    changes: Mapping[str, str],
    *,
    by: str,
    reason: str,
) -> Classification:
    """The classification after a person's correction: each corrected field becomes certain
    (confidence 1, source ``correction``, the reason in its explanation) and triage is settled.

    ``values`` are the ticket's values now (by ticket attribute: ``type``, ``service``...); they
    stand for the fields of a ticket that was never classified at intake.
    """
    def as_opened(attribute: str) -> FieldPrediction:
        return FieldPrediction(values.get(attribute), 1.0, "as opened", "requester")

    base = current or Classification(
        process=as_opened("type"),
        service=as_opened("service"),
        impact=as_opened("impact"),
        urgency=as_opened("urgency"),
        group=as_opened("group"),
        threshold=0.0,
        needs_triage=False,
        triage_reasons=(),
        auto_route=False,
    )
    corrected = {
        SLOTS[attribute]: FieldPrediction(value, 1.0, f"corrected by {by}: {reason}", "correction")
        for attribute, value in changes.items()
        if attribute in SLOTS
    }
    return replace(
        base,
        needs_triage=False,
        triage_reasons=(),
        out_of_catalog=base.out_of_catalog and "service" not in changes,
        **corrected,  # type: ignore[arg-type]
    )
