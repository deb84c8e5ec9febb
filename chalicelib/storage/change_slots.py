"""Change windows per service on DynamoDB (``ChangeSlotModel``): kept in the change's own
transaction, read by one Query per service over a bounded start range (never a Scan)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.config import get_settings
from chalicelib.domain.conflicts import MAX_WINDOW, Slot, slots_of
from chalicelib.domain.ticket import Ticket
from chalicelib.observability import tracer
from chalicelib.storage.models import ChangeSlotModel, bind_models


def _format(moment: datetime) -> str:
    from chalicelib.storage.models import format_instant

    return format_instant(moment)


def ticket_slots(ticket: Ticket | None) -> dict[tuple[str, str], Slot]:
    """The slots ``ticket`` holds, by (service, range key)."""
    if ticket is None or ticket.type != "change_request" or ticket.change is None:
        return {}
    plan = ticket.change
    return {
        (slot.service, f"{_format(slot.start)}#{slot.number}"): slot
        for slot in slots_of(ticket.number, ticket.status, plan.window, plan.services)
    }


def write_slots(tx: Any, previous: Ticket | None, ticket: Ticket) -> None:
    """Add the transaction's puts and deletes that bring the change's slots from ``previous`` to ``ticket``."""
    before, after = ticket_slots(previous), ticket_slots(ticket)
    for key in sorted(before.keys() - after.keys()):
        tx.delete(ChangeSlotModel(*key))
    for key, slot in sorted(after.items()):
        if before.get(key) != slot:
            tx.save(ChangeSlotModel(*key, number=slot.number, start=slot.start, end=slot.end, status=slot.status))


class DynamoChangeSlots:
    """:class:`chalicelib.services.changes.SlotIndex` on DynamoDB."""

    def __init__(self) -> None:
        bind_models(get_settings())

    @tracer.capture_method
    def overlapping(self, service: str, start: datetime, end: datetime) -> list[Slot]:
        """The slots on ``service`` whose window overlaps ``[start, end)``: one Query over the
        starts in ``[start - MAX_WINDOW, end)`` (a window never lasts longer)."""
        low, high = _format(start - MAX_WINDOW), _format(end)
        found = []
        for item in ChangeSlotModel.query(service, ChangeSlotModel.slot.between(low, high)):
            if item.slot.startswith(high):
                continue  # starts exactly at ``end``: half-open, no overlap
            if item.end > start:
                found.append(Slot(item.service, item.number, item.start, item.end, item.status))
        return found
