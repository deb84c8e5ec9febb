"""The service catalog, the support groups and their agents, and matching ticket text to a service.

Seed 003: "the first decision is to determine whether the request is one the IT Department supports
or not". The catalog answers that question. Each service is a validated, versioned document::

    {"name": "vpn", "title": "Remote access VPN", "description": "...",
     "aliases": ["remote access", "fernzugriff"], "keywords": ["vpn", "anyconnect", "tunnel"],
     "patterns": ["(?i)\\bvpn\\b"], "support_group": "network", "default_impact": "medium",
     "calendar": null, "sla_policy": null, "supported": true, "version": 1}

``calendar`` and ``sla_policy`` are overrides (``null`` means the desk's defaults); ``supported:
false`` keeps a service listed (so requests for it are recognised and recorded) while the desk does
not fulfil it.

Text matching (:func:`match_service`, also used by the intake rules) works on English and German:

* Text and terms are *folded*: case-folded, German umlauts spelled out (``ä`` -> ``ae``, ``ß`` ->
  ``ss``), other accents removed. A second folding drops umlauts to their base letter (``ä`` ->
  ``a``); a term matches when it matches under either folding, so ``Gerät``, ``Geraet`` and ``Gerat``
  all match the keyword ``gerät``.
* Terms match whole words, in order (``remote access`` needs both words next to each other).
  A term word of at least :data:`COMPOUND_MIN_LENGTH` characters also matches inside a longer word,
  for German compounds and inflections: ``drucker`` matches ``Druckerproblem`` and ``Druckers``.
* Patterns are regular expressions searched in the original text and in its folded form.

A service's score is ``3 x patterns + 2 x aliases + 1 x keywords`` that fired, each distinct term
counted once however often it occurs (:data:`PATTERN_WEIGHT`, :data:`ALIAS_WEIGHT`,
:data:`KEYWORD_WEIGHT`). The best score wins; ties go to more patterns fired, then more terms fired,
then the service name in alphabetical order, so the same text always gives the same service. The
confidence of a rule match is a base (0.95 when a pattern fired, 0.9 for an alias, 0.8 for keywords
only) times ``best / (best + runner-up)``: an unrivalled match keeps its base, a tie halves it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.ticket import LEVELS

#: Service, group and agent ids: lowercase letters, digits and '-', starting with a letter or digit.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: Term words at least this long also match inside longer words (German compounds).
COMPOUND_MIN_LENGTH = 5
PATTERN_WEIGHT = 3.0
ALIAS_WEIGHT = 2.0
KEYWORD_WEIGHT = 1.0
#: Confidence of an unrivalled rule match, by the strongest kind of term that fired.
RULE_CONFIDENCE: Mapping[str, float] = {"pattern": 0.95, "alias": 0.9, "keyword": 0.8}
#: The group that triages tickets nobody else claims.
TRIAGE_GROUP = "service-desk"
SHIFT_CALENDARS = ("office", "24x7")
TERM_MAX_LENGTH = 100
PATTERN_MAX_LENGTH = 500

MatchSource = Literal["requester", "rule", "none"]

SERVICE_FIELDS = frozenset(
    {
        "name",
        "title",
        "description",
        "aliases",
        "keywords",
        "patterns",
        "support_group",
        "default_impact",
        "calendar",
        "sla_policy",
        "supported",
        "version",
    }
)
GROUP_FIELDS = frozenset({"name", "title", "lead", "tier", "escalation_group", "version"})
AGENT_FIELDS = frozenset({"name", "display_name", "groups", "skills", "shift", "active", "max_open", "version"})

_Fail = Callable[[str, str], None]
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
_TOKEN = re.compile(r"[^\W_]+")


# --------------------------------------------------------------------------------------------
# Folding and term matching (shared with the intake rules)


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case-folded text with umlauts spelled out (``ä`` -> ``ae``) and other accents removed."""
    return _strip_accents(unicodedata.normalize("NFC", text).casefold().translate(_SPELLED))


def fold_plain(text: str) -> str:
    """Case-folded text with umlauts reduced to their base letter (``ä`` -> ``a``), accents removed."""
    return _strip_accents(unicodedata.normalize("NFC", text).casefold().translate(_PLAIN))


def _word_matches(term_word: str, text_word: str) -> bool:
    return term_word == text_word or (len(term_word) >= COMPOUND_MIN_LENGTH and term_word in text_word)


class FoldedText:
    """A text prepared once for many term look-ups (see the module rules)."""

    def __init__(self, text: str) -> None:
        self.raw = text
        self.folded = fold(text)
        self._variants = (_TOKEN.findall(self.folded), _TOKEN.findall(fold_plain(text)))
        self._sets = tuple(frozenset(tokens) for tokens in self._variants)

    def contains(self, term: str) -> bool:
        """Whether ``term`` (a keyword or phrase) occurs under either folding."""
        for folding, tokens, token_set in zip((fold, fold_plain), self._variants, self._sets):
            wanted = _TOKEN.findall(folding(term))
            if not wanted:
                continue
            if len(wanted) == 1:
                word = wanted[0]
                if word in token_set or (
                    len(word) >= COMPOUND_MIN_LENGTH and any(word in token for token in token_set)
                ):
                    return True
                continue
            last = len(tokens) - len(wanted)
            for start in range(last + 1):
                if all(_word_matches(w, tokens[start + i]) for i, w in enumerate(wanted)):
                    return True
        return False

    def search(self, pattern: re.Pattern[str]) -> bool:
        """Whether ``pattern`` is found in the original text or in its folded form."""
        return pattern.search(self.raw) is not None or pattern.search(self.folded) is not None


# --------------------------------------------------------------------------------------------
# Document parsing helpers


def _collector() -> tuple[list[dict[str, str]], _Fail]:
    errors: list[dict[str, str]] = []

    def fail(path: str, reason: str) -> None:
        errors.append({"field": path, "reason": reason})

    return errors, fail


def _unknown_fields(doc: Mapping[str, Any], known: frozenset[str], fail: _Fail) -> None:
    for key in sorted(set(doc) - known, key=str):
        fail(str(key), "unknown field")


def _name(value: object, path: str, fail: _Fail, *, required: bool = True) -> str | None:
    if value is None:
        if required:
            fail(path, "is required")
        return None
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        fail(path, f"{value!r} is not a name: use lowercase letters, digits and '-' (at most 63)")
        return None
    return value


def _text(value: object, path: str, fail: _Fail, *, required: bool, max_length: int = 200) -> str | None:
    if value is None:
        if required:
            fail(path, "is required")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        fail(path, "must be a non-empty string")
        return None
    if len(value) > max_length:
        fail(path, f"is longer than {max_length} characters")
        return None
    return value


def _string_list(value: object, path: str, fail: _Fail, *, max_length: int = TERM_MAX_LENGTH) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        fail(path, "must be a list of strings")
        return ()
    out: list[str] = []
    for index, item in enumerate(value):
        item_path = f"{path}[{index}]"
        if not isinstance(item, str) or not item.strip():
            fail(item_path, "must be a non-empty string")
        elif len(item) > max_length:
            fail(item_path, f"is longer than {max_length} characters")
        elif not _TOKEN.search(fold(item)):
            fail(item_path, "has no letters or digits to match")
        else:
            out.append(item)
    return tuple(out)


def _name_list(value: object, path: str, fail: _Fail) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        fail(path, "must be a list of names")
        return ()
    out: list[str] = []
    for index, item in enumerate(value):
        name = _name(item, f"{path}[{index}]", fail)
        if name is not None and name not in out:
            out.append(name)
    return tuple(out)


def compile_pattern(value: object, path: str, fail: _Fail) -> re.Pattern[str] | None:
    """A validated regular expression, or ``None`` after reporting why through ``fail``."""
    if not isinstance(value, str) or not value:
        fail(path, "must be a non-empty regular expression string")
        return None
    if len(value) > PATTERN_MAX_LENGTH:
        fail(path, f"is longer than {PATTERN_MAX_LENGTH} characters")
        return None
    try:
        return re.compile(value)
    except re.error as exc:
        fail(path, f"is not a valid regular expression: {exc}")
        return None


def _version(value: object, fail: _Fail) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        fail("version", "must be an integer of at least 1")
        return 1
    return value


def _bool(value: object, path: str, fail: _Fail, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        fail(path, "must be true or false")
        return default
    return value


def _require_mapping(doc: object, what: str) -> Mapping[str, Any]:
    if not isinstance(doc, Mapping):
        raise ValidationFailed([{"field": what, "reason": "must be an object"}])
    return doc


def _prefixed(exc: ValidationFailed, prefix: str) -> list[dict[str, str]]:
    return [{"field": f"{prefix}.{e['field']}", "reason": e["reason"]} for e in exc.errors]


# --------------------------------------------------------------------------------------------
# Documents


@dataclass(frozen=True)
class Service:
    """One catalog entry. Build it with :meth:`from_dict`; ``compiled`` holds the patterns compiled."""

    name: str
    title: str
    support_group: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    default_impact: str = "medium"
    calendar: str | None = None
    sla_policy: str | None = None
    supported: bool = True
    version: int = 1
    compiled: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.compiled) != len(self.patterns):
            object.__setattr__(self, "compiled", tuple(re.compile(p) for p in self.patterns))

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Service:
        """Validate a service document; raise ``ValidationFailed`` listing every problem found."""
        doc = _require_mapping(doc, "service")
        errors, fail = _collector()
        _unknown_fields(doc, SERVICE_FIELDS, fail)
        name = _name(doc.get("name"), "name", fail)
        title = _text(doc.get("title"), "title", fail, required=True)
        description = _text(doc.get("description"), "description", fail, required=False, max_length=2000)
        aliases = _string_list(doc.get("aliases"), "aliases", fail)
        keywords = _string_list(doc.get("keywords"), "keywords", fail)
        patterns: list[str] = []
        compiled: list[re.Pattern[str]] = []
        raw_patterns = doc.get("patterns")
        if raw_patterns is not None and (not isinstance(raw_patterns, Sequence) or isinstance(raw_patterns, str)):
            fail("patterns", "must be a list of regular expressions")
        elif raw_patterns is not None:
            for index, raw in enumerate(raw_patterns):
                pattern = compile_pattern(raw, f"patterns[{index}]", fail)
                if pattern is not None:
                    patterns.append(pattern.pattern)
                    compiled.append(pattern)
        group = _name(doc.get("support_group"), "support_group", fail)
        impact = doc.get("default_impact", "medium")
        if impact not in LEVELS:
            fail("default_impact", f"must be one of {', '.join(LEVELS)}")
        calendar = _text(doc.get("calendar"), "calendar", fail, required=False, max_length=100)
        policy = _text(doc.get("sla_policy"), "sla_policy", fail, required=False, max_length=100)
        supported = _bool(doc.get("supported"), "supported", fail, True)
        version = _version(doc.get("version"), fail)
        if errors:
            raise ValidationFailed(errors)
        assert name is not None and title is not None and group is not None
        return cls(
            name=name,
            title=title,
            support_group=group,
            description=description or "",
            aliases=aliases,
            keywords=keywords,
            patterns=tuple(patterns),
            default_impact=str(impact),
            calendar=calendar or None,
            sla_policy=policy or None,
            supported=supported,
            version=version,
            compiled=tuple(compiled),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "aliases": list(self.aliases),
            "keywords": list(self.keywords),
            "patterns": list(self.patterns),
            "support_group": self.support_group,
            "default_impact": self.default_impact,
            "calendar": self.calendar,
            "sla_policy": self.sla_policy,
            "supported": self.supported,
            "version": self.version,
        }


@dataclass(frozen=True)
class SupportGroup:
    """A support group: who leads it, its tier, and where its tickets escalate."""

    name: str
    title: str
    lead: str
    tier: int = 2
    escalation_group: str | None = None
    version: int = 1

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> SupportGroup:
        """Validate a group document; raise ``ValidationFailed`` listing every problem found."""
        doc = _require_mapping(doc, "group")
        errors, fail = _collector()
        _unknown_fields(doc, GROUP_FIELDS, fail)
        name = _name(doc.get("name"), "name", fail)
        title = _text(doc.get("title"), "title", fail, required=True)
        lead = _name(doc.get("lead"), "lead", fail)
        tier = doc.get("tier", 2)
        if tier not in (1, 2) or isinstance(tier, bool):
            fail("tier", "must be 1 or 2")
        escalation = _name(doc.get("escalation_group"), "escalation_group", fail, required=False)
        if escalation is not None and escalation == name:
            fail("escalation_group", "a group cannot escalate to itself")
        version = _version(doc.get("version"), fail)
        if errors:
            raise ValidationFailed(errors)
        assert name is not None and title is not None and lead is not None
        return cls(name=name, title=title, lead=lead, tier=int(tier), escalation_group=escalation, version=version)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "lead": self.lead,
            "tier": self.tier,
            "escalation_group": self.escalation_group,
            "version": self.version,
        }


@dataclass(frozen=True)
class Agent:
    """A person who works tickets. ``shift`` names the calendar of their working hours; ``max_open``
    is how many open tickets they may hold before routing passes them by."""

    name: str
    display_name: str
    groups: tuple[str, ...]
    skills: tuple[str, ...] = ()
    shift: str = "office"
    active: bool = True
    max_open: int = 20
    version: int = 1

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Agent:
        """Validate an agent document; raise ``ValidationFailed`` listing every problem found."""
        doc = _require_mapping(doc, "agent")
        errors, fail = _collector()
        _unknown_fields(doc, AGENT_FIELDS, fail)
        name = _name(doc.get("name"), "name", fail)
        display = _text(doc.get("display_name"), "display_name", fail, required=True)
        raw_groups = doc.get("groups")
        groups = _name_list(raw_groups, "groups", fail)
        if raw_groups is None or (isinstance(raw_groups, list | tuple) and not raw_groups):
            fail("groups", "must name at least one group")
        skills = _name_list(doc.get("skills"), "skills", fail)
        shift = _text(doc.get("shift", "office"), "shift", fail, required=True, max_length=100)
        active = _bool(doc.get("active"), "active", fail, True)
        max_open = doc.get("max_open", 20)
        if isinstance(max_open, bool) or not isinstance(max_open, int) or max_open < 1:
            fail("max_open", "must be an integer of at least 1")
        version = _version(doc.get("version"), fail)
        if errors:
            raise ValidationFailed(errors)
        assert name is not None and display is not None and shift is not None
        return cls(
            name=name,
            display_name=display,
            groups=groups,
            skills=skills,
            shift=shift,
            active=active,
            max_open=int(max_open),
            version=version,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "groups": list(self.groups),
            "skills": list(self.skills),
            "shift": self.shift,
            "active": self.active,
            "max_open": self.max_open,
            "version": self.version,
        }


@dataclass(frozen=True)
class Directory:
    """The catalog with its groups and agents, validated together by :func:`load_directory`."""

    services: tuple[Service, ...]
    groups: tuple[SupportGroup, ...]
    agents: tuple[Agent, ...]

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def group_names(self) -> frozenset[str]:
        return frozenset(g.name for g in self.groups)

    def members(self, group: str) -> tuple[Agent, ...]:
        return tuple(a for a in self.agents if group in a.groups)


def _load_many(
    docs: object, kind: str, parse: Callable[[Mapping[str, Any]], Any], errors: list[dict[str, str]]
) -> list[Any]:
    if not isinstance(docs, Sequence) or isinstance(docs, str):
        errors.append({"field": kind, "reason": "must be a list"})
        return []
    out: list[Any] = []
    seen: dict[str, int] = {}
    for index, doc in enumerate(docs):
        try:
            item = parse(doc)
        except ValidationFailed as exc:
            errors.extend(_prefixed(exc, f"{kind}[{index}]"))
            continue
        if item.name in seen:
            errors.append({"field": f"{kind}[{index}].name", "reason": f"duplicates {kind}[{seen[item.name]}]"})
            continue
        seen[item.name] = index
        out.append(item)
    return out


def load_catalog(docs: Sequence[Mapping[str, Any]]) -> list[Service]:
    """Validate a list of service documents (names unique); errors are reported as ``services[i].field``."""
    errors: list[dict[str, str]] = []
    services: list[Service] = _load_many(docs, "services", Service.from_dict, errors)
    if errors:
        raise ValidationFailed(errors)
    return services


def load_directory(
    services: Sequence[Mapping[str, Any]],
    groups: Sequence[Mapping[str, Any]],
    agents: Sequence[Mapping[str, Any]],
    *,
    calendars: Iterable[str] = SHIFT_CALENDARS,
) -> Directory:
    """Validate the catalog, groups and agents together, including their references: a service's
    ``support_group``, a group's ``escalation_group`` and an agent's ``groups`` must name known
    groups, an agent's ``shift`` a known calendar, and every group needs an active member."""
    errors: list[dict[str, str]] = []

    def fail(path: str, reason: str) -> None:
        errors.append({"field": path, "reason": reason})

    parsed_services: list[Service] = _load_many(services, "services", Service.from_dict, errors)
    parsed_groups: list[SupportGroup] = _load_many(groups, "groups", SupportGroup.from_dict, errors)
    parsed_agents: list[Agent] = _load_many(agents, "agents", Agent.from_dict, errors)
    group_names = {g.name for g in parsed_groups}
    calendar_names = set(calendars)
    for index, service in enumerate(parsed_services):
        if service.support_group not in group_names:
            fail(f"services[{index}].support_group", f"unknown group {service.support_group!r}")
    for index, group in enumerate(parsed_groups):
        if group.escalation_group is not None and group.escalation_group not in group_names:
            fail(f"groups[{index}].escalation_group", f"unknown group {group.escalation_group!r}")
        if not any(a.active and group.name in a.groups for a in parsed_agents):
            fail(f"groups[{index}]", f"group {group.name!r} has no active agent")
    for index, agent in enumerate(parsed_agents):
        for g_index, group_name in enumerate(agent.groups):
            if group_name not in group_names:
                fail(f"agents[{index}].groups[{g_index}]", f"unknown group {group_name!r}")
        if agent.shift not in calendar_names:
            fail(f"agents[{index}].shift", f"unknown calendar {agent.shift!r}")
    if errors:
        raise ValidationFailed(errors)
    return Directory(tuple(parsed_services), tuple(parsed_groups), tuple(parsed_agents))


# --------------------------------------------------------------------------------------------
# Matching


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


# --------------------------------------------------------------------------------------------
# What ships


def _service(
    name: str,
    title: str,
    group: str,
    description: str,
    aliases: Sequence[str],
    keywords: Sequence[str],
    patterns: Sequence[str] = (),
    *,
    impact: str = "medium",
    calendar: str | None = None,
    sla_policy: str | None = None,
) -> dict[str, Any]:
    return {
        "name": name,
        "title": title,
        "description": description,
        "aliases": list(aliases),
        "keywords": list(keywords),
        "patterns": list(patterns),
        "support_group": group,
        "default_impact": impact,
        "calendar": calendar,
        "sla_policy": sla_policy,
        "supported": True,
        "version": 1,
    }


def default_catalog() -> list[dict[str, Any]]:
    """The services the desk ships with, each with English and German terms.

    The two services of seed 000's Spectrograph-era bundle run on the ``24x7`` calendar under the
    ``incident-spectrograph-24x7`` SLA policy; security incident reporting also runs on ``24x7``.
    """
    spectro_policy = "incident-spectrograph-24x7"
    return [
        _service(
            "email", "E-mail and calendar (Exchange)", "email-collab",
            "Mailboxes, shared mailboxes, distribution lists, calendars and Outlook.",
            ["exchange", "shared mailbox", "distribution list", "postfach", "verteiler"],
            ["email", "e-mail", "mail", "outlook", "mailbox", "calendar", "kalender", "posteingang"],
            [r"(?i)\be-?mails?\b"],
        ),
        _service(
            "vpn", "Remote access VPN", "network",
            "VPN client, remote access from home and travel.",
            ["remote access", "fernzugriff", "home office"],
            ["vpn", "anyconnect", "tunnel", "globalprotect"],
            [r"(?i)\bvpn\b"],
        ),
        _service(
            "network", "Wi-Fi and wired network", "network",
            "Wireless and wired campus network, network ports, DNS and connectivity.",
            ["wi-fi", "wireless network", "netzwerkdose", "network port"],
            ["wifi", "wlan", "network", "netzwerk", "ethernet", "lan", "dns", "internet", "eduroam", "switch"],
            [r"(?i)\bw-?lan\b"],
        ),
        _service(
            "hardware", "Laptop and desktop hardware", "end-user-computing",
            "Laptops, desktops, monitors, docking stations and peripherals: faults and new equipment.",
            ["docking station", "new computer", "neuer rechner"],
            ["laptop", "notebook", "desktop", "computer", "rechner", "monitor", "bildschirm", "tastatur",
             "keyboard", "maus", "mouse", "akku", "battery", "gerät"],
        ),
        _service(
            "printing", "Printing and scanning", "end-user-computing",
            "Network printers, print queues, toner and scanning.",
            ["print queue", "druckerwarteschlange"],
            ["printer", "printing", "drucker", "drucken", "toner", "scanner", "scannen", "plotter"],
        ),
        _service(
            "accounts", "Identity and access: accounts, passwords, MFA", "identity-access",
            "User accounts, password resets, multi-factor authentication, group membership and permissions.",
            ["password reset", "locked out", "new account", "passwort zurücksetzen", "konto gesperrt",
             "two-factor", "zwei-faktor"],
            ["password", "passwort", "kennwort", "account", "konto", "benutzerkonto", "login", "anmeldung",
             "mfa", "2fa", "authenticator", "permission", "berechtigung", "zugang", "onboarding"],
            [r"(?i)\b(mfa|2fa|sso)\b"],
        ),
        _service(
            "erp", "ERP and finance application", "erp",
            "The ERP system: purchasing, invoices, cost centres, finance reports.",
            ["purchase order", "cost centre", "cost center", "kostenstelle", "bestellanforderung"],
            ["erp", "sap", "invoice", "rechnung", "finance", "finanzen", "buchung", "purchasing", "einkauf"],
            [r"(?i)\bsap\b"],
        ),
        _service(
            "hr-system", "HR system", "hr-systems",
            "The HR system: personnel records, leave, time recording and payroll self-service.",
            ["time recording", "zeiterfassung", "leave request", "urlaubsantrag", "payslip"],
            ["hr", "personalabteilung", "personnel", "payroll", "gehalt", "gehaltsabrechnung", "lohn", "urlaub",
             "vacation", "timesheet"],
        ),
        _service(
            "database", "Databases", "database",
            "Managed databases (PostgreSQL, MySQL, Oracle): access, performance, backups and restores.",
            ["database restore", "datenbank wiederherstellen", "slow query"],
            ["database", "datenbank", "postgres", "postgresql", "mysql", "oracle", "sql", "db", "schema",
             "backup", "sicherung"],
        ),
        _service(
            "cloud", "Cloud platform", "cloud-platform",
            "Cloud accounts, projects, virtual machines, containers and storage buckets.",
            ["cloud account", "virtual machine", "virtuelle maschine", "s3 bucket"],
            ["cloud", "aws", "azure", "gcp", "kubernetes", "k8s", "container", "vm", "bucket", "terraform"],
        ),
        _service(
            "security-incident", "Security incident reporting", "security",
            "Phishing, malware, lost or stolen devices and suspected breaches; reported any time.",
            ["security incident", "sicherheitsvorfall", "stolen laptop", "gestohlen", "data breach",
             "datenleck", "suspicious email", "verdächtige e-mail"],
            ["phishing", "malware", "virus", "ransomware", "trojaner", "trojan", "hacked", "gehackt",
             "compromised", "kompromittiert", "spam"],
            [r"(?i)\bphish\w*"],
            impact="high",
            calendar="24x7",
        ),
        _service(
            "facilities-av", "Facilities and meeting-room AV", "facilities",
            "Meeting-room audio and video, projectors, displays and conference phones.",
            ["meeting room", "besprechungsraum", "conference room", "konferenzraum", "video conference",
             "videokonferenz"],
            ["projector", "beamer", "beamers", "lautsprecher", "speaker", "microphone", "mikrofon", "hdmi",
             "room", "raum", "zoom", "webex"],
        ),
        _service(
            "spectrograph-archive", "Spectrograph data archive", "spectrograph-ops",
            "The archive of Spectrograph-era observation data: ingest, storage, retrieval.",
            ["spectrograph archive", "observation archive", "beobachtungsarchiv", "data archive"],
            ["archive", "archiv", "ingest", "retrieval", "spektrograph", "spectrograph"],
            [r"(?i)\bspe[ck]tro\w*\s+archiv"],
            impact="high",
            calendar="24x7",
            sla_policy=spectro_policy,
        ),
        _service(
            "spectrograph-pipeline", "Spectrograph processing pipeline", "spectrograph-ops",
            "The Spectrograph-era data processing pipeline: nightly processing, reductions, alerts.",
            ["spectrograph pipeline", "processing pipeline", "verarbeitungspipeline", "nightly processing"],
            ["pipeline", "reduction", "reduktion", "processing", "verarbeitung", "spektrograph", "spectrograph"],
            [r"(?i)\bspe[ck]tro\w*\s+pipeline"],
            impact="high",
            calendar="24x7",
            sla_policy=spectro_policy,
        ),
    ]


def default_groups() -> list[dict[str, Any]]:
    """The support groups: the tier-1 service desk escalates to tier 2; specialist groups are tier 2."""
    tier2 = "service-desk-tier2"

    def group(name: str, title: str, lead: str, tier: int = 2, escalation: str | None = None) -> dict[str, Any]:
        return {"name": name, "title": title, "lead": lead, "tier": tier, "escalation_group": escalation}

    return [
        group("service-desk", "Service Desk", "ann", 1, tier2),
        group(tier2, "Service Desk tier 2", "tomas"),
        group("network", "Network", "nadia"),
        group("identity-access", "Identity and Access", "ida"),
        group("end-user-computing", "End-User Computing", "elena", 1, tier2),
        group("email-collab", "E-mail and Collaboration", "maria"),
        group("erp", "ERP Applications", "frieda"),
        group("hr-systems", "HR Systems", "hanna"),
        group("database", "Database Services", "dora"),
        group("cloud-platform", "Cloud Platform", "carla"),
        group("security", "Information Security", "sven"),
        group("facilities", "Facilities and AV", "fatima", 1, tier2),
        group("spectrograph-ops", "Spectrograph Operations", "stella"),
    ]


def default_agents() -> list[dict[str, Any]]:
    """Two or three agents per group; skills name catalog services and topics."""

    def agent(
        name: str, display: str, groups: Sequence[str], skills: Sequence[str], shift: str = "office"
    ) -> dict[str, Any]:
        return {
            "name": name,
            "display_name": display,
            "groups": list(groups),
            "skills": list(skills),
            "shift": shift,
            "active": True,
            "max_open": 20,
        }

    return [
        agent("ann", "Ann Berger", ["service-desk"], ["accounts", "email", "printing", "hardware"]),
        agent("ben", "Ben Okafor", ["service-desk"], ["accounts", "vpn", "network"]),
        agent("chloe", "Chloé Martin", ["service-desk"], ["hardware", "printing", "facilities-av"]),
        agent("tomas", "Tomás Ruiz", ["service-desk-tier2", "service-desk"], ["vpn", "network", "accounts", "email"]),
        agent("uma", "Uma Patel", ["service-desk-tier2"], ["hardware", "erp", "hr-system"]),
        agent("nadia", "Nadia Schulz", ["network"], ["network", "vpn", "dns", "wifi"]),
        agent("noah", "Noah Kim", ["network"], ["network", "wifi", "switch"]),
        agent("nils", "Nils Wagner", ["network"], ["vpn", "firewall"]),
        agent("ida", "Ida Lindqvist", ["identity-access"], ["accounts", "mfa", "sso"]),
        agent("ivan", "Ivan Petrov", ["identity-access"], ["accounts", "permissions"]),
        agent("elena", "Elena Rossi", ["end-user-computing"], ["hardware", "laptop", "printing"]),
        agent("erik", "Erik Hansen", ["end-user-computing"], ["hardware", "desktop", "monitor"]),
        agent("emil", "Emil Weber", ["end-user-computing"], ["printing", "scanner"]),
        agent("maria", "Maria Fischer", ["email-collab"], ["email", "calendar", "exchange"]),
        agent("marco", "Marco Bianchi", ["email-collab"], ["email", "teams"]),
        agent("frieda", "Frieda Koch", ["erp"], ["erp", "finance", "invoices"]),
        agent("felix", "Felix Braun", ["erp"], ["erp", "purchasing"]),
        agent("hanna", "Hanna Vogel", ["hr-systems"], ["hr-system", "payroll"]),
        agent("henrik", "Henrik Larsen", ["hr-systems"], ["hr-system", "time-recording"]),
        agent("dora", "Dora Keller", ["database"], ["database", "postgresql", "backup"]),
        agent("dieter", "Dieter Hoffmann", ["database"], ["database", "oracle", "mysql"]),
        agent("carla", "Carla Mendes", ["cloud-platform"], ["cloud", "aws", "kubernetes"]),
        agent("cem", "Cem Yilmaz", ["cloud-platform"], ["cloud", "azure", "terraform"]),
        agent("sven", "Sven Richter", ["security"], ["security-incident", "phishing", "malware"], "24x7"),
        agent("sara", "Sara Nowak", ["security"], ["security-incident", "forensics"]),
        agent("fatima", "Fatima Haddad", ["facilities"], ["facilities-av", "video-conference"]),
        agent("finn", "Finn Schmidt", ["facilities"], ["facilities-av", "projector"]),
        agent("stella", "Stella Park", ["spectrograph-ops"], ["spectrograph-archive", "spectrograph-pipeline"], "24x7"),
        agent("sam", "Sam Osei", ["spectrograph-ops"], ["spectrograph-pipeline", "database"], "24x7"),
        agent("otto", "Otto Krüger", ["spectrograph-ops"], ["spectrograph-archive", "storage"]),
    ]
