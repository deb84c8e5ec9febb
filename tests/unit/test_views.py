"""Views are shaped by the viewer's role: staff see an event whole, a requester what concerns them."""

from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.identity import Identity
from chalicelib.services.tickets import event_view

AT = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
ALICE = Identity("alice", "requester")
ANN = Identity("ann", "agent")


def event(kind: str, after: dict[str, object], note: str | None = None) -> TicketEvent:
    return TicketEvent("INC-000001", 2, AT, "desk", kind, {}, after, note)


def test_an_escalation_shows_a_requester_that_it_happened_not_whom_it_paged() -> None:
    escalated = event(EventKind.ESCALATED, {"step": 2, "notify": ["lead.tier2"]}, "breach: notify lead.tier2")
    assert event_view(escalated, ANN)["after"] == {"step": 2, "notify": ["lead.tier2"]}
    mine = event_view(escalated, ALICE)
    assert (mine["kind"], mine["actor"], mine["after"], mine["note"]) == ("escalated", "desk", {}, None)


def test_a_kind_not_declared_for_requesters_shows_nothing_of_its_payload() -> None:
    future = event("something_new", {"secret": 1}, "internal")
    assert event_view(future, ALICE)["after"] == {} and event_view(future, ALICE)["note"] is None
    assert event_view(future, ANN)["after"] == {"secret": 1}


def test_routing_reasons_are_staff_only_and_a_transition_reason_is_the_requesters() -> None:
    routed = event(EventKind.ASSIGNED, {"assignee": "ann", "group": "network", "monitor": "max"}, "ann: workload 1")
    assert event_view(routed, ALICE)["after"] == {"assignee": "ann", "group": "network"}
    assert event_view(routed, ALICE)["note"] is None
    waiting = event(EventKind.STATUS_CHANGED, {"status": "waiting_on_requester"}, "which laptop model?")
    assert event_view(waiting, ALICE)["note"] == "which laptop model?"


def test_local_times_show_each_instant_in_the_zone_with_the_instant() -> None:
    from chalicelib.services.tickets import with_local_times

    view = {"created_at": "2026-11-24T20:00:00+00:00", "resolved_at": None, "number": "INC-000001"}
    shown = with_local_times(view, "America/Chicago")
    assert shown["local_times"]["created_at"] == "Tue 24 Nov 14:00 CST (2026-11-24T20:00:00Z)"
    assert shown["local_times"]["resolved_at"] is None
    assert with_local_times(view, None)["local_times"]["created_at"].startswith("Tue 24 Nov 20:00 UTC")
    assert shown["number"] == "INC-000001"
