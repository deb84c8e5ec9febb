"""Classification and routing at intake, triage, and corrections (the service layer).

At intake every ticket is classified (process, service, impact, urgency, group: see
:mod:`chalicelib.domain.intake`) from the catalog, the admin rules and the learned models, each
prediction with its confidence, explanation and model version. A confidently routed ticket gets
an assignee chosen by skills, workload and shift (:mod:`chalicelib.domain.routing`); anything
uncertain, out of catalog or disputed goes to the Service Manager's triage queue instead.

An incident that nobody on shift can take pages whoever is on call for its group at once
(:func:`chalicelib.domain.oncall.page_reason`), recorded as a ``paged`` event that the ticket
service turns into one urgent page through the outbox.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.catalog.documents import Agent, Service, SupportGroup
from chalicelib.domain.classification import RoutingDecision, Triage
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.events import EventKind
from chalicelib.domain.intake import ClassificationRule, classify
from chalicelib.domain.oncall import page_reason
from chalicelib.domain.processes import lifecycle_for
from chalicelib.domain.quiet_hours import EARLY_LIFE_SUPPORT_TAG
from chalicelib.domain.routing import choose_assignee
from chalicelib.domain.sla.policy import select_policy
from chalicelib.domain.ticket import Ticket, priority_for
from chalicelib.services.configuration import (
    AGENT,
    CALENDAR,
    CLASSIFICATION_RULE,
    GROUP,
    SERVICE,
    SLA_POLICY,
    ConfigService,
    DocumentKind,
    register_kind,
)
from chalicelib.services.tickets import OpenTicket

if TYPE_CHECKING:
    from chalicelib.services.directory import Directory

RULE = CLASSIFICATION_RULE


def _stored(config: ConfigService, kind: str) -> dict[str, dict[str, Any]]:
    """The latest body of every stored document of ``kind``, by name."""
    return {doc.name: doc.body for doc in config.latest_all(kind)}


def _group_problem(groups: dict[str, dict[str, Any]], name: str) -> str | None:
    if name not in groups:
        return f"unknown group {name!r}"
    if groups[name].get("active", True) is False:
        return f"group {name!r} is retired"
    return None


def _validate_service(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    service = Service.from_dict(body)
    if service.active:
        problem = _group_problem(_stored(config, GROUP), service.support_group)
        if problem:
            raise ValidationFailed([{"field": "support_group", "reason": problem}])
    return service.to_dict()


def _validate_group(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    # A group's escalation group may be stored after it (groups name each other); escalation
    # skips a retired or unknown one.
    return SupportGroup.from_dict(body).to_dict()


def _validate_agent(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    agent = Agent.from_dict(body)
    if agent.active:
        groups = _stored(config, GROUP)
        problems = [
            {"field": f"groups[{index}]", "reason": problem}
            for index, name in enumerate(agent.groups)
            if (problem := _group_problem(groups, name))
        ]
        if problems:
            raise ValidationFailed(problems)
    return agent.to_dict()


def _validate_rule(body: dict[str, Any], config: ConfigService) -> dict[str, Any]:
    return ClassificationRule.from_dict(body).to_dict()


register_kind(
    DocumentKind(SERVICE, "service", _validate_service, editors=("admin", "manager"), parse=Service.from_dict)
)
register_kind(DocumentKind(GROUP, "support group", _validate_group, parse=SupportGroup.from_dict))
register_kind(DocumentKind(AGENT, "agent", _validate_agent, editors=("admin", "manager"), parse=Agent.from_dict))
register_kind(
    DocumentKind(
        RULE, "classification rule", _validate_rule, editors=("admin", "manager"), parse=ClassificationRule.from_dict
    )
)


#: Reads the agents' workload counters: agent -> (weighted open work, open count, last assigned).
WorkloadReader = Callable[[Sequence[str]], Mapping[str, Any]]


class IntakeClassifier:
    """Implements ``IntakeEnricher`` for :class:`~chalicelib.services.tickets.TicketService`."""

    def __init__(
        self,
        config: ConfigService,
        *,
        threshold: float,
        models: Callable[[], Mapping[str, Any]] | None = None,
        workloads: WorkloadReader | None = None,
        directory: Directory | None = None,
        early_life: Callable[[str | None, datetime], bool] | None = None,
    ) -> None:
        self.config = config
        self.threshold = threshold
        self.models = models or (lambda: {})
        self.workloads = workloads
        #: Who is on call (the page at intake); None: no paging.
        self.directory = directory
        #: Whether a service is in a change's early-life support at an instant; None: never.
        self.early_life = early_life

    def _docs(self, kind: str) -> list[Any]:
        """The latest documents of ``kind`` offered at intake: retired ones (``active: false``) are not."""
        return [doc for doc in self.config.parsed_latest(kind) if getattr(doc, "active", True)]

    def catalog(self) -> list[Service]:
        return list(self._docs(SERVICE))

    def requester_type(self, text: str) -> str | None:
        """The type of a request that names none (mail to the desk's plain address): a rule's,
        else a confident model's, when a requester may open it; else None."""
        from chalicelib.domain.intake import predicted_type
        from chalicelib.domain.ticket import REQUESTER_TYPES

        return predicted_type(text, self.models(), self._docs(RULE), self.threshold, REQUESTER_TYPES)

    def route(self, ticket: Ticket, group: str, now: datetime) -> RoutingDecision:
        agents: list[Agent] = [a for a in self._docs(AGENT) if group in a.groups]
        calendars = {c.name: c for c in self._docs(CALENDAR)}
        workload: dict[str, float] = {}
        counts: dict[str, int] = {}
        last: dict[str, datetime] = {}
        if self.workloads is not None and agents:
            for agent, load in self.workloads([a.name for a in agents]).items():
                workload[agent] = load.weighted
                counts[agent] = load.open_count
                if load.last_assigned is not None:
                    last[agent] = load.last_assigned
        return choose_assignee(
            group,
            agents,
            service=ticket.service,
            tags=list(ticket.tags),
            workload=workload,
            calendars=calendars,
            now=now,
            last_assigned=last,
            open_counts=counts,
        )

    def anyone_on_shift(self, group: str | None, now: datetime) -> bool:
        """Whether an active member of ``group`` is on shift at ``now`` (no group: nobody)."""
        if not group:
            return False
        calendars = {c.name: c for c in self._docs(CALENDAR)}
        for agent in self._docs(AGENT):
            calendar = calendars.get(agent.shift)
            if agent.active and group in agent.groups and calendar is not None and calendar.is_working(now):
                return True
        return False

    def clock_running(self, ticket: Ticket, now: datetime) -> bool:
        """Whether the SLA policy the ticket will run under counts time at ``now`` (a 24x7 service)."""
        from chalicelib.services.sla import facts_of

        policy = select_policy(self._docs(SLA_POLICY), facts_of(ticket))
        if policy is None:
            return False
        calendar = {c.name: c for c in self._docs(CALENDAR)}.get(policy.calendar)
        return calendar is not None and bool(calendar.is_working(now))

    def page(self, ticket: Ticket, now: datetime) -> dict[str, Any] | None:
        """The ``paged`` event when the new ``ticket`` must page whoever is on call, else None."""
        if self.directory is None or ticket.type != "incident":
            return None
        why = page_reason(
            ticket_type=ticket.type,
            priority=ticket.priority,
            assigned=ticket.assignee is not None,
            anyone_on_shift=self.anyone_on_shift(ticket.group, now),
            clock_running=self.clock_running(ticket, now),
            group=ticket.group,
        )
        if why is None:
            return None
        on_call = self.directory.on_call_at(ticket.group, now)
        after = {
            "recipient": on_call.person,
            "group": ticket.group,
            "rota": on_call.rota,
            "rota_version": on_call.rota_version,
            "source": on_call.source,
            "why": why,
        }
        return {"kind": EventKind.PAGED, "after": after, "note": f"paged {on_call.person} ({on_call.source}): {why}"}

    def enrich(self, ticket: Ticket, request: OpenTicket, now: datetime) -> tuple[Ticket, list[dict[str, Any]]]:
        groups = [g.name for g in self._docs(GROUP)]
        result = classify(
            text=f"{ticket.title}\n{ticket.description}",
            requested_type=ticket.type,
            requested_service=request.service,
            impact=request.impact,
            urgency=request.urgency,
            catalog=self.catalog(),
            models=self.models(),
            rules=self._docs(RULE),
            threshold=self.threshold,
            groups=groups or None,
        )
        impact = result.impact.value or ticket.impact
        urgency = result.urgency.value or ticket.urgency
        service = result.service.value if result.service.value else request.service
        group = result.group.value
        classified = ticket.evolve(
            impact=impact,
            urgency=urgency,
            priority=priority_for(impact, urgency),
            impact_defaulted=result.impact_defaulted,
            urgency_defaulted=result.urgency_defaulted,
            service=service,
            group=group,
            classification=result,
            triage=Triage.of(result),
        )
        events: list[dict[str, Any]] = [
            {"kind": EventKind.CLASSIFIED, "after": result.to_dict(), "note": "classified at intake"}
        ]
        if result.auto_route and group:
            decision = self.route(classified, group, now)
            classified = classified.evolve(routing=decision)
            assign = lifecycle_for(ticket.type).desk_move(ticket.status, "assign")
            if decision.assignee and assign is not None:
                before = {"assignee": None, "group": None, "monitor": None}
                after = {"assignee": decision.assignee, "group": group, "monitor": None}
                classified = classified.evolve(assignee=decision.assignee, status=assign.target)
                events.append({"kind": EventKind.ASSIGNED, "before": before, "after": after, "note": decision.reason})
                events.append(
                    {
                        "kind": EventKind.STATUS_CHANGED,
                        "before": {"status": ticket.status},
                        "after": {"status": assign.target},
                        "note": "routed at intake",
                    }
                )
            else:
                events.append(
                    {
                        "kind": EventKind.ASSIGNED,
                        "before": {"assignee": None, "group": None, "monitor": None},
                        "after": {"assignee": None, "group": group, "monitor": None},
                        "note": decision.reason,
                    }
                )
        if ticket.type == "incident" and self.early_life is not None and self.early_life(service, now):
            tags = tuple(sorted({*classified.tags, EARLY_LIFE_SUPPORT_TAG}))
            events.append(
                {
                    "kind": EventKind.UPDATED,
                    "before": {"tags": list(classified.tags)},
                    "after": {"tags": list(tags)},
                    "note": f"{service} is in early-life support after a change",
                }
            )
            classified = classified.evolve(tags=tags)
        paged = self.page(classified, now)
        if paged is not None:
            events.append(paged)
        return classified, events


#: The document kind each reference names.
REFERENCE_KINDS = {"agent": AGENT, "group": GROUP, "service": SERVICE}


class CatalogReferences:
    """Implements ``References`` for :class:`~chalicelib.services.tickets.TicketService`: a name
    must be a stored, active agent, group or service."""

    def __init__(self, config: ConfigService) -> None:
        self.config = config

    def refuse(self, kind: str, name: str) -> str | None:
        label = {"agent": "agent", "group": "group", "service": "catalog service"}[kind]
        found = _stored(self.config, REFERENCE_KINDS[kind]).get(name)
        if found is None:
            return f"no {label} {name!r}"
        if found.get("active", True) is False:
            return f"{label} {name!r} is retired"
        return None
