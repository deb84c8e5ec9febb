"""Quiet hours: when a notice may reach a person. Pure: no I/O, no ``datetime.now()``.

Quiet hours belong to the recipient, not to the SLA: a clock may run on a 24x7 calendar while the
person it warns works 08:00-17:00. Each recipient has a working calendar (a
:class:`~chalicelib.domain.sla.calendar.BusinessCalendar`, holidays included).

The rule, from seed 000: "Work at NCSA is not necessarily interrupted for anything except
incidents, issues that arise during early lifetime support after insertion of a change, and need
to meet milestones." A notice **may interrupt** (it is delivered at once, whatever the hour) when:

1. it is urgent (a page: on-call is there to be interrupted);
2. it is about an incident of priority P1 or P2 (:data:`INTERRUPTING_INCIDENT_PRIORITIES`); an
   incident of lower priority is by definition not worth a night call;
3. it is about a ticket in early-life support after a change: tagged ``early-life-support``, or
   with an ``els_until`` instant still in the future;
4. it is about a request that must meet a milestone: tagged ``milestone``.

Any other notice waits for the recipient's working hours: it is delivered at once when the
recipient is in a working window, else at the start of their next working window. A recipient
without a calendar (or whose calendar has no working time at all) is never held back: holding a
notice forever would lose it.

The notice is a :class:`~chalicelib.domain.notice.Notice`; the ticket facts are read from its
``data``: ``type``, ``priority``, ``tags`` and ``els_until`` (an ISO instant).
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.instants import aware_instant, iso, require_aware, utc
from chalicelib.domain.notice import Notice
from chalicelib.domain.sla.calendar import BusinessCalendar

INTERRUPTING_INCIDENT_PRIORITIES = ("P1", "P2")
EARLY_LIFE_SUPPORT_TAG = "early-life-support"
MILESTONE_TAG = "milestone"


def interrupts(notice: Notice, now: datetime | None = None) -> tuple[bool, str]:
    """Whether ``notice`` may interrupt its recipient outside working hours, and why (see module docstring).

    ``now`` decides whether ``els_until`` is still in the future; it defaults to the notice's
    ``created_at``.
    """
    data = notice.data
    ticket_type = data.get("type")
    priority = data.get("priority")
    tags = data.get("tags") or ()
    tag_set = {str(tag).lower() for tag in tags} if isinstance(tags, (list, tuple, set, frozenset)) else set()
    if notice.urgent:
        return True, "urgent notice (page)"
    if ticket_type == "incident" and priority in INTERRUPTING_INCIDENT_PRIORITIES:
        return True, f"{priority} incident"
    if EARLY_LIFE_SUPPORT_TAG in tag_set:
        return True, "early-life support after a change"
    els_until = aware_instant(data.get("els_until"))
    if els_until is not None and els_until > (now or notice.created_at):
        return True, f"early-life support after a change until {iso(els_until)}"
    if MILESTONE_TAG in tag_set:
        return True, "needed to meet a milestone"
    what = str(ticket_type or "ticket").replace("_", " ")
    shown = f"{priority} {what}" if priority else what
    return False, f"{shown}: waits for the recipient's working hours"


def delivery_time(notice: Notice, recipient_calendar: BusinessCalendar | None, now: datetime) -> datetime:
    """When to deliver ``notice`` to a recipient working on ``recipient_calendar`` (UTC).

    ``now`` when the notice may interrupt, when the recipient is in working hours, or when there is
    no calendar to honour; else the start of the recipient's next working window.
    """
    now = utc(require_aware(now, "now"))
    may_interrupt, _ = interrupts(notice, now)
    if may_interrupt or recipient_calendar is None or recipient_calendar.is_working(now):
        return now
    try:
        opens, _closes = recipient_calendar.next_open(now)
    except ValueError:  # a calendar without any working time never holds a notice back
        return now
    return max(opens, now)
