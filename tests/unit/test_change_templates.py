"""Standard change templates: the document, a change made from one, review flags and retirement."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.change import ChangePlan, Risk
from chalicelib.domain.change_templates import (
    ChangeTemplate,
    ReviewFlag,
    flagged,
    from_template,
    review_reason,
    standard_refusals,
)
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.identity import Identity
from chalicelib.domain.links import Link
from chalicelib.services.changes import ChangeService, ConfiguredChangeTemplates
from chalicelib.services.configuration import CHANGE_TEMPLATE, GROUP, SERVICE, ConfigService
from chalicelib.services.tickets import OpenTicket, TicketService
from tests.unit.fakes import FakeClock, InMemoryTicketRepository
from tests.unit.test_configuration import InMemoryConfigRepository

ADMIN = Identity("root", "admin")
MIA = Identity("mia", "manager")
ANN = Identity("ann", "agent")
ALICE = Identity("alice", "requester")

RESTART = {
    "name": "restart-erp",
    "services": ["erp", "database-hosting"],
    "implementation_plan": "restart the ERP application servers one by one",
    "backout_plan": "none needed: start the stopped server",
    "max_risk": 6,
}
TEMPLATE = ChangeTemplate.from_dict(RESTART)


def test_a_template_document_is_validated_naming_every_field() -> None:
    assert TEMPLATE.max_risk == 6 and TEMPLATE.active and not TEMPLATE.flagged_for_review
    with pytest.raises(ValidationFailed) as info:
        ChangeTemplate.from_dict(
            {"name": "x", "services": ["erp", "nope"], "max_risk": 26, "active": "no", "colour": 1}, {"erp"}
        )
    fields = {e["field"] for e in info.value.errors}
    assert fields == {"colour", "services[1]", "implementation_plan", "backout_plan", "max_risk", "active"}
    with pytest.raises(ValidationFailed) as info:
        ChangeTemplate.from_dict({**RESTART, "services": []})
    assert info.value.errors[0]["field"] == "services"


def test_a_change_from_a_template_takes_its_model_services_and_plans() -> None:
    body = from_template(TEMPLATE, {"version": 3, "services": ["erp"]})
    assert body["model"] == "standard" and body["services"] == ["erp"] and body["version"] == 3
    assert body["backout_plan"] == TEMPLATE.backout_plan
    assert from_template(TEMPLATE, {"version": 1})["services"] == list(TEMPLATE.services)
    with pytest.raises(ValidationFailed) as info:
        from_template(TEMPLATE, {"model": "normal", "backout_plan": "other"})
    assert [e["field"] for e in info.value.errors] == ["model", "backout_plan"]
    retired = ChangeTemplate.from_dict({**RESTART, "active": False})
    with pytest.raises(ValidationFailed) as info:
        from_template(retired, {})
    assert info.value.errors == [{"field": "template", "reason": "restart-erp is retired"}]


def test_a_standard_change_stays_within_its_template() -> None:
    plan = ChangePlan(
        model="standard",
        services=("erp",),
        implementation_plan=TEMPLATE.implementation_plan,
        backout_plan=TEMPLATE.backout_plan,
        risk=Risk(2, 3, "low"),
    )
    assert standard_refusals(plan, TEMPLATE) == []
    assert standard_refusals(plan.evolve(model="normal"), None) == []
    assert standard_refusals(plan, None) == [
        {"field": "template", "reason": "a standard change is made from a change template"}
    ]
    wider = plan.evolve(services=("erp", "mail"), risk=Risk(3, 3, "medium"), backout_plan="hope")
    assert [e["field"] for e in standard_refusals(wider, TEMPLATE)] == ["services[1]", "backout_plan", "risk"]
    assert standard_refusals(wider, TEMPLATE)[-1]["reason"] == "level 9 is above the template restart-erp's maximum 6"


def test_a_template_is_flagged_once_per_change_that_failed_or_caused_a_serious_incident() -> None:
    assert review_reason("failed") == "the change was failed"
    assert review_reason("backed_out") == "the change was backed out"
    assert review_reason("successful_with_issues") is None
    assert review_reason(incident="INC-000007", priority="P2") == "the change caused the P2 incident INC-000007"
    assert review_reason(incident="INC-000007", priority="P3") is None
    at = datetime(2026, 3, 2, tzinfo=UTC)
    body = flagged(RESTART, ReviewFlag("CHG-000001", "the change was failed", at))
    assert body is not None and body["flagged_for_review"] is True
    assert ChangeTemplate.from_dict(body).flags == (ReviewFlag("CHG-000001", "the change was failed", at),)
    assert flagged(body, ReviewFlag("CHG-000001", "again", at + timedelta(hours=1))) is None


# -- the service ---------------------------------------------------------------------------


class Directory:
    def services(self) -> Collection[str]:
        return {"erp", "database-hosting", "mail"}

    def groups(self) -> Collection[str]:
        return {"database"}

    def groups_of(self, user: str) -> tuple[str, ...]:
        return ()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(clock: FakeClock) -> ConfigService:
    import chalicelib.services.classification  # noqa: F401  (registers the catalog's kinds)

    service = ConfigService(InMemoryConfigRepository(), clock, cache_seconds=0)
    service.create(GROUP, {"name": "database", "title": "Database", "lead": "dora"}, ADMIN)
    for name in ("erp", "database-hosting", "mail"):
        service.create(SERVICE, {"name": name, "title": name, "support_group": "database"}, ADMIN)
    service.create(CHANGE_TEMPLATE, RESTART, MIA)
    return service


@pytest.fixture
def tickets(clock: FakeClock) -> TicketService:
    return TicketService(InMemoryTicketRepository(), clock)


@pytest.fixture
def changes(tickets: TicketService, config: ConfigService) -> ChangeService:
    repo: Any = tickets.repository
    return ChangeService(tickets, repo, Directory(), templates=ConfiguredChangeTemplates(config))


def _change(changes: ChangeService, clock: FakeClock, **fields: Any) -> Any:
    number = changes.tickets.open_ticket(OpenTicket(type="change_request", title="Restart", description="d"), ALICE)
    window = {"start": clock.now.isoformat(), "end": (clock.now + timedelta(hours=1)).isoformat()}
    body = {"version": 1, "template": "restart-erp", "window": window, "risk": {"likelihood": 1, "impact": 2}}
    return changes.plan(number.number, {**body, **fields}, ANN)


def _move(changes: ChangeService, ticket: Any, to: str, **kw: Any) -> Any:
    if "outcome" in kw:
        return changes.move(ticket.number, to, ticket.version, ANN, None, kw["outcome"])
    return changes.tickets.transition(ticket.number, to, ticket.version, ANN)


def test_a_change_from_a_template_is_pre_approved_and_records_the_template(
    changes: ChangeService, clock: FakeClock
) -> None:
    t = _change(changes, clock)
    assert t.change.model == "standard" and (t.change.template, t.change.template_version) == ("restart-erp", 1)
    assert t.change.backout_plan == RESTART["backout_plan"]
    planned = [e for e in changes.tickets.repository.events(t.number) if e.kind == "change_planned"][-1]
    assert planned.after["template"] == "restart-erp"
    for to in ("schedule", "implement"):
        t = _move(changes, t, to)
    assert _move(changes, t, "close", outcome="successful").status == "closed"


def test_refusals_name_the_template_and_its_limits(changes: ChangeService, clock: FakeClock) -> None:
    with pytest.raises(ValidationFailed) as info:
        _change(changes, clock, template="nothing")
    assert info.value.errors == [{"field": "template", "reason": "no change template 'nothing'"}]
    with pytest.raises(ValidationFailed) as info:
        _change(changes, clock, risk={"likelihood": 4, "impact": 4})
    assert info.value.errors[0]["field"] == "risk"
    t = _change(changes, clock)
    with pytest.raises(ValidationFailed) as info:
        changes.plan(t.number, {"version": t.version, "services": ["mail"]}, ANN)
    assert info.value.errors[0]["field"] == "services[0]"
    other = changes.tickets.open_ticket(OpenTicket(type="change_request", title="x", description="y"), ALICE)
    with pytest.raises(ValidationFailed) as info:
        changes.plan(other.number, {"version": 1, "model": "standard"}, ANN)
    assert info.value.errors[0]["field"] == "template"


def test_a_failed_change_flags_its_template_and_a_manager_retires_it(
    changes: ChangeService, config: ConfigService, clock: FakeClock
) -> None:
    t = _change(changes, clock)
    for to in ("schedule", "implement"):
        t = _move(changes, t, to)
    t = _move(changes, t, "review", outcome="failed")
    doc = config.get(CHANGE_TEMPLATE, "restart-erp")
    assert doc.version == 2 and doc.body["flagged_for_review"] is True
    assert doc.body["review_flags"][0]["change"] == t.number
    retired = config.update(CHANGE_TEMPLATE, "restart-erp", {**doc.body, "active": False}, MIA)
    assert retired.version == 3 and retired.body["active"] is False
    with pytest.raises(ValidationFailed) as info:
        _change(changes, clock)
    assert info.value.errors == [{"field": "template", "reason": "restart-erp is retired"}]


def test_a_serious_incident_caused_by_a_standard_change_flags_its_template(
    changes: ChangeService, config: ConfigService, clock: FakeClock
) -> None:
    t = _change(changes, clock)
    minor = changes.tickets.open_ticket(
        OpenTicket(type="incident", title="slow", description="d", impact="low", urgency="low"), ALICE
    )
    changes.linked(minor, t, Link("caused_by", t.number))
    assert config.get(CHANGE_TEMPLATE, "restart-erp").version == 1
    major = changes.tickets.open_ticket(
        OpenTicket(type="incident", title="down", description="d", impact="high", urgency="high"), ALICE
    )
    changes.linked(major, t, Link("caused_by", t.number))
    changes.linked(t, major, Link("caused", major.number))
    doc = config.get(CHANGE_TEMPLATE, "restart-erp")
    assert doc.version == 2 and [f["change"] for f in doc.body["review_flags"]] == [t.number]


def test_flagging_retries_when_another_version_was_stored_meanwhile(config: ConfigService) -> None:
    from chalicelib.domain.errors import Conflict

    templates = ConfiguredChangeTemplates(config)
    real_update = config.update
    calls: list[int] = []

    def racing_update(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            real_update(CHANGE_TEMPLATE, "restart-erp", {**RESTART, "max_risk": 4}, MIA)  # someone else's edit
            raise Conflict("moved on")
        return real_update(*args)

    config.update = racing_update  # type: ignore[method-assign,assignment]
    templates.flag("restart-erp", ReviewFlag("CHG-000009", "the change was failed", datetime(2026, 3, 2, tzinfo=UTC)))
    doc = config.get(CHANGE_TEMPLATE, "restart-erp")
    assert doc.version == 3 and doc.body["max_risk"] == 4 and doc.body["review_flags"][0]["change"] == "CHG-000009"
