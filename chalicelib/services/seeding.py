"""Stores the default configuration documents the desk ships with (``desk seed``, ``make run``).

Seeding never overwrites: a document that exists (in any version) is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from chalicelib.domain.identity import SYSTEM
from chalicelib.services.configuration import CALENDAR, ESCALATION, SLA_POLICY, ConfigService

#: (document kind, a function giving the default documents), in dependency order.
DEFAULTS: list[tuple[str, Callable[[], Iterable[dict[str, Any]]]]] = []


def _sla_defaults() -> None:
    from chalicelib.domain.sla.defaults import default_calendars, default_policies

    DEFAULTS.append((CALENDAR, default_calendars))
    DEFAULTS.append((SLA_POLICY, default_policies))


def _escalation_defaults() -> None:
    from chalicelib.domain.sla.defaults import default_escalation_rules

    DEFAULTS.append((ESCALATION, default_escalation_rules))


def _catalog_defaults() -> None:
    import chalicelib.services.classification  # noqa: F401 - registers the catalog's document kinds
    from chalicelib.domain.catalog.defaults import default_agents, default_catalog, default_groups
    from chalicelib.services.configuration import AGENT, GROUP, SERVICE

    DEFAULTS.append((GROUP, default_groups))
    DEFAULTS.append((SERVICE, default_catalog))
    DEFAULTS.append((AGENT, default_agents))


def _oncall_defaults() -> None:
    from chalicelib.domain.catalog.defaults import default_agents, default_groups
    from chalicelib.domain.oncall import default_rotas
    from chalicelib.services.configuration import ONCALL_ROTA

    DEFAULTS.append((ONCALL_ROTA, lambda: default_rotas(default_groups(), default_agents())))


def _change_template_defaults() -> None:
    from chalicelib.domain.change_templates import default_templates
    from chalicelib.services.configuration import CHANGE_TEMPLATE

    DEFAULTS.append((CHANGE_TEMPLATE, default_templates))


def _change_freeze_defaults() -> None:
    from chalicelib.domain.conflicts import default_freezes
    from chalicelib.services.configuration import CHANGE_FREEZE

    DEFAULTS.append((CHANGE_FREEZE, default_freezes))


_sla_defaults()
_escalation_defaults()
_catalog_defaults()
_oncall_defaults()
_change_template_defaults()
_change_freeze_defaults()


def register_defaults(kind: str, documents: Callable[[], Iterable[dict[str, Any]]]) -> None:
    """Later capabilities add their default documents (catalog, agents...)."""
    DEFAULTS.append((kind, documents))


def seed_defaults(config: ConfigService) -> dict[str, int]:
    """Store every default document not stored yet; returns how many of each kind were written."""
    counts: dict[str, int] = {}
    for kind, documents in DEFAULTS:
        stored = {doc.name for doc in config.repository.list_latest(kind)}
        written = 0
        for doc in documents():
            if doc["name"] not in stored:
                config.create(kind, doc, SYSTEM)
                written += 1
        counts[kind] = written
    return counts
