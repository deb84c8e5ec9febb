"""The typed intake state a ticket keeps: round trips, corrections and contests."""

from __future__ import annotations

from chalicelib.domain.classification import (
    Classification,
    FieldPrediction,
    RoutingDecision,
    Triage,
    correct,
)


def _classification(**changes: object) -> Classification:
    model = FieldPrediction("network", 0.42, "model says network", "model", "group-v3", "network")
    base = Classification(
        process=FieldPrediction("incident", 1.0, "stated", "requester"),
        service=FieldPrediction(None, 0.0, "nothing in the catalog", "default"),
        impact=FieldPrediction("medium", 0.5, "desk default", "default"),
        urgency=FieldPrediction("high", 1.0, "stated", "requester"),
        group=model,
        threshold=0.6,
        needs_triage=True,
        triage_reasons=("group below the threshold",),
        auto_route=False,
        out_of_catalog=True,
        rules_fired=(("vpn", 2),),
        notes=("ignored label x",),
    )
    return Classification(**{**base.__dict__, **changes})


def test_classification_round_trips_through_its_stored_shape() -> None:
    original = _classification()
    assert Classification.from_dict(original.to_dict()) == original
    assert original.to_dict()["defaulted"] == ["impact"]


def test_routing_round_trips() -> None:
    decision = RoutingDecision("ann", "network", "ann: fewest open tickets", [{"agent": "ann", "score": 1}])
    assert RoutingDecision.from_dict(decision.to_dict()) == decision


def test_a_correction_makes_the_field_certain_and_settles_triage() -> None:
    fixed = correct(
        _classification(),
        {"type": "incident", "service": None, "group": "network"},
        {"group": "desktop", "service": "vpn"},
        by="mia",
        reason="VPN client issue",
    )
    assert fixed.group == FieldPrediction("desktop", 1.0, "corrected by mia: VPN client issue", "correction")
    assert fixed.service.value == "vpn" and fixed.service.source == "correction"
    assert fixed.process.source == "requester"
    assert not fixed.needs_triage and fixed.triage_reasons == ()
    assert not fixed.out_of_catalog


def test_correcting_a_ticket_never_classified_keeps_its_values_as_opened() -> None:
    fixed = correct(None, {"type": "incident", "impact": "low", "group": None}, {"type": "service_request"},
                    by="mia", reason="a request")
    assert fixed.process.value == "service_request" and fixed.process.source == "correction"
    assert fixed.impact.value == "low" and fixed.impact.source == "requester"


def test_a_contest_puts_the_ticket_back_in_triage_keeping_every_reason() -> None:
    triage = Triage.of(_classification()).contested("alice", "this is not a network problem")
    assert triage.pending
    assert triage.reasons == ("group below the threshold", "contested by alice: this is not a network problem")
    assert Triage.of(_classification(needs_triage=False, triage_reasons=())) == Triage()


def test_a_ticket_awaits_triage_until_corrected_or_ended() -> None:
    from datetime import UTC, datetime

    from chalicelib.domain.ticket import Ticket

    now = datetime(2026, 11, 23, tzinfo=UTC)
    waiting = Ticket(
        number="INC-000001", type="incident", title="t", description="d", requester="alice", status="new",
        impact="high", urgency="high", priority="P1", created_at=now, updated_at=now,
        triage=Triage(True, ("group below the threshold",)),
    )
    assert waiting.awaits_triage
    assert waiting.evolve(status="resolved").awaits_triage  # a resolved ticket may still be corrected
    assert not waiting.evolve(status="closed").awaits_triage
    assert not waiting.evolve(status="cancelled").awaits_triage
    assert not waiting.evolve(triage=Triage()).awaits_triage
    change = waiting.evolve(number="CHG-000001", type="change_request", status="closed")
    assert not change.awaits_triage
