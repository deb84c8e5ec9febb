"""Request bodies, validated with pydantic: unknown fields and wrong types are refused."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Level = Literal["high", "medium", "low"]
TicketType = Literal["incident", "service_request", "change_request", "problem"]
Status = Literal[
    "new",
    "assigned",
    "in_progress",
    "waiting_on_requester",
    "resolved",
    "closed",
    "cancelled",
    "assessment",
    "authorization",
    "scheduled",
    "implementing",
    "review",
    "rejected",
]

#: Characters a multi-line text may hold among the control characters.
LINE_BREAKS = frozenset("\t\n\r")


def _refuse_controls(value: str, allowed: frozenset[str]) -> str:
    """``value`` unless it holds a control character (other than ``allowed``) or a lone surrogate,
    which no page shows and no store keeps faithfully."""
    for position, char in enumerate(value):
        if char in allowed:
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            raise ValueError(f"must not contain control characters (U+{ord(char):04X} at position {position})")
        if category == "Cs":
            raise ValueError(f"must not contain lone surrogates (U+{ord(char):04X} at position {position})")
    return value


def single_line(value: str) -> str:
    return _refuse_controls(value, frozenset())


def multi_line(value: str) -> str:
    return _refuse_controls(value, LINE_BREAKS)


Line = AfterValidator(single_line)
Lines = AfterValidator(multi_line)

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Line]
Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), Lines]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), Line]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), Line]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000), Lines]
CommentBody = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000), Lines]
Version = Annotated[int, Field(ge=1, strict=True)]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), Line]


class Strict(BaseModel):
    # defer_build: validators are built on first use, not when the app is imported.
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class OpenTicketBody(Strict):
    type: TicketType
    title: Title
    description: Description
    service: Name | None = None
    impact: Level | None = None
    urgency: Level | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] = []


class TransitionBody(Strict):
    #: A target state or a move's word (``reopen``, ``confirm``); the lifecycle judges it (409).
    to: Name
    version: Version
    reason: Reason | None = None
    #: How a change's implementation ended, with the move out of ``implementing``.
    outcome: Literal["successful", "successful_with_issues", "failed", "backed_out"] | None = None


class ApprovalBody(Strict):
    """The implementer group's decision on a change."""

    decision: Literal["approve", "reject"]
    comment: Reason | None = None
    version: Version


class LinkBody(Strict):
    kind: Literal[
        "caused_by",
        "caused",
        "fixed_by",
        "fixes",
        "problem",
        "incidents",
        "duplicate_of",
        "duplicates",
        "related",
        "superseded_by",
        "supersedes",
    ]
    target: Name
    version: Version | None = None


class SendElsewhereBody(Strict):
    """Triage sends a change request to another process (``POST /tickets/{number}/change/redirect``)."""

    to: Literal["request_fulfilment", "project"]
    reason: Reason
    version: Version
    #: Where the project is run (its name or address); needed for ``project``.
    reference: Reference | None = None


class ApprovalsQuery(Strict):
    model_config = ConfigDict(extra="forbid", strict=False, defer_build=True)

    limit: Annotated[int, Field(ge=1, le=100)] = 25


class AssignmentBody(Strict):
    version: Version
    assignee: Name | None = None
    group: Name | None = None
    monitor: Name | None = None
    reason: Reason | None = None


class CommentBodyModel(Strict):
    body: CommentBody
    visibility: Literal["public", "internal"] = "public"
    version: Version | None = None


class UpdateTicketBody(Strict):
    version: Version
    title: Title | None = None
    description: Description | None = None
    service: Name | None = None
    impact: Level | None = None
    urgency: Level | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] | None = None


class ListTicketsQuery(Strict):
    model_config = ConfigDict(extra="forbid", strict=False, defer_build=True)

    status: Status | None = None
    type: TicketType | None = None
    assignee: Name | None = None
    group: Name | None = None
    requester: Name | None = None
    priority: Literal["P1", "P2", "P3", "P4", "P5"] | None = None
    service: Name | None = None
    #: Words to search for (``GET /tickets?q=``); each must begin a word of the ticket.
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Line] | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 25
    cursor: Annotated[str, StringConstraints(max_length=2_000), Line] | None = None


class PreviewBody(Strict):
    """A hypothetical ticket for ``POST /admin/sla-policies/preview``."""

    model_config = ConfigDict(extra="forbid", strict=False, defer_build=True)

    type: TicketType
    priority: Literal["P1", "P2", "P3", "P4", "P5"] | None = None
    impact: Level | None = None
    urgency: Level | None = None
    service: Name | None = None
    vip: bool = False
    business_unit: Name | None = None
    opened_at: AwareDatetime | None = None
    #: A policy document to preview instead of the stored policies (a draft, before it is stored).
    policy: dict[str, Any] | None = None


class DueDateBody(Strict):
    """The agent's date for an "as scheduled" target."""

    model_config = ConfigDict(extra="forbid", strict=False, defer_build=True)

    version: Annotated[int, Field(ge=1)]
    clock: Literal["resolution", "first_response"] = "resolution"
    due_at: AwareDatetime


class ReclassifyBody(Strict):
    """An agent's or manager's correction of a ticket's classification."""

    version: Version
    reason: Reason
    type: TicketType | None = None
    service: Name | None = None
    group: Name | None = None
    assignee: Name | None = None
    impact: Level | None = None
    urgency: Level | None = None


class ContestBody(Strict):
    """A requester asking for another classification."""

    reason: Reason


class BridgeBody(Strict):
    """A ticket bridged to an issue elsewhere: the system and the issue's key or URL
    (``owner/repo#12`` or its GitHub URL; ``OPS-42`` or its Jira URL)."""

    system: Literal["github", "jira"]
    issue: Annotated[str, StringConstraints(min_length=1, max_length=300)]
class RatingBody(Strict):
    """The requester's satisfaction with the ticket's resolution (1 very dissatisfied .. 5 very satisfied)."""

    rating: Annotated[int, Field(ge=1, le=5, strict=True)]
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), Lines] | None = None
