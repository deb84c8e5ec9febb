"""The desk's processes (seed 000) and the lifecycle each one runs. Pure, no I/O.

One declaration per process; ``chalicelib.domain.lifecycle`` says what a declaration holds and
what derives from it. Adding a process or a state is one declaration here and its tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.domain.change import (
    EMERGENCY,
    NORMAL,
    STANDARD,
    ConflictChecked,
    FreezeJustified,
    HasApproval,
    HasDecision,
    NeedsReview,
    Succeeded,
    WindowStarted,
)
from chalicelib.domain.lifecycle import (
    DESK,
    EVERY_CLOCK,
    REQUESTER,
    STAFF,
    Lifecycle,
    Move,
    NeedsField,
    NeedsReason,
    Phase,
    Requirement,
    State,
    WithinReopenWindow,
    move,
)
from chalicelib.domain.problem import (
    ANALYSIS,
    DUPLICATE,
    KNOWN_ERROR,
    RISK_ACCEPTED,
    DuplicateLinked,
    FixedOrJustified,
    HasReviewDate,
    HasRootCause,
    HasWorkaround,
    ManagerDecides,
    ProblemAddressed,
)

#: The support lifecycle's states.
NEW = "new"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
WAITING = "waiting_on_requester"
RESOLVED = "resolved"
CLOSED = "closed"
CANCELLED = "cancelled"


def support_lifecycle(process: str, close_requires: Sequence[Requirement] = ()) -> Lifecycle:
    """Incidents and service requests.

    ``new -> assigned -> in_progress -> waiting_on_requester -> resolved -> closed``, with
    ``cancelled`` from any open state. Waiting on the requester pauses every clock. The
    requester may withdraw (cancel) an open ticket, answer while the desk waits on them, and
    confirm (close) or reopen a resolved one; a reopen is allowed within the reopen window of
    the resolution. The desk on its own assigns a routed ticket, resumes work when the requester
    replies, and closes a resolved ticket left unanswered (auto-close). ``close_requires`` gates
    every close (by staff, the requester's confirmation and auto-close alike): an incident's is
    the closure gate of ``chalicelib.domain.problem``.
    """
    return Lifecycle(
        process=process,
        initial=NEW,
        states=(
            State(NEW, Phase.OPEN),
            State(ASSIGNED, Phase.OPEN),
            State(IN_PROGRESS, Phase.OPEN),
            State(WAITING, Phase.WAITING, pauses=EVERY_CLOCK),
            State(RESOLVED, Phase.RESOLVED),
            State(CLOSED, Phase.CLOSED),
            State(CANCELLED, Phase.CANCELLED),
        ),
        moves=(
            move(NEW, ASSIGNED, "assign", STAFF, DESK),
            move(NEW, IN_PROGRESS, "start", STAFF),
            move(NEW, WAITING, "ask_requester", STAFF, aliases=("wait",)),
            move(NEW, RESOLVED, "resolve", STAFF),
            move(NEW, CANCELLED, "cancel", STAFF, REQUESTER),
            move(ASSIGNED, NEW, "unassign", STAFF),
            move(ASSIGNED, IN_PROGRESS, "start", STAFF),
            move(ASSIGNED, WAITING, "ask_requester", STAFF, aliases=("wait",)),
            move(ASSIGNED, RESOLVED, "resolve", STAFF),
            move(ASSIGNED, CANCELLED, "cancel", STAFF, REQUESTER),
            move(IN_PROGRESS, ASSIGNED, "stop", STAFF),
            move(IN_PROGRESS, WAITING, "ask_requester", STAFF, aliases=("wait",)),
            move(IN_PROGRESS, RESOLVED, "resolve", STAFF),
            move(IN_PROGRESS, CANCELLED, "cancel", STAFF, REQUESTER),
            move(WAITING, IN_PROGRESS, "resume", STAFF, REQUESTER, DESK, aliases=("reply",)),
            move(WAITING, RESOLVED, "resolve", STAFF),
            move(WAITING, CANCELLED, "cancel", STAFF, REQUESTER),
            move(
                RESOLVED,
                IN_PROGRESS,
                "reopen",
                STAFF,
                REQUESTER,
                aliases=("reopened",),
                requires=(WithinReopenWindow(),),
            ),
            move(RESOLVED, CLOSED, "close", STAFF, REQUESTER, DESK, aliases=("confirm",), requires=close_requires),
        ),
    )


def problem_lifecycle() -> Lifecycle:
    """``new -> analysis -> known_error -> resolved -> closed``, with ``risk_accepted`` (a manager
    decides to live with it until a review date), ``cancelled`` and ``duplicate`` as exits.

    Entering ``known_error`` needs a root cause and a workaround; ``resolved`` a root cause and a
    successful ``fixed_by`` change or a justification (``reason``). A recurrence (a new incident
    linked to a resolved problem) is the desk's ``recur`` back to ``analysis``; a risk accepted
    goes back to ``analysis`` at its review (``review``). Problems pause no clock.
    """
    root_cause = HasRootCause()
    resolve = (root_cause, FixedOrJustified())
    open_states = (NEW, ANALYSIS, KNOWN_ERROR)
    return Lifecycle(
        process="problem",
        initial=NEW,
        states=(
            State(NEW, Phase.OPEN),
            State(ANALYSIS, Phase.OPEN),
            State(KNOWN_ERROR, Phase.OPEN),
            State(RESOLVED, Phase.RESOLVED),
            State(RISK_ACCEPTED, Phase.RESOLVED),
            State(CLOSED, Phase.CLOSED),
            State(CANCELLED, Phase.CANCELLED),
            State(DUPLICATE, Phase.CANCELLED),
        ),
        moves=(
            move(NEW, ANALYSIS, "analyse", STAFF, aliases=("analyze", "start")),
            move(ANALYSIS, KNOWN_ERROR, "declare_known_error", STAFF, requires=(root_cause, HasWorkaround())),
            move(ANALYSIS, RESOLVED, "resolve", STAFF, requires=resolve),
            move(KNOWN_ERROR, RESOLVED, "resolve", STAFF, requires=resolve),
            move(KNOWN_ERROR, ANALYSIS, "reanalyse", STAFF, aliases=("reanalyze",)),
            *(
                move(state, RISK_ACCEPTED, "accept_risk", STAFF, requires=(ManagerDecides(), HasReviewDate()))
                for state in (ANALYSIS, KNOWN_ERROR)
            ),
            move(RISK_ACCEPTED, ANALYSIS, "review", STAFF, DESK, aliases=("reopen",)),
            move(RESOLVED, ANALYSIS, "recur", DESK, STAFF, aliases=("reopen",), requires=(NeedsReason(),)),
            move(RESOLVED, CLOSED, "close", STAFF),
            *(move(state, CANCELLED, "cancel", STAFF, requires=(NeedsReason(),)) for state in open_states),
            *(
                move(state, DUPLICATE, "duplicate_of", STAFF, aliases=("duplicate",), requires=(DuplicateLinked(),))
                for state in open_states
            ),
        ),
    )


#: The change lifecycles' states (seed 001, "Change Management").
ASSESSMENT = "assessment"
AUTHORIZATION = "authorization"
SCHEDULED = "scheduled"
IMPLEMENTING = "implementing"
REVIEW = "review"
REJECTED = "rejected"

#: Every change model declares the same states with the same phases, so what a status means (to
#: the SLA replay, the queues, the reports) does not depend on the model:
#:
#: * ``new`` (triage), ``assessment``, ``authorization``, ``scheduled``, ``implementing``: open,
#:   the desk's work, clocks run (waiting for the window is the desk's plan, not the requester);
#: * ``rejected``: waiting on the requester to rework the change; every clock pauses;
#: * ``review``: resolved: the change is in, the resolution clock stops; the review closes it;
#: * ``closed``, ``cancelled``: ended.
CHANGE_STATES = (
    State(NEW, Phase.OPEN),
    State(ASSESSMENT, Phase.OPEN),
    State(AUTHORIZATION, Phase.OPEN),
    State(SCHEDULED, Phase.OPEN),
    State(IMPLEMENTING, Phase.OPEN),
    State(REJECTED, Phase.WAITING, pauses=EVERY_CLOCK),
    State(REVIEW, Phase.RESOLVED),
    State(CLOSED, Phase.CLOSED),
    State(CANCELLED, Phase.CANCELLED),
)

#: What entering ``scheduled`` needs (a back-out plan only where the model says so).
WINDOW = NeedsField("change.window")
RISK = NeedsField("change.risk")
BACKOUT = NeedsField("change.backout_plan")
PLAN = NeedsField("change.implementation_plan")
GROUP = NeedsField("change.implementer_group")
OUTCOME = NeedsField("change.outcome")


def _change_exits(*before_implementation: str) -> tuple[Move, ...]:
    """Cancelling before implementation, reworking a rejected change from triage, and triage
    sending the RFC to another process (the desk's move, made by ``ChangeService.send_elsewhere``)."""
    return (
        *(move(state, CANCELLED, "cancel", STAFF, REQUESTER) for state in (*before_implementation, REJECTED)),
        move(REJECTED, NEW, "rework", STAFF, REQUESTER),
        move(NEW, CLOSED, "send_elsewhere", DESK, requires=(NeedsReason(),)),
    )


def _change_lifecycle(moves: tuple[Move, ...], *before_implementation: str) -> Lifecycle:
    return Lifecycle(
        process="change_request",
        initial=NEW,
        states=CHANGE_STATES,
        moves=(*moves, *_change_exits(*before_implementation)),
    )


def change_triage_lifecycle() -> Lifecycle:
    """A change whose model is not chosen yet: triage may reject or cancel it; any other move
    out of ``new`` names the missing model."""
    model = NeedsField("change.model")
    return _change_lifecycle(
        (
            move(NEW, ASSESSMENT, "assess", STAFF, requires=(model,)),
            move(NEW, SCHEDULED, "schedule", STAFF, requires=(model,)),
            move(NEW, IMPLEMENTING, "implement", STAFF, requires=(model,)),
            move(NEW, REJECTED, "reject", STAFF, requires=(NeedsReason(),)),
        ),
        NEW,
    )


def normal_change_lifecycle() -> Lifecycle:
    """``new -> assessment -> authorization -> scheduled -> implementing -> review -> closed``.

    Submitting for authorization needs the whole plan (implementation and back-out plans, window,
    risk, implementer group): the one approver judges the change as it will be done, and an edit of
    any of it afterwards voids the approval (``change.MATERIAL_FIELDS``), which sends a scheduled
    change back to authorization (the desk's ``reauthorize``). The approval moves it on to
    ``scheduled`` (the desk's ``schedule``, which requires it); a rejection (``reject``, made by the
    desk from the approver's decision) sends it to ``rejected``.
    """
    return _change_lifecycle(
        (
            move(NEW, ASSESSMENT, "assess", STAFF),
            move(NEW, REJECTED, "reject", STAFF, requires=(NeedsReason(),)),
            move(ASSESSMENT, AUTHORIZATION, "submit", STAFF, requires=(PLAN, BACKOUT, WINDOW, RISK, GROUP)),
            move(ASSESSMENT, REJECTED, "reject", STAFF, requires=(NeedsReason(),)),
            move(
                AUTHORIZATION,
                SCHEDULED,
                "schedule",
                STAFF,
                DESK,
                requires=(HasApproval(), WINDOW, BACKOUT, RISK, ConflictChecked()),
            ),
            move(AUTHORIZATION, REJECTED, "reject", DESK, requires=(NeedsReason(),)),
            move(SCHEDULED, AUTHORIZATION, "reauthorize", DESK),
            move(SCHEDULED, IMPLEMENTING, "implement", STAFF, aliases=("start",), requires=(WindowStarted(),)),
            move(IMPLEMENTING, REVIEW, "review", STAFF, requires=(OUTCOME,)),
            move(REVIEW, CLOSED, "close", STAFF),
        ),
        NEW,
        ASSESSMENT,
        AUTHORIZATION,
        SCHEDULED,
    )


def standard_change_lifecycle() -> Lifecycle:
    """``new -> scheduled -> implementing -> closed``: pre-approved (seed 001: "standard changes"
    that can be implemented without additional approvals). Scheduling needs a window and a risk.
    It goes through ``review`` only when it failed or caused an incident (a ``caused`` link)."""
    return _change_lifecycle(
        (
            move(NEW, SCHEDULED, "schedule", STAFF, requires=(WINDOW, RISK, ConflictChecked())),
            move(NEW, REJECTED, "reject", STAFF, requires=(NeedsReason(),)),
            move(SCHEDULED, IMPLEMENTING, "implement", STAFF, aliases=("start",), requires=(WindowStarted(),)),
            move(IMPLEMENTING, CLOSED, "close", STAFF, requires=(Succeeded(),)),
            move(IMPLEMENTING, REVIEW, "review", STAFF, requires=(NeedsReview(),)),
            move(REVIEW, CLOSED, "close", STAFF),
        ),
        NEW,
        SCHEDULED,
    )


def emergency_change_lifecycle() -> Lifecycle:
    """``new -> implementing -> review -> closed``: deployed at once; its plan (implementation,
    back-out, risk) and its authorization are recorded afterwards, before it may close (seed 001:
    "Afterwards, the regular steps would still need to be followed to document what has been
    done"). Only an emergency change may go ahead inside a change freeze, with a justification
    (the move's ``reason``)."""
    return _change_lifecycle(
        (
            move(NEW, IMPLEMENTING, "implement", STAFF, aliases=("start",), requires=(FreezeJustified(),)),
            move(NEW, REJECTED, "reject", STAFF, requires=(NeedsReason(),)),
            move(IMPLEMENTING, REVIEW, "review", STAFF, requires=(OUTCOME,)),
            move(REVIEW, CLOSED, "close", STAFF, requires=(HasDecision(), PLAN, BACKOUT, RISK)),
        ),
        NEW,
    )


#: A change request's lifecycle by its model (``change.model``); before triage chose one, the
#: triage lifecycle.
CHANGE_LIFECYCLES: dict[str, Lifecycle] = {
    NORMAL: normal_change_lifecycle(),
    STANDARD: standard_change_lifecycle(),
    EMERGENCY: emergency_change_lifecycle(),
}

#: One lifecycle per process. A change request's entry is its triage lifecycle, which declares the
#: same states and phases as every change model, so what a change's status means is read here.
LIFECYCLES: dict[str, Lifecycle] = {
    "incident": support_lifecycle("incident", close_requires=(ProblemAddressed(),)),
    "service_request": support_lifecycle("service_request"),
    "change_request": change_triage_lifecycle(),
    "problem": problem_lifecycle(),
}


def lifecycle_for(ticket_type: str, model: str | None = None) -> Lifecycle:
    """The lifecycle a ticket of ``ticket_type`` runs (a change request: its ``model``'s)."""
    if ticket_type == "change_request" and model in CHANGE_LIFECYCLES:
        return CHANGE_LIFECYCLES[model]
    return LIFECYCLES[ticket_type]


def lifecycle_of(ticket: Any) -> Lifecycle:
    """The lifecycle ``ticket`` runs now (a change request's follows the model chosen in triage)."""
    plan = getattr(ticket, "change", None)
    return lifecycle_for(ticket.type, getattr(plan, "model", None))


def phase_of(ticket_type: str, status: str) -> Phase:
    """What ``status`` means for a ticket of ``ticket_type`` (a status its lifecycle does not
    know counts as open work, so nothing about it is ever hidden)."""
    flow = LIFECYCLES.get(ticket_type)
    if flow is None or status not in flow.statuses:
        return Phase.OPEN
    return flow.phase(status)


def _union(states: list[tuple[str, ...]]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in states:
        seen.update(dict.fromkeys(group))
    return tuple(seen)


#: Every status of any process, and those in which a ticket is open (work or waiting) or ended.
ALL_STATUSES = _union([lc.statuses for lc in LIFECYCLES.values()])
INITIAL_STATUSES = _union([(lc.initial,) for lc in LIFECYCLES.values()])
ALL_OPEN_STATUSES = _union([lc.open_states for lc in LIFECYCLES.values()])
ALL_TERMINAL_STATUSES = _union([lc.terminal_states for lc in LIFECYCLES.values()])
ALL_RESOLVED_STATUSES = _union([lc.in_phase(Phase.RESOLVED) for lc in LIFECYCLES.values()])
#: The statuses the desk closes on its own when left unanswered (auto-close), from every
#: lifecycle's desk moves from a resolved state into a closed one (a desk move out of an open
#: state, such as triage sending a change request elsewhere, is no auto-close).
AUTO_CLOSE_STATUSES = _union(
    [
        tuple(m.source for m in lc.desk_move_to(Phase.CLOSED) if lc.phase(m.source) == Phase.RESOLVED)
        for lc in LIFECYCLES.values()
    ]
)
