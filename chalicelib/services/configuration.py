"""Versioned configuration: validated documents, one immutable item per version.

Calendars, SLA policies (and later the catalog, agents, groups and escalation rules) are
documents. Creating one stores version 1; an update stores the next version and never rewrites
an earlier one, so a ticket that recorded "policy X version 3" can always be replayed under it.

Reads of the *latest* documents are cached per process for ``cache_seconds`` (a change reaches
every Lambda container within that time); a specific version never changes, so it is cached
for good.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.policy import SlaPolicy
from chalicelib.services.ports import Clock, ConfigRepository, StoredDocument

CALENDAR = "calendar"
SLA_POLICY = "sla_policy"
#: Kinds registered by the catalog (``chalicelib.services.classification``).
SERVICE = "service"
GROUP = "group"
AGENT = "agent"
CLASSIFICATION_RULE = "classification_rule"
#: On-call rotas, one per support group (``chalicelib.domain.oncall``).
ONCALL_ROTA = "oncall_rota"

#: Validates a document body and returns its normalised form (``ValidationFailed`` otherwise).
Validator = Callable[[dict[str, Any], "ConfigService"], dict[str, Any]]


def _validate_calendar(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    return BusinessCalendar.from_dict(body).to_dict()


def _validate_policy(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    known = [doc.name for doc in config.latest_all(CALENDAR)]
    return SlaPolicy.from_dict(body, known_calendars=known).to_dict()


@dataclass(frozen=True)
class DocumentKind:
    name: str
    label: str
    validate: Validator
    #: Roles that may create and update documents of this kind.
    editors: tuple[str, ...] = ("admin",)
    #: Builds the domain object of a stored body (see :meth:`ConfigService.parsed`).
    parse: Callable[[dict[str, Any]], Any] | None = None


def _validate_escalation(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    from chalicelib.domain.escalation import EscalationRules

    return EscalationRules.from_dict(body).to_dict()


ESCALATION = "escalation"


def _parse_escalation(body: dict[str, Any]) -> Any:
    from chalicelib.domain.escalation import EscalationRules

    return EscalationRules.from_dict(body)


def _validate_rota(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    from chalicelib.domain.oncall import OnCallRota

    rota = OnCallRota.from_dict(body)
    groups = {doc.name for doc in config.latest_all(GROUP)}
    if groups and rota.name not in groups:
        reason = f"no support group {rota.name!r}: a rota is named after its group"
        raise ValidationFailed([{"field": "name", "reason": reason}])
    return rota.to_dict()


def _parse_rota(body: dict[str, Any]) -> Any:
    from chalicelib.domain.oncall import OnCallRota

    return OnCallRota.from_dict(body)


#: Change freezes (blackouts, ``chalicelib.domain.conflicts.Freeze``).
CHANGE_FREEZE = "change_freeze"


def _validate_freeze(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    from chalicelib.domain.conflicts import Freeze

    freeze = Freeze.from_dict(body)
    known = {doc.name for doc in config.latest_all(SERVICE)}
    unknown = [
        {"field": f"services[{i}]", "reason": f"{name} is not a service of the catalog"}
        for i, name in enumerate(freeze.services)
        if name not in known
    ]
    if unknown:
        raise ValidationFailed(unknown)
    return freeze.to_dict()


def _parse_freeze(body: dict[str, Any]) -> Any:
    from chalicelib.domain.conflicts import Freeze

    return Freeze.from_dict({k: v for k, v in body.items() if k != "version"})


CHANGE_TEMPLATE = "change_template"


def _validate_change_template(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    from chalicelib.domain.change_templates import ChangeTemplate

    services = {doc.name for doc in config.latest_all(SERVICE)}
    return ChangeTemplate.from_dict(body, services).to_dict()


def _parse_change_template(body: dict[str, Any]) -> Any:
    from chalicelib.domain.change_templates import ChangeTemplate

    return ChangeTemplate.from_dict(body)


KINDS: dict[str, DocumentKind] = {
    CALENDAR: DocumentKind(CALENDAR, "calendar", _validate_calendar, parse=BusinessCalendar.from_dict),
    SLA_POLICY: DocumentKind(SLA_POLICY, "SLA policy", _validate_policy, parse=SlaPolicy.from_dict),
    ESCALATION: DocumentKind(ESCALATION, "escalation rules", _validate_escalation, parse=_parse_escalation),
    ONCALL_ROTA: DocumentKind(
        ONCALL_ROTA, "on-call rota", _validate_rota, editors=("admin", "manager"), parse=_parse_rota
    ),
    CHANGE_FREEZE: DocumentKind(
        CHANGE_FREEZE, "change freeze", _validate_freeze, editors=("admin", "manager"), parse=_parse_freeze
    ),
    CHANGE_TEMPLATE: DocumentKind(
        CHANGE_TEMPLATE,
        "change template",
        _validate_change_template,
        editors=("admin", "manager"),
        parse=_parse_change_template,
    ),
}


def register_kind(kind: DocumentKind) -> None:
    """Later capabilities add their document kinds (catalog, agents...)."""
    KINDS[kind.name] = kind


class ConfigService:
    def __init__(self, repository: ConfigRepository, clock: Clock, *, cache_seconds: float = 30.0) -> None:
        self.repository = repository
        self.clock = clock
        self.cache_seconds = cache_seconds
        self._latest: dict[str, tuple[float, list[StoredDocument]]] = {}
        self._exact: dict[tuple[str, str, int], StoredDocument] = {}
        self._objects: dict[tuple[str, str, int], Any] = {}

    # -- admin ----------------------------------------------------------------------------

    def _kind(self, kind: str) -> DocumentKind:
        return KINDS[kind]

    def _prepare(self, kind: DocumentKind, raw: Any, name: str | None) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise ValidationFailed([{"field": "body", "reason": "must be a JSON object"}])
        body: dict[str, Any] = {str(k): v for k, v in raw.items() if k not in ("created_at", "created_by")}
        if name is not None:
            if "name" in body and body["name"] != name:
                raise ValidationFailed([{"field": "name", "reason": f"must be {name!r}, the name in the path"}])
            body["name"] = name
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            raise ValidationFailed([{"field": "name", "reason": "is required"}])
        return body

    def create(self, kind_name: str, body: Any, caller: Identity) -> StoredDocument:
        kind = self._kind(kind_name)
        caller.require(*kind.editors)
        body = self._prepare(kind, body, None)
        name = body["name"]
        body["version"] = 1
        normalised = kind.validate(body, self)
        normalised["version"] = 1
        try:
            return self._store(kind, name, 1, normalised, caller)
        except Conflict:
            raise Conflict(f"{kind.label} {name} exists; update it to make a new version", field="name") from None

    def update(self, kind_name: str, name: str, body: Any, caller: Identity) -> StoredDocument:
        """Store the next version. A ``version`` in the body must be the latest one read."""
        kind = self._kind(kind_name)
        caller.require(*kind.editors)
        body = self._prepare(kind, body, name)
        current = self.repository.latest(kind.name, name)
        if current is None:
            raise NotFound(f"no {kind.label} {name}", field="name")
        read = body.get("version", current.version)
        if read != current.version:
            raise Conflict(
                f"{kind.label} {name} is at version {current.version}, not {read}; read it again",
                field="version",
            )
        version = current.version + 1
        body["version"] = version
        normalised = kind.validate(body, self)
        normalised["version"] = version
        return self._store(kind, name, version, normalised, caller)

    def _store(
        self, kind: DocumentKind, name: str, version: int, body: dict[str, Any], caller: Identity
    ) -> StoredDocument:
        stored = self.repository.add_version(kind.name, name, version, body, caller.user, self.clock())
        self._latest.pop(kind.name, None)
        return stored

    def get(self, kind_name: str, name: str, version: int | None = None) -> StoredDocument:
        kind = self._kind(kind_name)
        doc = self.repository.latest(kind.name, name) if version is None else self.exact(kind.name, name, version)
        if doc is None:
            suffix = "" if version is None else f" version {version}"
            raise NotFound(f"no {kind.label} {name}{suffix}", field="name")
        return doc

    def may_edit(self, kind_name: str, caller: Identity) -> bool:
        """Whether ``caller``'s role may create and update documents of ``kind_name``."""
        return caller.role in self._kind(kind_name).editors

    def list_documents(self, kind_name: str) -> list[StoredDocument]:
        return self.repository.list_latest(self._kind(kind_name).name)

    # -- cached reads for the services ----------------------------------------------------

    def latest_all(self, kind: str) -> list[StoredDocument]:
        """The latest version of every document of ``kind`` (cached ``cache_seconds``)."""
        now = time.monotonic()
        cached = self._latest.get(kind)
        if cached is not None and now - cached[0] < self.cache_seconds:
            return cached[1]
        docs = self.repository.list_latest(kind)
        self._latest[kind] = (now, docs)
        for doc in docs:
            self._exact.setdefault((kind, doc.name, doc.version), doc)
        return docs

    def exact(self, kind: str, name: str, version: int) -> StoredDocument | None:
        key = (kind, name, version)
        if key not in self._exact:
            doc = self.repository.get(kind, name, version)
            if doc is None:
                return None
            self._exact[key] = doc
        return self._exact[key]

    def parsed(self, doc: StoredDocument) -> Any:
        """The domain object of one stored version, built once: a version never changes."""
        key = (doc.kind, doc.name, doc.version)
        if key not in self._objects:
            parse = KINDS[doc.kind].parse
            if parse is None:
                raise ValueError(f"documents of kind {doc.kind} have no domain object")
            self._objects[key] = parse(doc.body)
        return self._objects[key]

    def parsed_latest(self, kind: str) -> list[Any]:
        """The domain objects of the latest version of every document of ``kind``."""
        return [self.parsed(doc) for doc in self.latest_all(kind)]

    def parsed_exact(self, kind: str, name: str, version: int) -> Any | None:
        doc = self.exact(kind, name, version)
        return None if doc is None else self.parsed(doc)

    def forget_cache(self) -> None:
        self._latest.clear()
