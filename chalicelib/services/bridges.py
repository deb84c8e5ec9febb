"""Bridges: a desk ticket linked to an issue in GitHub or Jira, and what their webhooks record.

``link`` (staff) bridges a ticket to an issue: the issue belongs to one ticket (a second ticket
is refused with 409), and the ticket gets a ``bridged`` event. ``record`` writes what one
verified webhook delivery tells (``chalicelib.domain.bridges``) as ``worked_elsewhere`` events on
each bridged ticket, claiming ``bridge-delivery#<system>:<delivery id>:<ticket>`` in the same
transaction: a delivery sent again records nothing and is answered as a replay (409).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.bridges import Activity, Bridge, activity_note
from chalicelib.domain.errors import AlreadyClaimed, Conflict, ValidationFailed
from chalicelib.domain.events import EventKind
from chalicelib.domain.identity import DESK_ACTOR, STAFF_ROLES, SYSTEM, Identity
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import logger
from chalicelib.services.ports import Claim, Clock
from chalicelib.services.tickets import TicketService

#: The longest delivery id accepted.
DELIVERY_ID_MAX = 200


class BridgeStore(Protocol):
    def attach(self, bridge: Bridge, ticket: str, now: datetime) -> str: ...

    def ticket_of(self, bridge: Bridge) -> str | None: ...


class Replayed(Conflict):
    """A webhook delivery already recorded."""

    code = "replayed"


@dataclass
class Recorded:
    """What one delivery recorded: ticket -> how many events; the keys no ticket is bridged to."""

    tickets: dict[str, int] = field(default_factory=dict)
    unbridged: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"recorded": self.tickets, "unbridged": self.unbridged}


def check_delivery_id(delivery: str | None, header: str) -> str:
    if not delivery or not delivery.strip() or len(delivery) > DELIVERY_ID_MAX:
        raise ValidationFailed([{"field": header, "reason": f"is required (1 to {DELIVERY_ID_MAX} characters)"}])
    return delivery.strip()


class BridgeService:
    def __init__(self, tickets: TicketService, store: BridgeStore, clock: Clock) -> None:
        self.tickets = tickets
        self.store = store
        self.clock = clock

    def link(self, number: str, caller: Identity, bridge: Bridge) -> Ticket:
        caller.require(*STAFF_ROLES)
        ticket = self.tickets.get_ticket(number, caller)
        owner = self.store.attach(bridge, ticket.number, self.clock())
        if owner != ticket.number:
            raise Conflict(f"{bridge.system} {bridge.key} is bridged to {owner} already", field="issue")
        if any(e.kind == EventKind.BRIDGED and e.after.get("key") == bridge.key
               and e.after.get("system") == bridge.system for e in self.tickets.history(number, caller)):
            return ticket

        def write(draft: Any) -> None:
            draft.add(EventKind.BRIDGED, {}, bridge.to_dict(), f"bridged to {bridge.system} {bridge.key}")

        return self.tickets.amend(ticket, caller, write)

    def record(
        self, system: str, delivery: str, activities: Sequence[Activity], *, delivery_field: str = "delivery"
    ) -> Recorded:
        """Record ``activities`` on their bridged tickets, once per delivery (:class:`Replayed`,
        naming ``delivery_field``: the header that carried the delivery id)."""
        by_ticket: dict[str, list[Activity]] = {}
        out = Recorded()
        for activity in activities:
            number = self.store.ticket_of(Bridge(activity.system, activity.key))
            if number is None:
                out.unbridged.append(activity.key)
                continue
            by_ticket.setdefault(number, []).append(activity)
        replayed = False
        for number, found in sorted(by_ticket.items()):
            ticket = self.tickets.get_ticket(number, SYSTEM)
            claim = Claim(f"bridge-delivery#{system}:{delivery}:{number}", self.clock(), number, {"system": system})

            def write(draft: Any, found: list[Activity] = found) -> None:
                for activity in found:
                    draft.add(
                        EventKind.WORKED_ELSEWHERE, {}, activity.to_event(), activity_note(activity), actor=DESK_ACTOR
                    )

            try:
                self.tickets.amend(ticket, SYSTEM, write, claims=[claim])
            except AlreadyClaimed:
                replayed = True
                continue
            out.tickets[number] = len(found)
        if replayed and not out.tickets:
            logger.warning("bridge delivery replayed", extra={"system": system, "delivery": delivery})
            raise Replayed(f"delivery {delivery} was recorded already", field=delivery_field)
        logger.info("bridge delivery recorded", extra={"system": system, "delivery": delivery, **out.to_dict()})
        return out
