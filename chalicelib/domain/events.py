"""The ticket event: one immutable entry of a ticket's audit trail.

Every change to a ticket appends one or more events. SLA clocks are a pure function of a
ticket's events (see ``chalicelib.domain.sla``), so the kinds and payloads below are a
contract: replay code reads them, and stored events are never rewritten.

Payloads by kind (``before`` / ``after`` hold only the fields the event is about):

``opened``            before ``{}``; after: the ticket as opened: ``type``, ``status`` ("new"),
                      ``priority`` ("P1".."P5"), ``impact``, ``urgency``, ``service``,
                      ``requester``, ``vip`` (bool), ``business_unit``, ``tags``.
``status_changed``    before ``{"status": old}``; after ``{"status": new}``. A change from
                      ``resolved`` back to an open status is a reopen.
``priority_changed``  before/after ``{"priority", "impact", "urgency"}``.
``first_response``    after ``{"first_response_at": iso8601}``: the first public agent reply; with
                      ``"source": "resolution"`` (or ``"close"``) when the ticket was resolved
                      (or closed) before any public reply: the resolution answered the requester,
                      so ``first_response_at`` is set then and the first-response clock is met.
                      It comes just before the ``status_changed`` event of that move.
``assigned``          before/after ``{"assignee", "group", "monitor"}``.
``commented``         after ``{"comment_id", "visibility" ("public"|"internal"), "body"}``.
``updated``           before/after: the plain fields that changed (title, description, tags...).
``due_date_set``      after ``{"clock": "resolution"|"first_response", "due_at": iso8601}``:
                      the agent's date for an "as scheduled" target.
``sla_applied``       after ``{"policy": name, "policy_version": int}``.
``classified``        before/after: the classification fields, with the reason in ``note``
                      (``after.source``: ``intake`` or ``correction``).
``classification_contested``  after ``{"reason"}``: a requester asked for another classification.
``sla_warning``, ``sla_breached``, ``escalated``: written by the sweep.
``paged``             after ``{"recipient", "group", "rota", "rota_version", "source", "why"}``:
                      an incident nobody on shift could take paged whoever is on call, at intake.
``change_planned``    before/after: the change plan's fields that changed (``chalicelib.domain.change``;
                      ``outcome`` with the move out of implementing).
``change_approvals_voided``  before ``{"approvals": [...]}``: a material edit voided them.
``change_decided``    after ``{"decision": "approve"|"reject", "comment"}``: the one approval.
``linked``, ``unlinked``  after / before ``{"kind", "target"}``: a link to another ticket.
``closure_confirmed`` after ``{"confirmed_at", "held"}``: the requester confirmed the resolution of
                      an incident the closure gate holds (``held`` says why); it closes with its problem.
``problem_recorded``  before/after: the problem record's fields that changed (``chalicelib.domain.problem``).
``workaround_published``  after ``{"problem", "comment_id"}``: the problem's workaround, replied publicly.
``known_errors_matched``  after ``{"matches": [{"kind", "ref", "score", "matched"}]}``: intake found known
                      errors (``ref``: the problem) or public articles (the article) matching the ticket.
``answered_with_article``  after ``{"article", "article_version", "comment_id"}``: a public reply
                      with a knowledge article's answer (a standard answer).
``problem_timer``     after ``{"timer", "timer_id", "at"}``: a problem's task fell due or its accepted
                      risk's review date came (by the sweep).
``change_timer``      after ``{"timer", "timer_id", "at"}``: a change timer fired (by the sweep).
``bridged``           after ``{"system", "key", "url"}``: the ticket is linked to an issue in GitHub or Jira.
``worked_elsewhere``  after ``{"system", "key", "what", "by", ...}``: that issue's webhook told of a
                      status change (``status``), a comment (``body``), a pull request merged
                      (``pull_request``) or work logged (``seconds``); ``note`` says it in a line.
``rated``             after ``{"rating": 1..5, "comment": text or null, "resolution": seq, "source":
                      "portal"|"link"}``: the requester's satisfaction with the resolution whose
                      ``status_changed`` event is ``resolution`` (``chalicelib.domain.satisfaction``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class EventKind:
    """The event kinds; plain strings so stored events stay readable."""

    OPENED = "opened"
    STATUS_CHANGED = "status_changed"
    PRIORITY_CHANGED = "priority_changed"
    FIRST_RESPONSE = "first_response"
    ASSIGNED = "assigned"
    COMMENTED = "commented"
    UPDATED = "updated"
    DUE_DATE_SET = "due_date_set"
    SLA_APPLIED = "sla_applied"
    CLASSIFIED = "classified"
    CONTESTED = "classification_contested"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    ESCALATED = "escalated"
    PAGED = "paged"
    CHANGE_PLANNED = "change_planned"
    CHANGE_APPROVALS_VOIDED = "change_approvals_voided"
    CHANGE_DECIDED = "change_decided"
    LINKED = "linked"
    UNLINKED = "unlinked"
    CHANGE_TIMER = "change_timer"
    CLOSURE_CONFIRMED = "closure_confirmed"
    PROBLEM_RECORDED = "problem_recorded"
    WORKAROUND_PUBLISHED = "workaround_published"
    KNOWN_ERRORS_MATCHED = "known_errors_matched"
    ANSWERED_WITH_ARTICLE = "answered_with_article"
    PROBLEM_TIMER = "problem_timer"
    BRIDGED = "bridged"
    WORKED_ELSEWHERE = "worked_elsewhere"
    RATED = "rated"


@dataclass(frozen=True)
class TicketEvent:
    """One entry of a ticket's audit trail.

    ``seq`` is 1-based and strictly increasing per ticket; ``at`` is timezone-aware UTC.
    """

    ticket: str
    seq: int
    at: datetime
    actor: str
    kind: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticket": self.ticket,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
            "note": self.note,
        }
