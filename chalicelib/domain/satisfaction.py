"""Satisfaction: the requester's rating of a resolution (seed 000 "increase satisfaction"; seed 001
"consumer experience and satisfaction"). Pure: the rules read a ticket's events.

A **resolution** is a status move of an incident or a service request into a resolved state from
an open one, or into a closed state straight from an open one (closed without being resolved
first); it is named by that ``status_changed`` event's ``seq``. A reopen ends it: the ticket has
no current resolution until it is resolved again, and the new resolution may be rated again.
A move from resolved to closed (the requester's confirmation, the auto-close) keeps the current
resolution, so a ticket can be rated after it closed.

A **rating** is a ``rated`` event by the requester: ``after = {"rating": 1..5, "comment": text
or None, "resolution": seq, "source": "portal" | "link"}``. One per resolution: the desk claims
``rating:<ticket>:<resolution seq>`` in the same write as the event, whichever way it came.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.lifecycle import Phase
from chalicelib.domain.processes import phase_of

#: The types whose resolutions the requester rates (the support work the measures time).
RATED_TYPES = ("incident", "service_request")
RATING_MIN = 1
RATING_MAX = 5
COMMENT_MAX = 1000
#: Ratings at or below this are low (the patrol's default; ``LOW_RATING_MAX`` configures it).
LOW_RATING_MAX = 2
#: Where a rating came from.
SOURCES = ("portal", "link")


def is_resolution(ticket_type: str, old_status: str, new_status: str) -> bool:
    """True when moving ``old_status`` -> ``new_status`` resolves a ticket of ``ticket_type``."""
    if ticket_type not in RATED_TYPES:
        return False
    old, new = phase_of(ticket_type, old_status), phase_of(ticket_type, new_status)
    return old.is_open and new in (Phase.RESOLVED, Phase.CLOSED)


def _ticket_type(events: Sequence[TicketEvent]) -> str:
    kind = ""
    for event in events:
        if event.kind in (EventKind.OPENED, EventKind.CLASSIFIED, EventKind.UPDATED) and "type" in event.after:
            value = event.after["type"]
            value = value.get("value") if isinstance(value, dict) else value
            if isinstance(value, str) and value:
                kind = value
    return kind


@dataclass(frozen=True)
class Resolution:
    """One resolution of a ticket: its ``status_changed`` event, and its rating if it has one."""

    seq: int
    at: datetime
    actor: str
    rating: int | None = None
    comment: str | None = None
    rated_at: datetime | None = None
    rated_seq: int | None = None

    @property
    def rated(self) -> bool:
        return self.rating is not None


def resolutions(events: Sequence[TicketEvent], ticket_type: str | None = None) -> list[Resolution]:
    """Every resolution of the ticket, in order, each with the rating given for it (the first one:
    a second is never stored)."""
    ordered = sorted(events, key=lambda e: e.seq)
    kind = ticket_type or _ticket_type(ordered)
    found: dict[int, Resolution] = {}
    for event in ordered:
        if event.kind == EventKind.STATUS_CHANGED:
            old, new = str(event.before.get("status", "")), str(event.after.get("status", ""))
            if is_resolution(kind, old, new):
                found[event.seq] = Resolution(event.seq, event.at, event.actor)
        elif event.kind == EventKind.RATED:
            seq = rating_resolution(event)
            if seq in found and not found[seq].rated:
                previous = found[seq]
                found[seq] = Resolution(
                    previous.seq, previous.at, previous.actor,
                    rating=int(event.after["rating"]), comment=_comment(event.after.get("comment")),
                    rated_at=event.at, rated_seq=event.seq,
                )
    return [found[seq] for seq in sorted(found)]


def rating_resolution(event: TicketEvent) -> int | None:
    """The resolution a ``rated`` event rates."""
    value = event.after.get("resolution")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _comment(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def current_resolution(events: Sequence[TicketEvent], ticket_type: str | None = None) -> Resolution | None:
    """The resolution the ticket is in now: its last one, unless it was reopened (or cancelled)
    since; None when the ticket is not resolved or closed."""
    ordered = sorted(events, key=lambda e: e.seq)
    kind = ticket_type or _ticket_type(ordered)
    found = resolutions(ordered, kind)
    if not found:
        return None
    last = found[-1]
    for event in ordered:
        if event.seq <= last.seq or event.kind != EventKind.STATUS_CHANGED:
            continue
        if phase_of(kind, str(event.after.get("status", ""))) not in (Phase.RESOLVED, Phase.CLOSED):
            return None
    return last


def rating_problems(rating: Any, comment: Any) -> list[dict[str, str]]:
    """What is wrong with a rating and its comment (empty: nothing)."""
    problems = []
    if isinstance(rating, bool) or not isinstance(rating, int):
        problems.append({"field": "rating", "reason": f"must be a whole number from {RATING_MIN} to {RATING_MAX}"})
    elif not RATING_MIN <= rating <= RATING_MAX:
        problems.append({"field": "rating", "reason": f"must be from {RATING_MIN} to {RATING_MAX}, got {rating}"})
    if comment is not None:
        if not isinstance(comment, str):
            problems.append({"field": "comment", "reason": "must be text"})
        elif len(comment) > COMMENT_MAX:
            problems.append({"field": "comment", "reason": f"at most {COMMENT_MAX} characters, got {len(comment)}"})
        elif any(ord(c) < 32 and c not in "\t\n\r" for c in comment):
            problems.append({"field": "comment", "reason": "must not contain control characters"})
        elif any(0xD800 <= ord(c) <= 0xDFFF for c in comment):
            problems.append({"field": "comment", "reason": "must not contain lone surrogates"})
    return problems


def claim_id(ticket: str, resolution: int) -> str:
    """The claim that lets one resolution be rated once, by the portal or by the link."""
    return f"rating:{ticket}:{resolution}"
