from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import ticket as lc
from chalicelib.domain.errors import Forbidden, IllegalTransition

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
WINDOW = timedelta(days=14)


def check(current: str, target: str, role: str = "agent", resolved_at: datetime | None = None) -> None:
    lc.check_transition(current, target, role=role, resolved_at=resolved_at, now=NOW, reopen_window=WINDOW)


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
    assert lc.priority_for(impact, urgency) == priority


def test_every_status_has_rules_and_terminal_ones_have_none() -> None:
    assert set(lc.TRANSITIONS) == set(lc.STATUSES)
    assert lc.TRANSITIONS[lc.CLOSED] == ()
    assert lc.TRANSITIONS[lc.CANCELLED] == ()


def test_legal_moves_pass() -> None:
    check("new", "assigned")
    check("assigned", "in_progress")
    check("in_progress", "waiting_on_requester")
    check("waiting_on_requester", "in_progress")
    check("in_progress", "resolved")
    check("resolved", "closed")


def test_illegal_move_names_the_allowed_ones() -> None:
    with pytest.raises(IllegalTransition) as err:
        check("new", "closed")
    assert err.value.allowed == list(lc.TRANSITIONS["new"])
    assert "closed" in err.value.message and "allowed" in err.value.message


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


def test_requester_may_cancel_confirm_and_reopen_only() -> None:
    check("new", "cancelled", role="requester")
    check("resolved", "closed", role="requester")
    check("resolved", "in_progress", role="requester", resolved_at=NOW)
    with pytest.raises(Forbidden):
        check("in_progress", "resolved", role="requester")
    with pytest.raises(IllegalTransition):
        check("new", "closed", role="requester")


def test_format_number() -> None:
    assert lc.format_number("incident", 1) == "INC-000001"
    assert lc.format_number("service_request", 42) == "REQ-000042"
    assert lc.format_number("change_request", 7) == "CHG-000007"
    assert lc.format_number("problem", 3) == "PRB-000003"
