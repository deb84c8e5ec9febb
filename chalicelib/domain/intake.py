"""Classification at intake: which process, which service, how big and how urgent, which group.

Seed 000: "Incoming tickets are classified in terms of one of the three ITIL process categories.
Important: which process is invoked. How urgent the ticket is." and "Service Manager is involved in
classification and routing of tickets." Classification combines, in order of trust:

1. what the requester said (a chosen type, service, impact or urgency);
2. the service catalog's own terms (:func:`chalicelib.domain.catalog.matching.match_service`);
3. admin-defined :class:`ClassificationRule` documents, which win over the learned model;
4. the learned models (one per field: ``type``, ``service``, ``group``, ``impact``, ``urgency``),
   trusted only at or above ``threshold``;
5. the documented defaults.

Per field:

* **process** (ticket type): the requester's choice is kept. A confident disagreement (a rule setting
  another type, or else the type model at or above the threshold predicting another type) is flagged
  for triage: ``"requester chose service_request, model says incident (0.91: words 'outage' ...)"``.
* **impact**, **urgency**: the requester's value is kept when given. When left out, a rule, then
  the requester's words (:mod:`chalicelib.domain.requester_words`: "the whole office", "alle
  Benutzer", "sofort"; source ``words``, the matched words in the explanation), then a confident
  model fills it in; otherwise the impact falls back to the chosen service's
  ``default_impact`` (source ``catalog``) and anything still open to
  :data:`~chalicelib.domain.ticket.DEFAULT_LEVEL` ("medium", source ``default``). Both fallbacks are
  listed in ``defaulted`` for the Service Manager to review (seed 000: "If business need is not
  conveyed in the ticket, the ticket gets processed and prioritized according to our best
  understanding of the business need").
* **service**: the requester's supported choice, else the catalog match, else a rule, else the
  service model; the first of those at or above the threshold is taken. A requested service missing
  from the catalog (or unsupported) is *out of catalog*: recorded, flagged, never rejected.
* **group**: the chosen service's owning group (source ``catalog``), else a rule, else the group
  model, else :data:`~chalicelib.domain.catalog.documents.TRIAGE_GROUP` (``service-desk``, source ``default``).

A prediction below the threshold is never taken; its label is kept in ``suggested`` for triage.
``needs_triage`` holds when the service or group decision had a candidate below the threshold, when
the group fell back to triage, when the ticket is out of catalog, or when the type is disputed.
``auto_route`` is false when the service or group is uncertain, out of catalog or defaulted: such a
ticket goes to the triage group without an assignee. A disputed type alone does not stop routing to a
confidently known group; the Service Manager reviews the type (requesters may ask to change it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain import validation as check
from chalicelib.domain.catalog.documents import TRIAGE_GROUP, Service
from chalicelib.domain.catalog.matching import match_service
from chalicelib.domain.catalog.text import FoldedText
from chalicelib.domain.classification import Classification, FieldPrediction, Source
from chalicelib.domain.instants import is_aware, iso
from chalicelib.domain.requester_words import WORDS_CONFIDENCE, levels_in
from chalicelib.domain.ticket import DEFAULT_LEVEL, LEVELS, TICKET_TYPES
from chalicelib.domain.validation import Problems

#: The fields a rule may set and a model may predict.
FIELDS = ("type", "service", "group", "impact", "urgency")
RULE_FIELDS = frozenset({"name", "pattern", "keywords", "set", "version", "description"})
EXAMPLE_SOURCES = ("correction", "closed")
_RULE_NAME = "is required: lowercase letters, digits and '-' (at most 63)"
_FIELD_NAME = "must be a name: lowercase letters, digits and '-'"
_WORD = re.compile(r"[^\W_]")


class PredictionLike(Protocol):
    """What a model returns (``chalicelib.domain.classifier.Prediction`` provides it)."""

    @property
    def label(self) -> str: ...

    @property
    def confidence(self) -> float: ...

    @property
    def explanation(self) -> str: ...


class TextModel(Protocol):
    """What classification needs of a model (``chalicelib.domain.classifier.Model`` provides it)."""

    @property
    def model_version(self) -> str: ...

    def predict(self, text: str) -> PredictionLike: ...


# --------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class ClassificationRule:
    """An admin-defined rule: when its ``pattern`` matches or any of its ``keywords`` occurs (same
    matching as the catalog: word boundaries, case and accent insensitive, German compounds), it sets
    the fields in ``sets``. Rules are consulted in list order; for each field the first rule that
    fires and sets it wins."""

    name: str
    sets: tuple[tuple[str, str], ...]
    pattern: str | None = None
    keywords: tuple[str, ...] = ()
    version: int = 1
    description: str = ""
    compiled: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.pattern is not None and self.compiled is None:
            object.__setattr__(self, "compiled", re.compile(self.pattern))

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ClassificationRule:
        """Validate a rule document; raise ``ValidationFailed`` listing every problem found."""
        doc = check.require_mapping(doc, "rule")
        problems = Problems()
        check.unknown_fields(doc, RULE_FIELDS, problems)
        name = check.name(doc.get("name"), "name", problems, missing=_RULE_NAME, reason=_RULE_NAME)
        compiled = None
        if doc.get("pattern") is not None:
            compiled = check.regex(doc.get("pattern"), "pattern", problems)
        raw_keywords = doc.get("keywords")
        keywords = check.items(
            raw_keywords, "keywords", problems, _keyword(problems), reason="must be a list of strings"
        )
        if doc.get("pattern") is None and not raw_keywords:
            problems.fail("pattern", "a rule needs a pattern or keywords")
        sets = _parse_sets(doc.get("set"), problems)
        version = check.positive_int(doc.get("version", 1), "version", problems)
        description = check.string(doc.get("description", ""), "description", problems)
        problems.check()
        return cls(
            name=str(name),
            sets=sets,
            pattern=compiled.pattern if compiled is not None else None,
            keywords=tuple(keywords),
            version=version,
            description=description,
            compiled=compiled,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "set": dict(self.sets), "version": self.version}
        if self.pattern is not None:
            out["pattern"] = self.pattern
        if self.keywords:
            out["keywords"] = list(self.keywords)
        if self.description:
            out["description"] = self.description
        return out

    def value_for(self, field_name: str) -> str | None:
        return dict(self.sets).get(field_name)

    def fires(self, text: FoldedText) -> str | None:
        """What fired, e.g. ``"keyword 'outage'"``, or ``None`` when the rule does not apply."""
        if self.compiled is not None and text.search(self.compiled):
            return f"pattern '{self.pattern}'"
        for keyword in self.keywords:
            if text.contains(keyword):
                return f"keyword '{keyword}'"
        return None


def _keyword(problems: Problems) -> Callable[[object, str], str | None]:
    def read(keyword: object, path: str) -> str | None:
        if not isinstance(keyword, str) or not _WORD.search(keyword):
            problems.fail(path, "must be a string with letters or digits")
            return None
        return keyword

    return read


def _field_value(key: str, value: object, path: str, problems: Problems) -> str | None:
    """One field's value as a rule sets it or a correction states it (``None`` after reporting it)."""
    if key in ("service", "group"):
        return check.name(value, path, problems, missing=_FIELD_NAME, reason=_FIELD_NAME)
    return check.choice(value, path, problems, TICKET_TYPES if key == "type" else LEVELS)


def _parse_sets(value: object, problems: Problems) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping) or not value:
        problems.fail("set", f"must be an object setting at least one of {', '.join(FIELDS)}")
        return ()
    out: list[tuple[str, str]] = []
    for key, item in value.items():
        path = f"set.{key}"
        if key not in FIELDS:
            problems.fail(path, f"unknown field; a rule may set {', '.join(FIELDS)}")
        elif _field_value(key, item, path, problems) is not None:
            out.append((str(key), str(item)))
    return tuple(sorted(out))


def load_rules(
    docs: Sequence[Mapping[str, Any]],
    *,
    catalog: Sequence[Service] | None = None,
    groups: Collection[str] | None = None,
) -> list[ClassificationRule]:
    """Validate a rule list (names unique) and, when given, that the services and groups it sets
    exist; errors are reported as ``rules[i].field``."""
    services = {s.name for s in catalog} if catalog is not None else None

    def references(rule: ClassificationRule, here: Problems) -> None:
        service = rule.value_for("service")
        if services is not None and service is not None and service not in services:
            here.fail("set.service", f"unknown service {service!r}")
        group = rule.value_for("group")
        if groups is not None and group is not None and group not in groups:
            here.fail("set.group", f"unknown group {group!r}")

    problems = Problems()
    rules = check.named_documents(docs, "rules", ClassificationRule.from_dict, problems, each=references)
    problems.check()
    return list(rules.values())


# --------------------------------------------------------------------------------------------
# Classification


@dataclass(frozen=True)
class _Candidate:
    value: str
    confidence: float
    explanation: str
    source: Source
    model_version: str | None = None
    #: The model's own explanation of its prediction (``words: ...``).
    detail: str = ""

    def taken(self) -> FieldPrediction:
        return FieldPrediction(self.value, self.confidence, self.explanation, self.source, self.model_version)


def _model_candidate(
    models: Mapping[str, TextModel], name: str, text: str, allowed: Collection[str] | None
) -> tuple[_Candidate | None, str | None]:
    """The model's prediction for field ``name`` as a candidate, or a note on why it was ignored."""
    model = models.get(name)
    if model is None:
        return None, None
    prediction = model.predict(text)
    version = str(model.model_version)
    if allowed is not None and prediction.label not in allowed:
        return None, f"{name}: model {version} predicted unknown {name} {prediction.label!r}; ignored"
    explanation = f"model {version}: {prediction.label} ({prediction.confidence:.2f}: {prediction.explanation})"
    candidate = _Candidate(
        prediction.label, float(prediction.confidence), explanation, "model", version, prediction.explanation
    )
    return candidate, None


def _first_confident(
    candidates: Sequence[_Candidate], threshold: float
) -> tuple[_Candidate | None, _Candidate | None]:
    """The first candidate at or above ``threshold``, and the first one below it seen before that."""
    weak: _Candidate | None = None
    for candidate in candidates:
        if candidate.confidence >= threshold:
            return candidate, weak
        if weak is None:
            weak = candidate
    return None, weak


def predicted_type(
    text: str, models: Mapping[str, TextModel], rules: Sequence[ClassificationRule], threshold: float,
    allowed: Collection[str],
) -> str | None:
    """The type a rule sets for ``text``, else the type model's at or above ``threshold``, when it
    is one of ``allowed``; None otherwise (mail that names no type: the classifier decides)."""
    candidate = _rule_candidate(_fired_rules(rules, FoldedText(text or "")), "type")
    if candidate is None:
        model, _ = _model_candidate(models, "type", text, TICKET_TYPES)
        candidate = model if model is not None and model.confidence >= threshold else None
    return candidate.value if candidate is not None and candidate.value in allowed else None


def _fired_rules(rules: Sequence[ClassificationRule], text: FoldedText) -> list[tuple[ClassificationRule, str]]:
    fired: list[tuple[ClassificationRule, str]] = []
    for rule in rules:
        what = rule.fires(text)
        if what is not None:
            fired.append((rule, what))
    return fired


def _rule_candidate(fired: Sequence[tuple[ClassificationRule, str]], name: str) -> _Candidate | None:
    for rule, what in fired:
        value = rule.value_for(name)
        if value is not None:
            return _Candidate(value, 1.0, f"rule '{rule.name}' v{rule.version}: {what} sets {name} {value}", "rule")
    return None


def _level(
    name: str,
    given: str | None,
    fired: Sequence[tuple[ClassificationRule, str]],
    models: Mapping[str, TextModel],
    text: str,
    threshold: float,
    notes: list[str],
    service: Service | None = None,
) -> FieldPrediction:
    if given:
        return FieldPrediction(given, 1.0, f"requester set {name} {given}", "requester")
    candidates: list[_Candidate] = []
    rule = _rule_candidate(fired, name)
    if rule is not None:
        candidates.append(rule)
    stated = levels_in(text).get(name)
    if stated is not None:
        candidates.append(_Candidate(stated.level, WORDS_CONFIDENCE, stated.explanation, "words"))
    model, note = _model_candidate(models, name, text, LEVELS)
    if note:
        notes.append(note)
    if model is not None:
        candidates.append(model)
    taken, weak = _first_confident(candidates, threshold)
    if taken is not None:
        return taken.taken()
    value: str = DEFAULT_LEVEL
    source: Source = "default"
    explanation = f"not stated by the requester; default {DEFAULT_LEVEL} until the business need is known"
    if service is not None and name == "impact":
        value, source = service.default_impact, "catalog"
        explanation = (
            f"not stated by the requester; default impact {value} of service {service.name} "
            "until the business need is known"
        )
    if weak is not None:
        explanation += f" ({weak.explanation}, below the threshold {threshold:.2f})"
        return FieldPrediction(value, 0.0, explanation, source, weak.model_version, weak.value)
    return FieldPrediction(value, 0.0, explanation, source)


def _check_inputs(requested_type: str, impact: str | None, urgency: str | None, threshold: float) -> None:
    problems = Problems()
    check.choice(requested_type, "type", problems, TICKET_TYPES)
    for name, value in (("impact", impact), ("urgency", urgency)):
        if value:
            check.choice(value, name, problems, LEVELS)
    if not 0.0 <= threshold <= 1.0:
        problems.fail("threshold", "must be between 0 and 1")
    problems.check()


def classify(
    *,
    text: str,
    requested_type: str,
    requested_service: str | None,
    impact: str | None,
    urgency: str | None,
    catalog: Sequence[Service],
    models: Mapping[str, TextModel],
    rules: Sequence[ClassificationRule],
    threshold: float,
    groups: Collection[str] | None = None,
) -> Classification:
    """Classify a new ticket (see the module rules). ``text`` is the title and description together;
    ``groups`` are the known group names (a rule or model naming another group is ignored; ``None``
    accepts any). Raises ``ValidationFailed`` for a type, impact or urgency outside the known values.
    """
    _check_inputs(requested_type, impact, urgency, threshold)
    prepared = FoldedText(text or "")
    fired = _fired_rules(rules, prepared)
    notes: list[str] = []
    reasons: list[str] = []
    by_name = {s.name: s for s in catalog}
    supported = {name for name, s in by_name.items() if s.supported}

    # -- process: the requester's type is kept; a confident disagreement is flagged.
    process = FieldPrediction(requested_type, 1.0, f"requester chose {requested_type}", "requester")
    dispute: _Candidate | None = _rule_candidate(fired, "type")
    if dispute is None:
        model, note = _model_candidate(models, "type", text, TICKET_TYPES)
        if note:
            notes.append(note)
        if model is not None and model.confidence >= threshold:
            dispute = model
    if dispute is not None and dispute.value != requested_type:
        if dispute.source == "model":
            says = f"model says {dispute.value} ({dispute.confidence:.2f}: {dispute.detail})"
        else:
            says = f"rule says {dispute.value} ({dispute.explanation})"
        reason = f"requester chose {requested_type}, {says}"
        reasons.append(reason)
        process = FieldPrediction(requested_type, 1.0, reason, "requester", dispute.model_version, dispute.value)

    # -- service
    match = match_service(catalog, text, requested_service)
    service_candidates: list[_Candidate] = []
    if match.service is not None:
        source: Source = "requester" if match.source == "requester" else "rule"
        service_candidates.append(_Candidate(match.service, match.confidence, match.explanation, source))
    if match.out_of_catalog:
        reasons.append(f"out of catalog: {match.explanation}")
        out_source: Source = "requester" if match.source == "requester" else "rule"
        service = FieldPrediction(None, match.confidence, match.explanation, out_source, None, match.requested)
    else:
        rule_service = _rule_candidate(fired, "service")
        if rule_service is not None:
            if rule_service.value in supported:
                service_candidates.append(rule_service)
            else:
                notes.append(f"service: {rule_service.explanation}, which is not a supported catalog service; ignored")
        model_service, note = _model_candidate(models, "service", text, supported)
        if note:
            notes.append(note)
        if model_service is not None:
            service_candidates.append(model_service)
        taken, weak = _first_confident(service_candidates, threshold)
        if taken is not None:
            service = taken.taken()
        elif weak is not None:
            reasons.append(f"service: {weak.explanation} is below the threshold {threshold:.2f}")
            service = FieldPrediction(
                None, weak.confidence, f"uncertain: {weak.explanation}", weak.source, weak.model_version, weak.value
            )
        else:
            service = FieldPrediction(None, 0.0, f"no service identified ({match.explanation})", "default")

    # -- group
    group_candidates: list[_Candidate] = []
    if service.value is not None:
        owner = by_name[service.value].support_group
        if groups is None or owner in groups:
            owns = f"{owner} owns service {service.value}"
            group_candidates.append(_Candidate(owner, service.confidence, owns, "catalog", service.model_version))
        else:
            notes.append(f"group: service {service.value} names unknown group {owner!r}; ignored")
    rule_group = _rule_candidate(fired, "group")
    if rule_group is not None:
        if groups is None or rule_group.value in groups:
            group_candidates.append(rule_group)
        else:
            notes.append(f"group: {rule_group.explanation}, which is not a known group; ignored")
    model_group, note = _model_candidate(models, "group", text, groups)
    if note:
        notes.append(note)
    if model_group is not None:
        group_candidates.append(model_group)
    taken_group, weak_group = _first_confident(group_candidates, threshold)
    if taken_group is not None:
        group = taken_group.taken()
        group_certain = True
    else:
        group_certain = False
        if weak_group is not None:
            why = f"{weak_group.explanation} is below the threshold {threshold:.2f}"
            reasons.append(f"group: {why}; {TRIAGE_GROUP} triages")
            group = FieldPrediction(
                TRIAGE_GROUP, 0.0, f"triage: {why}", "default", weak_group.model_version, weak_group.value
            )
        else:
            reasons.append(f"group: no service or group identified; {TRIAGE_GROUP} triages")
            group = FieldPrediction(TRIAGE_GROUP, 0.0, "triage: no service or group identified", "default")

    chosen = by_name.get(service.value) if service.value is not None else None
    impact_prediction = _level("impact", impact, fired, models, text, threshold, notes, chosen)
    urgency_prediction = _level("urgency", urgency, fired, models, text, threshold, notes)

    service_uncertain = service.value is None and service.suggested is not None
    auto_route = group_certain and not service_uncertain and not match.out_of_catalog
    return Classification(
        process=process,
        service=service,
        impact=impact_prediction,
        urgency=urgency_prediction,
        group=group,
        threshold=threshold,
        needs_triage=bool(reasons),
        triage_reasons=tuple(reasons),
        notes=tuple(notes),
        auto_route=auto_route,
        out_of_catalog=match.out_of_catalog,
        requested_service=match.requested if match.source == "requester" else None,
        rules_fired=tuple((rule.name, rule.version) for rule, _what in fired),
    )


# --------------------------------------------------------------------------------------------
# Labelled examples


def labelled_example(
    ticket_text: str,
    corrected: Mapping[str, str | None],
    *,
    at: datetime,
    source: str = "correction",
) -> dict[str, Any]:
    """A training example from a ticket's final fields: every correction (and every closed ticket)
    teaches the models. ``corrected`` holds the fields' final values (``type``, ``service``,
    ``group``, ``impact``, ``urgency``; missing ones are ``None``, i.e. unknown). ``at`` is when the
    example was made (timezone-aware). Raises ``ValidationFailed`` naming each bad field."""
    problems = Problems()
    check.unknown_fields(corrected, FIELDS, problems, f"unknown field; use {', '.join(FIELDS)}")
    for name in ("type", "impact", "urgency", "service", "group"):
        value = corrected.get(name)
        if value is not None:
            _field_value(name, value, name, problems)
    if not isinstance(ticket_text, str) or not ticket_text.strip():
        problems.fail("text", "must be non-empty text")
    check.choice(source, "source", problems, EXAMPLE_SOURCES)
    if not is_aware(at):
        problems.fail("at", "must be timezone-aware")
    problems.check()
    example: dict[str, Any] = {"text": ticket_text}
    for name in FIELDS:
        example[name] = corrected.get(name)
    example["source"] = source
    example["at"] = iso(at)
    return example
