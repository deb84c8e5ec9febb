"""SLA clocks for tickets: choose the policy at intake, replay the clocks on every change.

The policy (and the versions of its calendars) are chosen when the ticket opens and recorded
in an ``sla_applied`` event; every later computation replays the ticket's events under exactly
those versions, so editing a policy never rewrites an open ticket's history. A priority change
picks the new priority's targets in the same policy, carried or restarted as the policy says.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.processes import phase_of
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.clocks import TicketClocks
from chalicelib.domain.sla.policy import SlaPolicy, TicketFacts, select_policy
from chalicelib.domain.sla.replay import compute_clocks, preview, preview_policy
from chalicelib.domain.ticket import Ticket
from chalicelib.services.configuration import CALENDAR, SLA_POLICY, ConfigService


def facts_of(ticket: Ticket) -> TicketFacts:
    return TicketFacts.of(
        {
            "type": ticket.type,
            "priority": ticket.priority,
            "service": ticket.service,
            "vip": ticket.vip,
            "business_unit": ticket.business_unit,
        }
    )


class SlaClockKeeper:
    """Implements ``ClockKeeper`` for :class:`~chalicelib.services.tickets.TicketService`."""

    def __init__(self, config: ConfigService, escalations: Any = None, timers: Any = None) -> None:
        self.config = config
        #: ``TicketEscalations``: pins the escalation rules at intake and adds their next step
        #: to the ticket's ``next_deadline``.
        self.escalations = escalations
        #: ``ChangeTimers``: a change request's next timer joins ``next_deadline`` too, whatever
        #: its clocks (early-life support ends after the change closed).
        self.timers = timers

    # -- configuration --------------------------------------------------------------------

    def policies(self) -> list[SlaPolicy]:
        return list(self.config.parsed_latest(SLA_POLICY))

    def calendars(self) -> dict[str, BusinessCalendar]:
        return {calendar.name: calendar for calendar in self.config.parsed_latest(CALENDAR)}

    def _policy_at(self, name: str, version: int) -> SlaPolicy | None:
        policy: SlaPolicy | None = self.config.parsed_exact(SLA_POLICY, name, version)
        return policy

    def _calendar_at(self, name: str, version: int) -> BusinessCalendar | None:
        calendar: BusinessCalendar | None = self.config.parsed_exact(CALENDAR, name, version)
        return calendar

    # -- ClockKeeper ----------------------------------------------------------------------

    def opening_events(self, ticket: Ticket, now: datetime) -> list[dict[str, Any]]:
        policy = select_policy(self.policies(), facts_of(ticket))
        if policy is None:
            return []
        current = self.calendars()
        versions = {name: current[name].version for name in sorted(policy.calendars_used()) if name in current}
        after: dict[str, Any] = {"policy": policy.name, "policy_version": policy.version, "calendars": versions}
        if self.escalations is not None:
            after["escalation"] = self.escalations.pinned(policy.name)
        return [{"kind": EventKind.SLA_APPLIED, "after": after}]

    def clocks(
        self, events: Sequence[TicketEvent], now: datetime, *, without_pauses: bool = False
    ) -> TicketClocks | None:
        """The ticket's clocks as of ``now``, or None when no SLA policy applies.

        ``without_pauses``: replayed as if no status paused them (the reports' compliance with
        paused time counted)."""
        applied = [e for e in events if e.kind == EventKind.SLA_APPLIED]
        if not applied:
            return None
        record = applied[-1].after
        policy = self._policy_at(str(record["policy"]), int(record["policy_version"]))
        if policy is None:
            return None
        if without_pauses:
            policy = dataclasses.replace(policy, pause_statuses=())
        return compute_clocks(events, policy, self.calendars_of(events), now)

    def calendars_of(self, events: Sequence[TicketEvent]) -> dict[str, BusinessCalendar]:
        """The calendar versions the ticket's policy was applied with, by name."""
        applied = [e for e in events if e.kind == EventKind.SLA_APPLIED]
        calendars: dict[str, BusinessCalendar] = {}
        if not applied:
            return calendars
        for name, version in dict(applied[-1].after.get("calendars") or {}).items():
            calendar = self._calendar_at(name, int(version))
            if calendar is not None:
                calendars[name] = calendar
        return calendars

    def explain(self, events: Sequence[TicketEvent], now: datetime) -> dict[str, Any] | None:
        clocks = self.clocks(events, now)
        return None if clocks is None else clocks.to_dict()

    def refresh(self, ticket: Ticket, events: Sequence[TicketEvent], now: datetime) -> Ticket:
        ticket = self._refresh_clocks(ticket, events, now)
        timer_at = self.timers.next_at(ticket, events, now) if self.timers is not None else None
        if timer_at is not None and (ticket.next_deadline is None or timer_at < ticket.next_deadline):
            ticket = ticket.evolve(next_deadline=timer_at)
        return ticket

    def _refresh_clocks(self, ticket: Ticket, events: Sequence[TicketEvent], now: datetime) -> Ticket:
        clocks = self.clocks(events, now)
        if clocks is None:
            return ticket.evolve(sla={}, next_deadline=None)
        ticket = ticket.evolve(sla=clocks.summary(), next_deadline=clocks.next_deadline)
        if self.escalations is not None and not phase_of(ticket.type, ticket.status).is_terminal:
            step_at = self.escalations.next_at(ticket, events, now)
            if step_at is not None and (ticket.next_deadline is None or step_at < ticket.next_deadline):
                ticket = ticket.evolve(next_deadline=step_at)
        return ticket

    # -- preview --------------------------------------------------------------------------

    def preview(
        self, facts: dict[str, Any], opened_at: datetime, draft: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The policy the stored documents choose for ``facts`` and its clocks; with ``draft``
        (a policy document, validated as a stored one would be, its errors named under
        ``policy.``) the clocks that policy would give, before it is stored."""
        if facts.get("priority") is None:
            raise ValidationFailed([{"field": "priority", "reason": "is required"}])
        calendars = self.calendars()
        if draft is None:
            return preview(self.policies(), calendars, TicketFacts.of(facts), opened_at)
        try:
            policy = SlaPolicy.from_dict(draft, known_calendars=calendars)
        except ValidationFailed as failed:
            raise ValidationFailed(
                [{**problem, "field": f"policy.{problem['field']}"} for problem in failed.errors]
            ) from None
        return preview_policy(policy, calendars, TicketFacts.of(facts), opened_at)
