"""A notice: what the desk wants someone to know, as one message to one recipient over one channel.

This module is the one declaration of the notice kinds, of the audiences notices are written for,
and of the channels with the audiences each one serves. Adding a channel is one
:class:`ChannelDeclaration` in :data:`CHANNELS` here plus its adapter in ``chalicelib.notify``.

A notice carries a deterministic ``notice_id`` given by its producer (a sweep derives it from the
alert or escalation step id), so a queue consumer that is retried can recognise what it already
sent. At the edges (the outbox item, the queue message) a notice is the JSON-able dict of
:meth:`Notice.to_dict`, read back with :meth:`Notice.from_dict`. Pure: no I/O.

``Notice.data`` carries the facts the texts and quiet hours use; every key is optional:
``type``, ``priority``, ``title``, ``status``, ``tags``, ``els_until`` (ISO instant), ``clock``,
``alert`` ("warning" | "breach"), ``at`` (ISO instant of the alert), ``left_seconds``,
``assignee``, ``group``, ``requester``, ``confirm_link``, ``reopen_link`` and ``rate_link``, ``body`` (a reply's
text), ``zone`` (the reader's IANA time zone the text shows times in) and ``links_expire_at``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from chalicelib.domain import validation as check
from chalicelib.domain.instants import iso, parse_instant
from chalicelib.domain.validation import Problems

# -- kinds ----------------------------------------------------------------------------------------

SLA_WARNING = "sla_warning"
SLA_BREACH = "sla_breach"
ESCALATION = "escalation"
ACKNOWLEDGEMENT = "acknowledgement"
STATUS_CHANGE = "status_change"
COMPLETION = "completion"
PATROL = "patrol"
#: The weekly steering report, to the Service Manager.
STEERING = "steering"
#: Whoever is on call, paged at intake for an incident nobody on shift can take.
PAGE = "page"
#: To an agent: a ticket was assigned to them.
ASSIGNMENT = "assignment"
#: To the requester: an agent's public reply, with its text.
AGENT_REPLY = "agent_reply"
#: To the assignee: the requester's reply, with its text.
REQUESTER_REPLY = "requester_reply"
#: To an agent whose ticket escalation moved to another group.
REASSIGNED_AWAY = "reassigned_away"
#: To the lead of the group escalation moved a ticket to (its queue now holds it).
GROUP_HANDOVER = "group_handover"
#: To each member (and the lead) of a change's implementer group: the change awaits their decision.
APPROVAL_REQUEST = "approval_request"
#: To the lead of a change's implementer group: one of the change's timers fired (window start,
#: overrun, authorization or review due, end of early-life support).
CHANGE_TIMER = "change_timer"
#: To a problem task's owner (it fell due) or the manager who accepted a risk (its review is due).
PROBLEM_TIMER = "problem_timer"
#: To other systems: one desk event on the event bus (``chalicelib.domain.published``).
DESK_EVENT = "desk_event"
#: To the desk itself: a ticket to open from a Slack slash command or message shortcut.
SLACK_INTAKE = "slack_intake"
#: To whoever sent the desk a mail it would not act on (not a known sender, not the ticket's
#: requester or staff, a closed ticket), saying why; never to machine mail.
MAIL_REFUSED = "mail_refused"
NOTICE_KINDS = (
    SLA_WARNING,
    SLA_BREACH,
    ESCALATION,
    ACKNOWLEDGEMENT,
    STATUS_CHANGE,
    COMPLETION,
    PATROL,
    STEERING,
    ASSIGNMENT,
    AGENT_REPLY,
    REQUESTER_REPLY,
    REASSIGNED_AWAY,
    GROUP_HANDOVER,
    PAGE,
    APPROVAL_REQUEST,
    CHANGE_TIMER,
    PROBLEM_TIMER,
    DESK_EVENT,
    SLACK_INTAKE,
    MAIL_REFUSED,
)
#: Notices addressed to the requester, written for an end user rather than for staff.
REQUESTER_KINDS = (ACKNOWLEDGEMENT, STATUS_CHANGE, COMPLETION, AGENT_REPLY)
#: Notices addressed to one agent about their own work.
AGENT_KINDS = (ASSIGNMENT, REQUESTER_REPLY, REASSIGNED_AWAY, GROUP_HANDOVER, APPROVAL_REQUEST, CHANGE_TIMER)

# -- audiences and channels -----------------------------------------------------------------------

#: Staff: SLA alerts and escalations.
OPERATIONS = "operations"
#: The person who raised the ticket: acknowledgement, status changes, completion.
REQUESTER = "requester"
#: The Service Manager's morning patrol digest.
SERVICE_MANAGER = "service_manager"
#: One agent: their assignments, the requester's replies, hand-overs by escalation.
AGENT = "agent"
#: Other systems, subscribed to the desk's event bus.
SYSTEMS = "systems"
#: The desk itself: work an inbound channel acknowledged at once and hands on through the queue.
DESK = "desk"
AUDIENCES = (OPERATIONS, REQUESTER, SERVICE_MANAGER, AGENT, SYSTEMS, DESK)

OUTBOX = "outbox"
SNS = "sns"
SLACK = "slack"
EMAIL = "email"
#: The EventBridge bus other systems subscribe to.
EVENTS = "events"
#: The Slack thread of a ticket opened from Slack (chat.postMessage with ``thread_ts``).
SLACK_THREAD = "slack_thread"
#: The desk's own intake of what Slack handed over (opens the ticket, answers in the thread).
SLACK_INTAKE_CHANNEL = "slack_intake"


@dataclass(frozen=True)
class ChannelDeclaration:
    """A channel's name and the audiences whose notices it carries.

    ``always``: on whatever the configuration says (the outbox keeps a copy of every notice).
    """

    name: str
    audiences: frozenset[str]
    always: bool = False

    def serves(self, audience: str) -> bool:
        return audience in self.audiences


#: Every channel, in the order a producer builds its notices.
CHANNELS: tuple[ChannelDeclaration, ...] = (
    ChannelDeclaration(OUTBOX, frozenset(AUDIENCES), always=True),
    ChannelDeclaration(SNS, frozenset({OPERATIONS, SERVICE_MANAGER})),
    ChannelDeclaration(SLACK, frozenset({OPERATIONS, SERVICE_MANAGER})),
    ChannelDeclaration(EMAIL, frozenset({REQUESTER, SERVICE_MANAGER, AGENT})),
    ChannelDeclaration(EVENTS, frozenset({SYSTEMS})),
    ChannelDeclaration(SLACK_THREAD, frozenset({REQUESTER})),
    ChannelDeclaration(SLACK_INTAKE_CHANNEL, frozenset({DESK})),
)
CHANNEL_NAMES = tuple(channel.name for channel in CHANNELS)


def channels_for(
    audience: str, enabled: Collection[str], declared: tuple[ChannelDeclaration, ...] = CHANNELS
) -> list[str]:
    """The channels a notice for ``audience`` goes to: those always on, then the ``enabled`` ones
    serving that audience, in declaration order."""
    if audience not in AUDIENCES:
        raise ValueError(f"unknown audience {audience!r}; use {', '.join(AUDIENCES)}")
    return [c.name for c in declared if c.serves(audience) and (c.always or c.name in enabled)]


# -- the notice -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One message to one recipient over one channel."""

    notice_id: str
    kind: str
    ticket: str | None
    #: A user id, group, role or address, as the channel understands it (an email address for ``email``).
    recipient: str
    channel: str
    subject: str
    text: str
    created_at: datetime
    link: str | None = None
    #: May interrupt the recipient outside working hours (a page).
    urgent: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    #: Hold delivery until this instant (quiet hours); None: at once.
    deliver_after: datetime | None = None

    def with_delivery_after(self, moment: datetime | None) -> Notice:
        return replace(self, deliver_after=moment)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (instants as ISO-8601 UTC); ``data`` must itself be JSON-able."""
        return {
            "notice_id": self.notice_id,
            "kind": self.kind,
            "ticket": self.ticket,
            "recipient": self.recipient,
            "channel": self.channel,
            "subject": self.subject,
            "text": self.text,
            "link": self.link,
            "urgent": self.urgent,
            "data": dict(self.data),
            "created_at": iso(self.created_at),
            "deliver_after": iso(self.deliver_after),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> Notice:
        """The inverse of :meth:`to_dict`; ``ValidationFailed`` listing every problem. Keys the
        notice does not have (an outbox item's delivery state) are ignored."""
        doc = check.require_mapping(doc, "notice")
        problems = Problems()
        for key in ("notice_id", "recipient", "subject", "text"):
            if not isinstance(doc.get(key), str) or (key in ("notice_id", "recipient") and not doc.get(key)):
                problems.fail(key, "is required (a string)")
        check.choice(doc.get("kind"), "kind", problems, NOTICE_KINDS)
        check.choice(doc.get("channel"), "channel", problems, CHANNEL_NAMES)
        ticket = doc.get("ticket")
        if ticket is not None and not isinstance(ticket, str):
            problems.fail("ticket", "must be a ticket number or null")
        link = doc.get("link")
        if link is not None and not isinstance(link, str):
            problems.fail("link", "must be a URL or null")
        urgent = doc.get("urgent", False)
        if not isinstance(urgent, bool):
            problems.fail("urgent", "must be true or false")
        data = doc.get("data") or {}
        if not isinstance(data, Mapping):
            problems.fail("data", "must be an object")
        created = parse_instant(doc.get("created_at"), "created_at", problems)
        after = doc.get("deliver_after")
        deliver_after = None if after is None else parse_instant(after, "deliver_after", problems)
        problems.check()
        assert created is not None
        return cls(
            notice_id=str(doc["notice_id"]),
            kind=str(doc["kind"]),
            ticket=ticket,
            recipient=str(doc["recipient"]),
            channel=str(doc["channel"]),
            subject=str(doc["subject"]),
            text=str(doc["text"]),
            link=link,
            urgent=urgent,
            data=dict(data),
            created_at=created,
            deliver_after=deliver_after,
        )

    @classmethod
    def from_json(cls, text: str) -> Notice:
        return cls.from_dict(json.loads(text))
