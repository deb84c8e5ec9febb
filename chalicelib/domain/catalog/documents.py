"""The service catalog, the support groups and their agents, as validated, versioned documents.

Seed 003: "the first decision is to determine whether the request is one the IT Department supports
or not". The catalog answers that question. Each service is a validated, versioned document::

    {"name": "vpn", "title": "Remote access VPN", "description": "...",
     "aliases": ["remote access", "fernzugriff"], "keywords": ["vpn", "anyconnect", "tunnel"],
     "patterns": ["(?i)\\bvpn\\b"], "support_group": "network", "default_impact": "medium",
     "calendar": null, "sla_policy": null, "supported": true, "version": 1}

``calendar`` and ``sla_policy`` are overrides (``null`` means the desk's defaults); ``supported:
false`` keeps a service listed (so requests for it are recognised and recorded) while the desk does
not fulfil it. ``active: false`` retires a service, a group or an agent: documents are never deleted
(old tickets keep naming them), but a retired one is not offered at intake (matching, rules,
routing) and cannot be named in an assignment or a correction. Aliases, keywords and patterns are
the terms :mod:`chalicelib.domain.catalog.matching` looks for in ticket text; a term that folds to
no word at all could never match and is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import validation as check
from chalicelib.domain.catalog.text import has_words
from chalicelib.domain.ticket import LEVELS
from chalicelib.domain.validation import Problems

#: The group that triages tickets nobody else claims.
TRIAGE_GROUP = "service-desk"
SHIFT_CALENDARS = ("office", "24x7")
TERM_MAX_LENGTH = 100

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
        "active",
        "version",
    }
)
GROUP_FIELDS = frozenset({"name", "title", "lead", "tier", "escalation_group", "active", "version"})
AGENT_FIELDS = frozenset({"name", "display_name", "groups", "skills", "shift", "active", "max_open", "version"})


def _terms(value: object, path: str, problems: Problems) -> tuple[str, ...]:
    """Aliases or keywords: non-blank strings, each with a word to match."""

    def unmatchable(term: str) -> str | None:
        return None if has_words(term) else "has no letters or digits to match"

    return check.string_list(value, path, problems, max_length=TERM_MAX_LENGTH, refuse=unmatchable)


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
    active: bool = True
    version: int = 1
    compiled: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.compiled) != len(self.patterns):
            object.__setattr__(self, "compiled", tuple(re.compile(p) for p in self.patterns))

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Service:
        """Validate a service document; raise ``ValidationFailed`` listing every problem found."""
        doc = check.require_mapping(doc, "service")
        problems = Problems()
        check.unknown_fields(doc, SERVICE_FIELDS, problems)
        name = check.name(doc.get("name"), "name", problems)
        title = check.text(doc.get("title"), "title", problems, required=True)
        description = check.text(doc.get("description"), "description", problems, required=False, max_length=2000)
        aliases = _terms(doc.get("aliases"), "aliases", problems)
        keywords = _terms(doc.get("keywords"), "keywords", problems)
        compiled = check.items(
            doc.get("patterns"),
            "patterns",
            problems,
            lambda raw, path: check.regex(raw, path, problems),
            reason="must be a list of regular expressions",
        )
        group = check.name(doc.get("support_group"), "support_group", problems)
        impact = check.choice(doc.get("default_impact", "medium"), "default_impact", problems, LEVELS)
        calendar = check.text(doc.get("calendar"), "calendar", problems, required=False, max_length=100)
        policy = check.text(doc.get("sla_policy"), "sla_policy", problems, required=False, max_length=100)
        supported = check.flag(doc.get("supported"), "supported", problems, True)
        active = check.flag(doc.get("active"), "active", problems, True)
        version = check.positive_int(doc.get("version"), "version", problems, default=1)
        problems.check()
        assert name is not None and title is not None and group is not None
        return cls(
            name=name,
            title=title,
            support_group=group,
            description=description or "",
            aliases=aliases,
            keywords=keywords,
            patterns=tuple(pattern.pattern for pattern in compiled),
            default_impact=str(impact),
            calendar=calendar or None,
            sla_policy=policy or None,
            supported=supported,
            active=active,
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
            "active": self.active,
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
    active: bool = True
    version: int = 1

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> SupportGroup:
        """Validate a group document; raise ``ValidationFailed`` listing every problem found."""
        doc = check.require_mapping(doc, "group")
        problems = Problems()
        check.unknown_fields(doc, GROUP_FIELDS, problems)
        name = check.name(doc.get("name"), "name", problems)
        title = check.text(doc.get("title"), "title", problems, required=True)
        lead = check.name(doc.get("lead"), "lead", problems)
        tier = doc.get("tier", 2)
        if tier not in (1, 2) or isinstance(tier, bool):
            problems.fail("tier", "must be 1 or 2")
        escalation = check.name(doc.get("escalation_group"), "escalation_group", problems, required=False)
        if escalation is not None and escalation == name:
            problems.fail("escalation_group", "a group cannot escalate to itself")
        active = check.flag(doc.get("active"), "active", problems, True)
        version = check.positive_int(doc.get("version"), "version", problems, default=1)
        problems.check()
        assert name is not None and title is not None and lead is not None
        return cls(
            name=name,
            title=title,
            lead=lead,
            tier=int(tier),
            escalation_group=escalation,
            active=active,
            version=version,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "lead": self.lead,
            "tier": self.tier,
            "escalation_group": self.escalation_group,
            "active": self.active,
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
        doc = check.require_mapping(doc, "agent")
        problems = Problems()
        check.unknown_fields(doc, AGENT_FIELDS, problems)
        name = check.name(doc.get("name"), "name", problems)
        display = check.text(doc.get("display_name"), "display_name", problems, required=True)
        raw_groups = doc.get("groups")
        groups = check.name_list(raw_groups, "groups", problems)
        if raw_groups is None or (isinstance(raw_groups, list | tuple) and not raw_groups):
            problems.fail("groups", "must name at least one group")
        skills = check.name_list(doc.get("skills"), "skills", problems)
        shift = check.text(doc.get("shift", "office"), "shift", problems, required=True, max_length=100)
        active = check.flag(doc.get("active"), "active", problems, True)
        max_open = check.positive_int(doc.get("max_open", 20), "max_open", problems)
        version = check.positive_int(doc.get("version"), "version", problems, default=1)
        problems.check()
        assert name is not None and display is not None and shift is not None
        return cls(
            name=name,
            display_name=display,
            groups=groups,
            skills=skills,
            shift=shift,
            active=active,
            max_open=max_open,
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


def load_catalog(docs: Sequence[Mapping[str, Any]]) -> list[Service]:
    """Validate a list of service documents (names unique); errors are reported as ``services[i].field``."""
    problems = Problems()
    services = list(check.named_documents(docs, "services", Service.from_dict, problems).values())
    problems.check()
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
    problems = Problems()
    parsed_services = list(check.named_documents(services, "services", Service.from_dict, problems).values())
    parsed_groups = list(check.named_documents(groups, "groups", SupportGroup.from_dict, problems).values())
    parsed_agents = list(check.named_documents(agents, "agents", Agent.from_dict, problems).values())
    group_names = {g.name for g in parsed_groups}
    calendar_names = set(calendars)
    for index, service in enumerate(parsed_services):
        if service.support_group not in group_names:
            problems.fail(f"services[{index}].support_group", f"unknown group {service.support_group!r}")
    for index, group in enumerate(parsed_groups):
        if group.escalation_group is not None and group.escalation_group not in group_names:
            problems.fail(f"groups[{index}].escalation_group", f"unknown group {group.escalation_group!r}")
        if group.active and not any(a.active and group.name in a.groups for a in parsed_agents):
            problems.fail(f"groups[{index}]", f"group {group.name!r} has no active agent")
    for index, agent in enumerate(parsed_agents):
        for g_index, group_name in enumerate(agent.groups):
            if group_name not in group_names:
                problems.fail(f"agents[{index}].groups[{g_index}]", f"unknown group {group_name!r}")
        if agent.shift not in calendar_names:
            problems.fail(f"agents[{index}].shift", f"unknown calendar {agent.shift!r}")
    problems.check()
    return Directory(tuple(parsed_services), tuple(parsed_groups), tuple(parsed_agents))
