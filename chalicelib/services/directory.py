"""Who a role on a ticket is (assignee, group lead, Service Manager, on-call...) and their hours.

Group leads and agents' shift calendars come from the ``group`` and ``agent`` configuration
documents; who is on call for a group from its ``oncall_rota`` document (see
:mod:`chalicelib.domain.oncall`), and from the ``ON_CALL`` setting for a group without a rota;
the Service Manager from the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import NotFound
from chalicelib.domain.instants import iso
from chalicelib.domain.oncall import OnCallRota, on_duty
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.ticket import Ticket
from chalicelib.services.configuration import AGENT, CALENDAR, GROUP, ONCALL_ROTA, SERVICE, ConfigService
from chalicelib.services.ports import Clock

#: How the on-call person was found: an override or the rotation of the group's rota, or the
#: ``ON_CALL`` setting when the group has no rota.
FALLBACK = "fallback"


@dataclass(frozen=True)
class OnCall:
    """Who is on call for ``group`` at ``at``, from which rota version, and until when."""

    person: str
    group: str | None
    at: datetime
    source: str
    rota: str | None = None
    rota_version: int | None = None
    until: datetime | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "group": self.group,
            "at": iso(self.at),
            "source": self.source,
            "rota": self.rota,
            "rota_version": self.rota_version,
            "until": iso(self.until),
            "reason": self.reason,
        }


class Directory:
    def __init__(
        self,
        config: ConfigService,
        *,
        service_manager: str,
        on_call: str = "on-call",
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.service_manager = service_manager
        #: Who is paged for a group without a rota (``ON_CALL``).
        self.on_call = on_call
        self.clock = clock

    def rota_of(self, group: str | None) -> tuple[OnCallRota, int] | None:
        """The latest rota of ``group`` with its stored version, or None."""
        if not group:
            return None
        for doc in self.config.latest_all(ONCALL_ROTA):
            if doc.name == group:
                rota: OnCallRota = self.config.parsed(doc)
                return rota, doc.version
        return None

    def on_call_for(self, group: str, at: datetime) -> OnCall:
        """Who is on call for the support group ``group`` at ``at`` (``NotFound`` for no such group)."""
        if group not in {doc.name for doc in self.config.latest_all(GROUP)}:
            raise NotFound(f"no support group {group}", field="group")
        return self.on_call_at(group, at)

    def on_call_at(self, group: str | None, at: datetime) -> OnCall:
        """Who is on call for ``group`` at ``at``: its rota's answer, else the ``ON_CALL`` fallback."""
        found = self.rota_of(group)
        if found is None:
            reason = f"no on-call rota for {group}" if group else "no group"
            return OnCall(self.on_call, group, at, FALLBACK, reason=reason)
        rota, version = found
        duty = on_duty(rota, at)
        return OnCall(duty.person, group, at, duty.source, rota.name, version, duty.until, duty.reason)

    def group_lead(self, group: str | None) -> str | None:
        if not group:
            return None
        for doc in self.config.latest_all(GROUP):
            if doc.name == group:
                lead = doc.body.get("lead")
                return str(lead) if lead else None
        return None

    def members(self, group: str) -> tuple[str, ...]:
        """The agents whose groups include ``group``, by name."""
        return tuple(
            sorted(doc.name for doc in self.config.latest_all(AGENT) if group in (doc.body.get("groups") or ()))
        )

    def resolve(self, role: str, ticket: Ticket) -> list[str]:
        """The user ids a recipient role names on ``ticket`` (empty when nobody fills it)."""
        if role.startswith("user:"):
            return [role[5:]]
        found: str | None
        if role == "assignee":
            found = ticket.assignee or self.group_lead(ticket.group) or self.service_manager
        elif role == "monitor":
            found = ticket.monitor
        elif role == "group_lead":
            found = self.group_lead(ticket.group) or self.service_manager
        elif role == "service_manager":
            found = self.service_manager
        elif role == "requester":
            found = ticket.requester
        elif role == "on_call":
            found = self.on_call if self.clock is None else self.on_call_at(ticket.group, self.clock()).person
        else:
            found = None
        return [found] if found else []

    def zone_of(self, user: str | None, service: str | None) -> str | None:
        """The IANA zone ``user`` reads times in: their shift calendar's, else the calendar of
        ``service`` (its override in the catalog); None when neither is known."""
        own = self.calendar_of(user) if user else None
        if own is not None:
            return own.timezone
        if service:
            for doc in self.config.latest_all(SERVICE):
                if doc.name == service and doc.body.get("calendar"):
                    for calendar in self.config.parsed_latest(CALENDAR):
                        if calendar.name == doc.body["calendar"]:
                            return str(calendar.timezone)
        return None

    def calendar_of(self, user: str) -> BusinessCalendar | None:
        """The working calendar of an agent (their shift); None when unknown (no quiet hours)."""
        for doc in self.config.latest_all(AGENT):
            if doc.name == user:
                shift = doc.body.get("shift")
                for calendar in self.config.parsed_latest(CALENDAR):
                    if calendar.name == shift:
                        found: BusinessCalendar = calendar
                        return found
        return None
