"""Escalation on tickets: which steps are due, carried out in the sweep's transaction.

The rule sets (configuration kind ``escalation``) that apply to a ticket's SLA policy are pinned
at intake, with their versions, in the ``sla_applied`` event, like the policy itself. A step is
identified by its deterministic id (ticket, rule set, version, step, clock, cycle), claimed in
the same transaction that records it as an ``escalated`` event, so it is carried out once per
clock cycle. Functional escalation (``reassign_group``) moves the ticket to the new group and
clears the assignee, recorded as an ``assigned`` event naming who now resolves it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.domain.escalation import (
    EscalationFacts,
    EscalationRules,
    EscalationStep,
    done_from_events,
    due_steps,
    next_escalation_at,
)
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.notice import ESCALATION as ESCALATION_NOTICE
from chalicelib.domain.notice import OPERATIONS, Notice
from chalicelib.domain.quiet_hours import delivery_time
from chalicelib.domain.ticket import Ticket
from chalicelib.services.configuration import ESCALATION, ConfigService
from chalicelib.services.notices import NoticeFactory
from chalicelib.services.ports import Claim


def _alerts_fired(events: Sequence[TicketEvent]) -> list[dict[str, Any]]:
    fired = []
    for event in events:
        if event.kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED):
            after = event.after
            fired.append(
                {
                    "clock": after.get("clock"),
                    "kind": "breach" if event.kind == EventKind.SLA_BREACHED else "warning",
                    "threshold": after.get("threshold", 1.0),
                    "cycle": after.get("cycle", 1),
                    "at": after.get("at") or event.at.isoformat(),
                }
            )
    return fired


def _facts(ticket: Ticket, events: Sequence[TicketEvent]) -> EscalationFacts:
    reopened = [e.at for e in events if e.kind == EventKind.STATUS_CHANGED and e.after.get("reopened")]
    return EscalationFacts.of(
        {
            "number": ticket.number,
            "type": ticket.type,
            "priority": ticket.priority,
            "policy": (ticket.sla or {}).get("policy"),
            "reopen_count": ticket.reopen_count,
            "reopened_at": reopened[-1] if reopened else None,
        }
    )


class TicketEscalations:
    """Implements the sweep's ``Escalations`` and the next escalation instant for the clocks."""

    def __init__(self, config: ConfigService, notices: NoticeFactory, directory: Any) -> None:
        self.config = config
        self.notices = notices
        self.directory = directory

    def pinned(self, policy: str) -> dict[str, int]:
        """The rule sets (name -> version) applying to ``policy`` now: recorded at intake."""
        out: dict[str, int] = {}
        for doc in self.config.latest_all(ESCALATION):
            rules = self.config.parsed(doc)
            if rules.applies_to(policy):
                out[doc.name] = doc.version
        return out

    def _rule_sets(self, events: Sequence[TicketEvent]) -> list[EscalationRules]:
        applied = [e for e in events if e.kind == EventKind.SLA_APPLIED]
        if not applied:
            return []
        versions = dict(applied[-1].after.get("escalation") or {})
        sets = [self.config.parsed_exact(ESCALATION, name, int(version)) for name, version in sorted(versions.items())]
        return [rules for rules in sets if rules is not None]

    def next_at(self, ticket: Ticket, events: Sequence[TicketEvent], now: datetime) -> datetime | None:
        sets = self._rule_sets(events)
        if not sets:
            return None
        return next_escalation_at(
            sets,
            ticket_facts=_facts(ticket, events),
            alerts_fired=_alerts_fired(events),
            now=now,
            done=done_from_events(events),
        )

    def plan(
        self, ticket: Ticket, events: Sequence[TicketEvent], now: datetime
    ) -> tuple[Ticket, list[dict[str, Any]], list[Claim], list[Notice]]:
        sets = self._rule_sets(events)
        if not sets:
            return ticket, [], [], []
        steps = due_steps(
            sets,
            ticket_facts=_facts(ticket, events),
            alerts_fired=_alerts_fired(events),
            now=now,
            done=done_from_events(events),
        )
        new_events: list[dict[str, Any]] = []
        claims: list[Claim] = []
        notices: list[Notice] = []
        for step in steps:
            new_events.append({"kind": EventKind.ESCALATED, "after": step.event_after(), "note": step.describe()})
            claims.append(Claim(step.step_id, now, ticket.number, {"step": step.describe()}))
            notices.extend(self._notices(ticket, step, now))
            group = step.reassign_to
            if group and group != ticket.group:
                before = {"assignee": ticket.assignee, "group": ticket.group, "monitor": ticket.monitor}
                previous = ticket
                ticket = ticket.evolve(group=group, assignee=None)
                after = {"assignee": None, "group": group, "monitor": ticket.monitor}
                new_events.append(
                    {"kind": EventKind.ASSIGNED, "before": before, "after": after, "note": "functional escalation"}
                )
                notices.extend(self._handover(previous, ticket, step, now))
        return ticket, new_events, claims, notices

    def _handover(self, before: Ticket, after: Ticket, step: EscalationStep, now: datetime) -> list[Notice]:
        """The agent the ticket was taken from, and the lead of the group it moved to, are told
        (ids from the step's claimed id, so a retried sweep cannot tell them twice)."""
        why = step.describe()
        out: list[Notice] = []
        if before.assignee:
            out.extend(
                self.notices.reassigned_away(before, before.assignee, str(after.group), step.step_id, why, now)
            )
        lead = self.directory.group_lead(after.group)
        if lead and lead != before.assignee:
            out.extend(self.notices.group_handover(after, lead, before.group, step.step_id, why, now))
        return out

    def _notices(self, ticket: Ticket, step: EscalationStep, now: datetime) -> list[Notice]:
        out: list[Notice] = []
        for role, urgent in step.recipients:
            for recipient in self.directory.resolve(role, ticket):
                text = (
                    f"{ticket.number} ({ticket.priority}, {ticket.title}) escalated: {step.describe()}. "
                    f"{self.notices.link(ticket)}"
                )
                data = {
                    "type": ticket.type,
                    "priority": ticket.priority,
                    "title": ticket.title,
                    "tags": list(ticket.tags),
                    "assignee": ticket.assignee,
                    "group": ticket.group,
                    "step": step.to_dict(),
                }
                notices = self.notices.build(
                    happened=f"{step.step_id}:{recipient}",
                    kind=ESCALATION_NOTICE,
                    ticket=ticket,
                    recipient=recipient,
                    subject=f"{ticket.number} escalated: {step.describe()}",
                    text=text,
                    now=now,
                    audience=OPERATIONS,
                    urgent=urgent,
                    data=data,
                )
                after = delivery_time(notices[0], self.directory.calendar_of(recipient), now)
                out.extend(notice.with_delivery_after(after if after > now else None) for notice in notices)
        return out
