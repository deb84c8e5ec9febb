"""The desk's events for other systems: what it publishes to its EventBridge bus. Pure.

Every lifecycle move, SLA clock transition, change approval and link becomes one event with
``source: service-desk``, a ``detail-type`` per kind (:data:`DETAIL_TYPES`) and a detail that
always holds the ticket number, the sequence of the ticket event behind it and its instant.
Events ride the notice outbox (channel ``events``): written in the same transaction as the
ticket change, relayed through the queue, delivered once (the outbox item's id is the event id).

Clock transitions ``started``, ``paused``, ``resumed`` and ``met`` are read off the ticket's
derived SLA state before and after the change; ``warned`` and ``breached`` are the sweep's own
``sla_warning`` / ``sla_breached`` events.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.instants import iso
from chalicelib.domain.notice import DESK_EVENT, EVENTS, Notice

SOURCE = "service-desk"

TICKET_OPENED = "Ticket Opened"
TICKET_STATUS_CHANGED = "Ticket Status Changed"
CLOCK_STARTED = "SLA Clock Started"
CLOCK_PAUSED = "SLA Clock Paused"
CLOCK_RESUMED = "SLA Clock Resumed"
CLOCK_WARNED = "SLA Clock Warned"
CLOCK_BREACHED = "SLA Clock Breached"
CLOCK_MET = "SLA Clock Met"
CHANGE_APPROVAL = "Change Approval Decided"
TICKET_LINKED = "Ticket Linked"
TICKET_UNLINKED = "Ticket Unlinked"

#: Every detail-type the desk publishes, with what its detail holds besides
#: ``ticket``, ``seq``, ``at``, ``actor`` and ``type`` (the ticket's process).
DETAIL_TYPES: Mapping[str, str] = {
    TICKET_OPENED: "status, priority, service",
    TICKET_STATUS_CHANGED: "from, to, reason",
    CLOCK_STARTED: "clock, cycle, due_at",
    CLOCK_PAUSED: "clock, cycle",
    CLOCK_RESUMED: "clock, cycle, due_at",
    CLOCK_WARNED: "clock, cycle, threshold",
    CLOCK_BREACHED: "clock, cycle",
    CLOCK_MET: "clock, cycle",
    CHANGE_APPROVAL: "decision, comment",
    TICKET_LINKED: "kind, target",
    TICKET_UNLINKED: "kind, target",
}

#: Clock state before -> after: the transition published (states of ``chalicelib.domain.sla.clocks``).
_CLOCK_MOVES: Mapping[tuple[str, str], str] = {
    ("", "running"): CLOCK_STARTED,
    ("pending", "running"): CLOCK_STARTED,
    ("awaiting_schedule", "running"): CLOCK_STARTED,
    ("met", "running"): CLOCK_STARTED,
    ("running", "paused"): CLOCK_PAUSED,
    ("paused", "running"): CLOCK_RESUMED,
    ("running", "met"): CLOCK_MET,
    ("paused", "met"): CLOCK_MET,
    ("pending", "met"): CLOCK_MET,
    ("", "met"): CLOCK_MET,
}


@dataclass(frozen=True)
class DeskEvent:
    """One event for the bus; ``event_id`` is deterministic (ticket, seq, kind, clock)."""

    event_id: str
    detail_type: str
    ticket: str
    seq: int
    at: datetime
    detail: dict[str, Any] = field(default_factory=dict)

    def to_entry(self) -> dict[str, Any]:
        """The detail as published: the ticket, the sequence, the instant and the kind's fields."""
        return {"id": self.event_id, "ticket": self.ticket, "seq": self.seq, "at": iso(self.at), **self.detail}

    def to_notice(self) -> Notice:
        """The outbox item that carries it to the bus."""
        return Notice(
            notice_id=f"{self.event_id}#{EVENTS}",
            kind=DESK_EVENT,
            ticket=self.ticket,
            recipient=SOURCE,
            channel=EVENTS,
            subject=self.detail_type,
            text=f"{self.ticket} {self.detail_type}",
            created_at=self.at,
            data={"detail_type": self.detail_type, "detail": self.to_entry()},
        )


def _slug(detail_type: str) -> str:
    return detail_type.lower().replace(" ", "_")


def _from_event(event: TicketEvent, ticket_type: str) -> DeskEvent | None:
    base = {"actor": event.actor, "type": ticket_type}
    after = event.after

    def made(detail_type: str, extra: dict[str, Any], suffix: str = "") -> DeskEvent:
        event_id = f"{event.ticket}:{event.seq}:{_slug(detail_type)}{suffix}"
        return DeskEvent(event_id, detail_type, event.ticket, event.seq, event.at, {**base, **extra})

    if event.kind == EventKind.OPENED:
        return made(TICKET_OPENED, {k: after.get(k) for k in ("status", "priority", "service")})
    if event.kind == EventKind.STATUS_CHANGED:
        return made(
            TICKET_STATUS_CHANGED,
            {"from": event.before.get("status"), "to": after.get("status"), "reason": event.note},
        )
    if event.kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED):
        kind = CLOCK_WARNED if event.kind == EventKind.SLA_WARNING else CLOCK_BREACHED
        extra = {"clock": after.get("clock"), "cycle": after.get("cycle")}
        if kind == CLOCK_WARNED:
            extra["threshold"] = after.get("threshold")
        return made(kind, extra, f":{after.get('clock')}:{after.get('alert')}")
    if event.kind == EventKind.CHANGE_DECIDED:
        return made(CHANGE_APPROVAL, {"decision": after.get("decision"), "comment": after.get("comment")})
    if event.kind in (EventKind.LINKED, EventKind.UNLINKED):
        payload = after if event.kind == EventKind.LINKED else event.before
        kind = TICKET_LINKED if event.kind == EventKind.LINKED else TICKET_UNLINKED
        return made(kind, {"kind": payload.get("kind"), "target": payload.get("target")}, f":{payload.get('target')}")
    return None


def clock_states(sla: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The clocks of a ticket's stored SLA summary, by name."""
    clocks = (sla or {}).get("clocks") or {}
    return {str(name): dict(clock) for name, clock in clocks.items()}


def clock_transitions(
    number: str,
    ticket_type: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    seq: int,
    at: datetime,
) -> list[DeskEvent]:
    """The clock moves between two SLA summaries (``Ticket.sla``), caused by the event ``seq``."""
    old, new = clock_states(before), clock_states(after)
    out = []
    for name in sorted(new):
        was = str(old.get(name, {}).get("state") or "")
        now = str(new[name].get("state") or "")
        same_cycle = old.get(name, {}).get("cycle") == new[name].get("cycle")
        kind = _CLOCK_MOVES.get((was, now))
        if was == now == "running" and not same_cycle:
            kind = CLOCK_STARTED  # a new cycle (next update) started at once
        if kind is None:
            continue
        detail: dict[str, Any] = {"type": ticket_type, "clock": name, "cycle": new[name].get("cycle")}
        if kind in (CLOCK_STARTED, CLOCK_RESUMED):
            detail["due_at"] = new[name].get("due_at")
        event_id = f"{number}:{seq}:{_slug(kind)}:{name}:{new[name].get('cycle')}"
        out.append(DeskEvent(event_id, kind, number, seq, at, detail))
    return out


def desk_events(
    events: Sequence[TicketEvent],
    ticket_type: str,
    sla_before: Mapping[str, Any] | None,
    sla_after: Mapping[str, Any] | None,
    *,
    with_clocks: bool = True,
) -> list[DeskEvent]:
    """What one stored change of a ticket publishes: one event per published ticket event, then
    its clock transitions (attributed to the change's last event)."""
    out = [found for event in events if (found := _from_event(event, ticket_type)) is not None]
    if with_clocks and events:
        last = events[-1]
        out.extend(clock_transitions(last.ticket, ticket_type, sla_before, sla_after, last.seq, last.at))
    return out
