"""The desk's processes (seed 000) and the lifecycle each one runs. Pure, no I/O.

One declaration per process; ``chalicelib.domain.lifecycle`` says what a declaration holds and
what derives from it. Adding a process or a state is one declaration here and its tests.
"""

from __future__ import annotations

from chalicelib.domain.lifecycle import (
    DESK,
    EVERY_CLOCK,
    REQUESTER,
    STAFF,
    Lifecycle,
    Phase,
    State,
    WithinReopenWindow,
    move,
)

#: The support lifecycle's states.
NEW = "new"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
WAITING = "waiting_on_requester"
RESOLVED = "resolved"
CLOSED = "closed"
CANCELLED = "cancelled"


def support_lifecycle(process: str) -> Lifecycle:
    """Incidents and service requests (and, until they get their own, changes and problems).

    ``new -> assigned -> in_progress -> waiting_on_requester -> resolved -> closed``, with
    ``cancelled`` from any open state. Waiting on the requester pauses every clock. The
    requester may withdraw (cancel) an open ticket, answer while the desk waits on them, and
    confirm (close) or reopen a resolved one; a reopen is allowed within the reopen window of
    the resolution. The desk on its own assigns a routed ticket, resumes work when the requester
    replies, and closes a resolved ticket left unanswered (auto-close).
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
            move(RESOLVED, CLOSED, "close", STAFF, REQUESTER, DESK, aliases=("confirm",)),
        ),
    )


LIFECYCLES: dict[str, Lifecycle] = {
    "incident": support_lifecycle("incident"),
    "service_request": support_lifecycle("service_request"),
    "change_request": support_lifecycle("change_request"),
    "problem": support_lifecycle("problem"),
}


def lifecycle_for(ticket_type: str) -> Lifecycle:
    """The lifecycle a ticket of ``ticket_type`` runs."""
    return LIFECYCLES[ticket_type]


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
#: lifecycle's desk moves into a closed state.
AUTO_CLOSE_STATUSES = _union([tuple(m.source for m in lc.desk_move_to(Phase.CLOSED)) for lc in LIFECYCLES.values()])
