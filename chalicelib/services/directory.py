"""Who a role on a ticket is (assignee, group lead, Service Manager, on-call...) and their hours.

Group leads and agents' shift calendars come from the ``group`` and ``agent`` configuration
documents; the Service Manager and the on-call rota from the settings.
"""

from __future__ import annotations

from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.ticket import Ticket
from chalicelib.services.configuration import AGENT, CALENDAR, GROUP, SERVICE, ConfigService


class Directory:
    def __init__(self, config: ConfigService, *, service_manager: str, on_call: str = "on-call") -> None:
        self.config = config
        self.service_manager = service_manager
        self.on_call = on_call

    def group_lead(self, group: str | None) -> str | None:
        if not group:
            return None
        for doc in self.config.latest_all(GROUP):
            if doc.name == group:
                lead = doc.body.get("lead")
                return str(lead) if lead else None
        return None

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
            found = self.on_call
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
