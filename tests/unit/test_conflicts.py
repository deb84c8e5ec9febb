"""Change conflicts and freezes: half-open window overlap, shared services, the scheduling gate."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.change import APPROVE, Approval, ChangePlan, ConflictChecked, Window
from chalicelib.domain.conflicts import ConflictNote, Freeze, Slot, find_conflicts, freezes_hit, overlaps
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.lifecycle import MoveFacts

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
minutes = st.integers(min_value=0, max_value=10_000)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


@given(minutes, st.integers(1, 500), minutes, st.integers(1, 500))
def test_overlap_is_symmetric_and_half_open(a: int, a_len: int, b: int, b_len: int) -> None:
    shared = set(range(a, a + a_len)) & set(range(b, b + b_len))
    assert overlaps(at(a), at(a + a_len), at(b), at(b + b_len)) is bool(shared)
    assert overlaps(at(a), at(a + a_len), at(b), at(b + b_len)) == overlaps(at(b), at(b + b_len), at(a), at(a + a_len))


@given(minutes, st.integers(1, 500), st.integers(1, 500))
def test_a_window_ending_where_another_starts_does_not_overlap(a: int, a_len: int, b_len: int) -> None:
    assert not overlaps(at(a), at(a + a_len), at(a + a_len), at(a + a_len + b_len))


def test_conflicts_need_a_shared_service_and_an_overlap() -> None:
    slots = [
        Slot("erp", "CHG-2", at(30), at(90), "scheduled"),
        Slot("mail", "CHG-2", at(30), at(90), "scheduled"),
        Slot("mail", "CHG-3", at(0), at(60), "scheduled"),
        Slot("erp", "CHG-4", at(60), at(120), "scheduled"),
        Slot("erp", "CHG-5", at(0), at(60), "cancelled"),
        Slot("erp", "CHG-1", at(0), at(60), "scheduled"),
    ]
    found = find_conflicts("CHG-1", at(0), at(60), ["erp"], slots)
    assert [c.number for c in found] == ["CHG-2"]
    assert "erp" in found[0].reason and "mail" not in found[0].reason


def test_freezes_cover_their_services_or_all() -> None:
    everything = Freeze("year-end", at(0), at(600), "books")
    erp = Freeze("erp-audit", at(0), at(600), "audit", ("erp",))
    assert [f.name for f in freezes_hit(at(10), at(20), ["mail"], [everything, erp])] == ["year-end"]
    assert [f.name for f in freezes_hit(at(10), at(20), ["erp"], [everything, erp])] == ["erp-audit", "year-end"]
    assert freezes_hit(at(600), at(700), ["erp"], [everything, erp]) == []


def test_a_freeze_document_names_every_problem() -> None:
    with pytest.raises(ValidationFailed) as raised:
        Freeze.from_dict({"name": "x", "start": "nope", "services": []})
    fields = {p["field"] for p in raised.value.errors}
    assert {"start", "end", "reason", "services"} <= fields


def _facts(plan: ChangePlan) -> MoveFacts:
    class Ticket:
        change = plan

    return MoveFacts(Ticket(), None, T0, timedelta(days=1))


def test_scheduling_needs_a_clean_check_or_a_cab_decision_and_no_freeze() -> None:
    plan = ChangePlan(window=Window(at(0), at(60)), services=("erp",))
    assert ConflictChecked().missing(_facts(plan)) is None
    clash = plan.evolve(conflicts=(ConflictNote("CHG-2", "shares erp"),))
    assert "CHG-2" in (ConflictChecked().missing(_facts(clash)) or "")
    by_agent = clash.evolve(approvals=(Approval("ann", APPROVE, T0),))
    assert ConflictChecked().missing(_facts(by_agent)) is not None
    by_manager = clash.evolve(approvals=(Approval("max", APPROVE, T0, cab=True),))
    assert ConflictChecked().missing(_facts(by_manager)) is None
    frozen = by_manager.evolve(freezes=("year-end: books",))
    assert "freeze" in (ConflictChecked().missing(_facts(frozen)) or "")


def test_the_morning_patrol_shows_changes_in_conflict() -> None:
    from chalicelib.domain.patrol import CHANGE_CONFLICTS, morning_patrol

    change = {
        "number": "CHG-000001",
        "type": "change_request",
        "status": "authorization",
        "priority": "P3",
        "change": {"conflicts": [{"number": "CHG-000002", "reason": "shares erp"}]},
    }
    quiet = {**change, "number": "CHG-000003", "change": {"conflicts": []}}
    digest = morning_patrol([change, quiet], patrol_date=T0.date(), previous_patrol=None, now=T0)
    assert digest.numbers(CHANGE_CONFLICTS) == ["CHG-000001"]
    assert "CHG-000002" in digest.section(CHANGE_CONFLICTS).entries[0].reason
