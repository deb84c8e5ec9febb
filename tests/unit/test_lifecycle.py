from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import ticket as tk
from chalicelib.domain.errors import Forbidden, IllegalTransition
from chalicelib.domain.identity import SYSTEM, Identity
from chalicelib.domain.lifecycle import (
    DESK,
    EVERY_CLOCK,
    REQUESTER,
    STAFF,
    Lifecycle,
    MoveFacts,
    NeedsField,
    NeedsReason,
    Phase,
    State,
    actor_of,
    move,
)
from chalicelib.domain.processes import (
    ALL_OPEN_STATUSES,
    ALL_STATUSES,
    ALL_TERMINAL_STATUSES,
    AUTO_CLOSE_STATUSES,
    LIFECYCLES,
    lifecycle_for,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
WINDOW = timedelta(days=14)
SUPPORT = lifecycle_for("incident")


@dataclass(frozen=True)
class _Ticket:
    resolved_at: datetime | None = None
    plan: str | None = None


def check(current: str, target: str, role: str = "agent", resolved_at: datetime | None = None) -> str:
    facts = MoveFacts(ticket=_Ticket(resolved_at), reason=None, now=NOW, reopen_window=WINDOW)
    return SUPPORT.check(current, target, actor_of(Identity("u", role)), facts).target


@pytest.mark.parametrize(
    ("impact", "urgency", "priority"),
    [
        ("high", "high", "P1"),
        ("high", "medium", "P2"),
        ("medium", "high", "P2"),
        ("high", "low", "P3"),
        ("medium", "medium", "P3"),
        ("low", "high", "P3"),
        ("medium", "low", "P4"),
        ("low", "medium", "P4"),
        ("low", "low", "P5"),
    ],
)
def test_priority_matrix(impact: str, urgency: str, priority: str) -> None:
    assert tk.priority_for(impact, urgency) == priority


def test_every_ticket_type_runs_a_lifecycle_and_the_shared_status_sets_derive_from_them() -> None:
    assert set(LIFECYCLES) == set(tk.TICKET_TYPES)
    assert set(ALL_STATUSES) >= {"new", "in_progress", "resolved", "closed", "cancelled"}
    support = {"new", "assigned", "in_progress", "waiting_on_requester"}
    change = {"assessment", "authorization", "scheduled", "implementing", "rejected"}
    problem = {"analysis", "known_error"}
    assert set(ALL_OPEN_STATUSES) == support | change | problem
    assert set(ALL_TERMINAL_STATUSES) == {"closed", "cancelled", "duplicate"}
    assert AUTO_CLOSE_STATUSES == ("resolved",)


def test_terminal_states_have_no_moves() -> None:
    for flow in LIFECYCLES.values():
        for state in flow.terminal_states:
            assert all(m.source != state for m in flow.moves), (flow.process, state)


def test_incidents_and_requests_keep_the_support_lifecycle() -> None:
    for process in ("incident", "service_request"):
        flow = lifecycle_for(process)
        waiting = "waiting_on_requester"
        assert flow.allowed("new", STAFF) == ("assigned", "in_progress", waiting, "resolved", "cancelled")
        assert flow.allowed("assigned", STAFF) == ("new", "in_progress", waiting, "resolved", "cancelled")
        assert flow.allowed("in_progress", STAFF) == ("assigned", "waiting_on_requester", "resolved", "cancelled")
        assert flow.allowed("waiting_on_requester", STAFF) == ("in_progress", "resolved", "cancelled")
        assert flow.allowed("resolved", STAFF) == ("in_progress", "closed")
        assert flow.allowed("new", REQUESTER) == ("cancelled",)
        assert flow.allowed("waiting_on_requester", REQUESTER) == ("in_progress", "cancelled")
        assert flow.allowed("resolved", REQUESTER) == ("in_progress", "closed")


def test_waiting_on_the_requester_pauses_every_clock() -> None:
    assert SUPPORT.pause_states() == ("waiting_on_requester",)
    assert SUPPORT.pause_states("resolution") == ("waiting_on_requester",)


def test_legal_moves_pass() -> None:
    assert check("new", "assigned") == "assigned"
    check("assigned", "in_progress")
    check("in_progress", "waiting_on_requester")
    check("waiting_on_requester", "in_progress")
    check("in_progress", "resolved")
    check("resolved", "closed")


def test_a_move_may_be_named_by_its_word_or_alias() -> None:
    assert check("resolved", "reopen", role="requester", resolved_at=NOW) == "in_progress"
    assert check("resolved", "reopened", role="requester", resolved_at=NOW) == "in_progress"
    assert check("resolved", "confirm", role="requester") == "closed"
    assert check("in_progress", "resolve") == "resolved"


def test_illegal_move_names_the_allowed_ones_with_their_words() -> None:
    with pytest.raises(IllegalTransition) as err:
        check("new", "closed")
    assert err.value.allowed == list(SUPPORT.allowed("new", STAFF))
    assert "closed" in err.value.message and "allowed" in err.value.message
    assert {"to": "cancelled", "word": "cancel"} in err.value.moves


def test_an_unknown_word_says_which_words_to_use() -> None:
    with pytest.raises(IllegalTransition) as err:
        check("resolved", "reopen_please", role="requester", resolved_at=NOW)
    assert "reopen" in err.value.message and "close" in err.value.message
    assert err.value.status == 409


def test_same_status_is_not_a_transition() -> None:
    with pytest.raises(IllegalTransition):
        check("in_progress", "in_progress")


def test_closed_allows_nothing() -> None:
    with pytest.raises(IllegalTransition) as err:
        check("closed", "in_progress")
    assert err.value.allowed == []


def test_reopen_within_window() -> None:
    check("resolved", "in_progress", resolved_at=NOW - timedelta(days=13))


def test_reopen_after_window_is_refused() -> None:
    with pytest.raises(IllegalTransition) as err:
        check("resolved", "in_progress", resolved_at=NOW - timedelta(days=15))
    assert "reopen window" in err.value.message
    assert err.value.allowed == ["closed"]
    assert err.value.missing and "reopen window" in err.value.missing[0]


def test_requester_may_cancel_confirm_and_reopen_only() -> None:
    check("new", "cancelled", role="requester")
    check("resolved", "closed", role="requester")
    check("resolved", "in_progress", role="requester", resolved_at=NOW)
    with pytest.raises(Forbidden):
        check("in_progress", "resolved", role="requester")
    with pytest.raises(IllegalTransition):
        check("new", "closed", role="requester")


def test_the_desk_assigns_resumes_and_closes_on_its_own() -> None:
    assert actor_of(SYSTEM) == DESK
    assert SUPPORT.desk_move("new", "assign") is not None
    assert SUPPORT.desk_move("waiting_on_requester", "resume") is not None
    assert SUPPORT.desk_move("in_progress", "resolve") is None
    assert [m.source for m in SUPPORT.desk_move_to(Phase.CLOSED)] == ["resolved"]


# -- the machinery, on a process declared here -------------------------------------------------

REVIEW = Lifecycle(
    process="review",
    initial="draft",
    states=(
        State("draft", Phase.OPEN),
        State("on_hold", Phase.WAITING, pauses=frozenset({"resolution"})),
        State("approved", Phase.RESOLVED),
        State("filed", Phase.CLOSED),
    ),
    moves=(
        move("draft", "on_hold", "hold", STAFF),
        move("draft", "approved", "approve", STAFF, requires=(NeedsReason(), NeedsField("plan"))),
        move("approved", "filed", "file", STAFF, DESK),
    ),
)


def test_a_new_process_is_one_declaration() -> None:
    assert REVIEW.open_states == ("draft", "on_hold")
    assert REVIEW.terminal_states == ("filed",)
    assert REVIEW.pause_states() == ()
    assert REVIEW.pause_states("resolution") == ("on_hold",)
    assert REVIEW.is_reopen("approved", "draft")
    assert EVERY_CLOCK not in (s.pauses for s in REVIEW.states)


def test_a_refused_move_names_everything_it_misses() -> None:
    facts = MoveFacts(ticket=_Ticket(), reason=None, now=NOW, reopen_window=WINDOW)
    with pytest.raises(IllegalTransition) as err:
        REVIEW.check("draft", "approve", STAFF, facts)
    assert err.value.missing == ["a reason is required", "plan is required"]
    assert err.value.allowed == ["on_hold"]
    body = err.value.body()
    assert body["missing"] == err.value.missing
    ready = MoveFacts(ticket=_Ticket(plan="roll out on Friday"), reason="looks good", now=NOW, reopen_window=WINDOW)
    assert REVIEW.check("draft", "approve", STAFF, ready).target == "approved"


def test_a_declaration_naming_an_unknown_state_is_refused() -> None:
    with pytest.raises(ValueError, match="undeclared state"):
        Lifecycle("broken", "a", (State("a", Phase.OPEN),), (move("a", "b", "go", STAFF),))
    with pytest.raises(ValueError, match="made by"):
        move("a", "b", "go", "nobody")


def test_format_number() -> None:
    assert tk.format_number("incident", 1) == "INC-000001"
    assert tk.format_number("service_request", 42) == "REQ-000042"
    assert tk.format_number("change_request", 7) == "CHG-000007"
    assert tk.format_number("problem", 3) == "PRB-000003"
