"""Standard change templates: the pre-approved recipes a standard change is made from. Pure, no I/O.

Seed 001 ("Change Management"): standard changes "can be implemented without additional
approvals". What makes one standard is its template, a versioned configuration document
(``/admin/change-templates``): its name, the catalog services it may touch, its implementation and
back-out plans and the highest risk level (likelihood x impact) it is approved for. A change
planned with ``"template": name`` takes the model ``standard`` and the template's plans; it may
narrow the services and must stay within the template's risk.

A template whose change failed (or was backed out), or caused a P1/P2 incident, is flagged for
review on its next version (:func:`flagged`); a manager retires it with ``active: false``, after
which no new change may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain import validation as check
from chalicelib.domain.change import MAX_SERVICES, PLAN_TEXT_MAX, STANDARD, ChangePlan
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.instants import iso
from chalicelib.domain.validation import Problems

#: The highest risk level there is (5 x 5).
MAX_RISK = 25
#: How many review flags a template keeps (the latest).
MAX_FLAGS = 50
#: The priorities whose incident caused by a standard change flags its template.
SERIOUS_PRIORITIES = ("P1", "P2")


@dataclass(frozen=True)
class ReviewFlag:
    """Why a template needs review: the change that failed or caused an incident, and what happened."""

    change: str
    reason: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change, "reason": self.reason, "at": iso(self.at)}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> ReviewFlag:
        return cls(str(doc["change"]), str(doc["reason"]), datetime.fromisoformat(str(doc["at"])))


@dataclass(frozen=True)
class ChangeTemplate:
    name: str
    services: tuple[str, ...]
    implementation_plan: str
    backout_plan: str
    max_risk: int
    active: bool = True
    flags: tuple[ReviewFlag, ...] = ()
    #: The document version this is (a change records the version it was made from).
    version: int = 1

    @property
    def flagged_for_review(self) -> bool:
        return bool(self.flags)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "services": list(self.services),
            "implementation_plan": self.implementation_plan,
            "backout_plan": self.backout_plan,
            "max_risk": self.max_risk,
            "active": self.active,
            "flagged_for_review": self.flagged_for_review,
            "review_flags": [f.to_dict() for f in self.flags],
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any], services: set[str] | None = None) -> ChangeTemplate:
        """Validate a template document (its services against the catalog's ``services`` when
        given); ``ValidationFailed`` names every problem."""
        problems = Problems()
        check.unknown_fields(
            doc,
            (
                "name",
                "version",
                "services",
                "implementation_plan",
                "backout_plan",
                "max_risk",
                "active",
                "flagged_for_review",
                "review_flags",
            ),
            problems,
        )
        name = check.name(doc.get("name"), "name", problems)
        names = check.name_list(doc.get("services"), "services", problems) if "services" in doc else ()
        if not names:
            problems.fail("services", "names at least one catalog service")
        if len(names) > MAX_SERVICES:
            problems.fail("services", f"names more than {MAX_SERVICES} services")
        for index, service in enumerate(names):
            if services is not None and service not in services:
                problems.fail(f"services[{index}]", f"{service} is not a service of the catalog")
        plans = {
            key: check.text(doc.get(key), key, problems, required=True, max_length=PLAN_TEXT_MAX)
            for key in ("implementation_plan", "backout_plan")
        }
        max_risk = doc.get("max_risk")
        if isinstance(max_risk, bool) or not isinstance(max_risk, int) or not 1 <= max_risk <= MAX_RISK:
            problems.fail("max_risk", f"must be an integer from 1 to {MAX_RISK} (likelihood x impact)")
        active = doc.get("active", True)
        if not isinstance(active, bool):
            problems.fail("active", "must be true or false")
        flags: list[ReviewFlag] = []
        raw_flags = doc.get("review_flags") or []
        if not isinstance(raw_flags, list):
            problems.fail("review_flags", "must be a list")
        else:
            for index, raw in enumerate(raw_flags[-MAX_FLAGS:]):
                try:
                    flags.append(ReviewFlag.from_dict(raw))
                except (KeyError, TypeError, ValueError):
                    problems.fail(f"review_flags[{index}]", 'must be {"change", "reason", "at"}')
        problems.check()
        return cls(
            name=str(name),
            services=tuple(names),
            implementation_plan=str(plans["implementation_plan"]),
            backout_plan=str(plans["backout_plan"]),
            max_risk=int(max_risk),  # type: ignore[arg-type]
            active=bool(active),
            flags=tuple(flags),
            version=doc["version"] if isinstance(doc.get("version"), int) else 1,
        )


#: The plan fields a template decides; a change from it may narrow ``services`` only.
TEMPLATE_FIELDS = ("implementation_plan", "backout_plan")


def from_template(template: ChangeTemplate, body: Mapping[str, Any]) -> dict[str, Any]:
    """The plan edit ``body`` with the template's model, services and plans filled in. Refused
    (``template``) when the template is retired, and (the field) when the body contradicts it."""
    if not template.active:
        raise ValidationFailed([{"field": "template", "reason": f"{template.name} is retired"}])
    problems = Problems()
    if body.get("model", STANDARD) != STANDARD:
        problems.fail("model", "a change from a template is a standard change")
    for key in TEMPLATE_FIELDS:
        if key in body and body[key] != getattr(template, key):
            problems.fail(key, f"is the template {template.name}'s")
    problems.check()
    filled = {key: getattr(template, key) for key in TEMPLATE_FIELDS}
    filled["model"] = STANDARD
    if "services" not in body:
        filled["services"] = list(template.services)
    return {**body, **filled}


def standard_refusals(plan: ChangePlan, template: ChangeTemplate | None) -> list[dict[str, str]]:
    """Why ``plan`` is not a standard change its ``template`` pre-approves (empty: it is)."""
    if plan.model != STANDARD:
        return []
    if template is None:
        return [{"field": "template", "reason": "a standard change is made from a change template"}]
    problems: list[dict[str, str]] = []
    for index, service in enumerate(plan.services):
        if service not in template.services:
            reason = f"{service} is not among the template {template.name}'s services"
            problems.append({"field": f"services[{index}]", "reason": reason})
    for key in TEMPLATE_FIELDS:
        if getattr(plan, key) != getattr(template, key):
            problems.append({"field": key, "reason": f"is the template {template.name}'s"})
    if plan.risk is not None and plan.risk.level > template.max_risk:
        reason = f"level {plan.risk.level} is above the template {template.name}'s maximum {template.max_risk}"
        problems.append({"field": "risk", "reason": reason})
    return problems


def flagged(body: Mapping[str, Any], flag: ReviewFlag) -> dict[str, Any] | None:
    """The template document's next body with ``flag`` (None: that change flagged it already)."""
    flags = [dict(f) for f in body.get("review_flags") or []]
    if any(f.get("change") == flag.change for f in flags):
        return None
    flags.append(flag.to_dict())
    return {**body, "review_flags": flags[-MAX_FLAGS:], "flagged_for_review": True}


def review_reason(outcome: str | None = None, incident: str | None = None, priority: str | None = None) -> str | None:
    """Why a standard change flags its template: it failed or was backed out, or it caused a P1/P2
    incident (None: it does not)."""
    if outcome in ("failed", "backed_out"):
        return f"the change was {outcome.replace('_', ' ')}"
    if incident is not None and priority in SERIOUS_PRIORITIES:
        return f"the change caused the {priority} incident {incident}"
    return None


def default_templates() -> list[dict[str, Any]]:
    """The standard change templates the desk ships with (``make run`` seeds them)."""
    return [
        {
            "name": "erp-app-server-restart",
            "services": ["erp"],
            "implementation_plan": "Drain one ERP application server from the load balancer, restart it, "
            "check the health page, put it back; then the next one.",
            "backout_plan": "Put the drained server back unchanged; open an incident if it does not come up.",
            "max_risk": 6,
        },
        {
            "name": "vpn-client-profile-update",
            "services": ["vpn"],
            "implementation_plan": "Publish the new VPN client profile to the pilot group, then to everyone "
            "after one working day without a VPN incident.",
            "backout_plan": "Republish the previous profile version.",
            "max_risk": 4,
        },
    ]
