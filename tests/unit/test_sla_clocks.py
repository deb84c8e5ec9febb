"""SLA clocks replayed from ticket events. Pure: fixed calendars, events and ``now``."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.processes import ALL_STATUSES
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.clocks import (
    CLOCK_KINDS,
    CLOSED,
    RESOLVED,
    RESPONDED,
    Alert,
    ClockKind,
    TicketClocks,
)
from chalicelib.domain.sla.defaults import default_calendars, default_policies
from chalicelib.domain.sla.policy import Duration, SlaPolicy, TargetSpec, select_policy
from chalicelib.domain.sla.replay import compute_clocks, due_alerts, fired_from_events

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
#: Mon-Fri 09:00-17:00 UTC, no holidays: an 8-hour business day.
DAY = BusinessCalendar.from_dict(
    {"name": "day", "timezone": "UTC", "weekly_hours": {d: [["09:00", "17:00"]] for d in WEEKDAYS}}
)
ALWAYS = BusinessCalendar.from_dict(
    {
        "name": "24x7",
        "timezone": "UTC",
        "weekly_hours": {d: [["00:00", "24:00"]] for d in (*WEEKDAYS, "sat", "sun")},
    }
)
CALENDARS = {"day": DAY, "24x7": ALWAYS}
H = 3600


def policy(**changes: Any) -> SlaPolicy:
    doc: dict[str, Any] = {
        "name": "test",
        "version": 2,
        "calendar": "day",
        "business_day_hours": {"day": 8, "24x7": 24},
        "targets": {
            "P1": {
                "first_response": {"duration": "1h"},
                "resolution": {"duration": "4h"},
                "next_update": {"duration": "2h"},
            },
            "P2": {
                "first_response": {"duration": "1h"},
                "resolution": {"duration": "4h", "calendar": "24x7"},
            },
            "P3": {"first_response": {"duration": "4h"}, "resolution": {"duration": "2bd"}},
            "P4": {"first_response": {"duration": "1bd"}, "resolution": {"scheduled": True}},
            "*": {"first_response": {"duration": "2h"}, "resolution": {"duration": "8h"}},
        },
        "warn_at": [0.5, 0.75],
    }
    doc.update(changes)
    return SlaPolicy.from_dict(doc)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2025 (the 3rd is a Monday), UTC."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


class Log:
    """Builds a ticket's events with increasing ``seq``."""

    def __init__(self, priority: str = "P3", opened_at: datetime | None = None, status: str = "new") -> None:
        self.events: list[TicketEvent] = []
        self.add(
            opened_at or at(3, 9),
            EventKind.OPENED,
            {"status": status, "priority": priority, "type": "incident", "requester": "rita", "vip": False},
            actor="rita",
        )

    def add(self, when: datetime, kind: str, after: dict[str, Any], actor: str = "alex") -> Log:
        seq = len(self.events) + 1
        self.events.append(TicketEvent("INC-000001", seq, when, actor, kind, after=after))
        return self

    def status(self, when: datetime, status: str) -> Log:
        return self.add(when, EventKind.STATUS_CHANGED, {"status": status})

    def respond(self, when: datetime) -> Log:
        return self.add(when, EventKind.FIRST_RESPONSE, {"first_response_at": when.isoformat()})

    def priority(self, when: datetime, priority: str) -> Log:
        return self.add(when, EventKind.PRIORITY_CHANGED, {"priority": priority})

    def comment(self, when: datetime, actor: str = "alex", visibility: str = "public") -> Log:
        return self.add(when, EventKind.COMMENTED, {"comment_id": "c", "visibility": visibility}, actor=actor)

    def due(self, when: datetime, due_at: datetime, clock: str = "resolution") -> Log:
        return self.add(when, EventKind.DUE_DATE_SET, {"clock": clock, "due_at": due_at.isoformat()})

    def clocks(self, now: datetime, sla: SlaPolicy | None = None, **kwargs: Any) -> TicketClocks:
        return compute_clocks(self.events, sla or policy(), CALENDARS, now, **kwargs)


def whats(clocks: TicketClocks, name: str) -> list[str]:
    return [entry.what for entry in clocks.clocks[name].timeline]


# -- starting, meeting, breaching -----------------------------------------------------------------


def test_clocks_start_at_opened_and_run_on_the_calendar() -> None:
    result = Log("P3").clocks(at(3, 12))
    first, resolution = result.clocks["first_response"], result.clocks["resolution"]
    assert set(result.clocks) == {"first_response", "resolution", "next_update"}
    assert first.state == "running" and first.cycle == 1
    assert first.used_seconds == 3 * H and first.left_seconds == 1 * H
    assert first.due_at == at(3, 13)
    assert first.warning_at == [at(3, 11), at(3, 12)]
    assert resolution.target_seconds == 16 * H
    assert resolution.due_at == at(4, 17)  # two 8-hour business days
    assert result.clocks["next_update"].state == "pending"
    assert result.next_deadline == at(3, 11)  # the 50% warning, not yet fired


def test_first_response_met() -> None:
    result = Log("P3").respond(at(3, 10)).clocks(at(3, 12))
    first = result.clocks["first_response"]
    assert first.state == "met" and first.met_at == at(3, 10)
    assert (
        Log("P3")
        .respond(at(3, 10))
        .priority(at(3, 11), "P1")
        .clocks(at(3, 12))
        .clocks["first_response"]
        .priority
        == "P3"
    )
    assert first.used_seconds == 1 * H
    assert first.due_at == at(3, 13)
    assert first.breached_at is None and not first.active
    assert whats(result, "first_response") == ["started", "met"]


def test_met_late_stays_breached_with_met_at() -> None:
    result = Log("P1").respond(at(3, 10, 30)).clocks(at(3, 11))
    first = result.clocks["first_response"]
    assert first.state == "breached"
    assert first.breached_at == at(3, 10)
    assert first.met_at == at(3, 10, 30)
    assert first.warning_at == [at(3, 9, 30), at(3, 9, 45)]
    assert whats(result, "first_response") == ["started", "warning", "warning", "breached", "met"]
    assert "met late" in first.timeline[-1].detail


def test_stop_exactly_at_the_due_instant_is_met() -> None:
    result = Log("P1").respond(at(3, 10)).clocks(at(3, 11))
    assert result.clocks["first_response"].state == "met"


def test_breach_is_by_time_without_a_sweep() -> None:
    log = Log("P1")
    assert log.clocks(at(3, 9, 59)).clocks["first_response"].state == "running"
    late = log.clocks(at(3, 10)).clocks["first_response"]
    assert late.state == "breached" and late.breached_at == at(3, 10)
    assert late.active and late.running  # still waiting for the response


def test_resolution_before_any_response_counts_as_response() -> None:
    result = Log("P3").status(at(3, 10), "resolved").clocks(at(3, 12))
    assert result.clocks["first_response"].state == "met"
    assert result.clocks["first_response"].met_at == at(3, 10)
    assert result.clocks["resolution"].state == "met"
    assert result.next_deadline is None


def test_cancelled() -> None:
    log = Log("P1").respond(at(3, 9, 10)).status(at(3, 9, 20), "in_progress").status(at(3, 10), "cancelled")
    result = log.clocks(at(3, 15))
    assert result.clocks["first_response"].state == "met"
    assert result.clocks["resolution"].state == "cancelled"
    assert result.clocks["resolution"].used_seconds == 1 * H
    assert result.clocks["next_update"].state == "cancelled"
    assert result.next_deadline is None
    assert due_alerts(result, at(3, 15)) == []


def test_cancel_after_breach_keeps_the_breach_instant() -> None:
    result = Log("P1").status(at(3, 15), "cancelled").clocks(at(3, 16))
    resolution = result.clocks["resolution"]
    assert resolution.state == "cancelled" and resolution.breached_at == at(3, 13)


def test_closed_ends_the_ticket() -> None:
    log = Log("P3").status(at(3, 10), "resolved").status(at(3, 11), "closed").status(at(3, 12), "in_progress")
    result = log.clocks(at(3, 13))
    assert result.clocks["resolution"].state == "met" and result.clocks["resolution"].cycle == 1


# -- pause -------------------------------------------------------------------------------------------


def test_pause_and_resume() -> None:
    log = Log("P3").status(at(3, 10), "waiting_on_requester")
    paused = log.clocks(at(3, 12))
    resolution = paused.clocks["resolution"]
    assert resolution.state == "paused" and resolution.paused
    assert resolution.due_at is None and resolution.used_seconds == 1 * H
    assert resolution.left_seconds == 15 * H
    assert resolution.paused_seconds == 2 * H
    assert paused.clocks["first_response"].state == "paused"
    assert paused.next_deadline is None

    resumed = log.status(at(3, 14), "in_progress").clocks(at(3, 15))
    resolution = resumed.clocks["resolution"]
    assert resolution.state == "running"
    assert resolution.used_seconds == 2 * H
    assert resolution.paused_seconds == 4 * H
    assert resolution.due_at == at(5, 13)  # 15 h left from Mon 14:00: 3 + 8 + 4
    assert resumed.clocks["first_response"].due_at == at(3, 17)
    assert whats(resumed, "resolution") == ["started", "paused", "resumed"]


def test_breach_after_pause() -> None:
    log = (
        Log("P1")
        .respond(at(3, 9, 10))
        .status(at(3, 10), "waiting_on_requester")
        .status(at(3, 16), "in_progress")
    )
    result = log.clocks(at(4, 12))
    resolution = result.clocks["resolution"]
    assert resolution.state == "breached"
    assert resolution.breached_at == at(4, 11)  # 1 h before the pause, 1 h Monday, 2 h Tuesday
    assert resolution.paused_seconds == 6 * H
    assert resolution.left_seconds == 0


def test_first_response_already_met_does_not_pause() -> None:
    log = Log("P3").respond(at(3, 10)).status(at(3, 11), "waiting_on_requester")
    result = log.clocks(at(3, 12))
    assert result.clocks["first_response"].state == "met"
    assert result.clocks["first_response"].paused_seconds == 0


def test_opened_straight_into_a_pause_status() -> None:
    result = Log("P3", status="waiting_on_requester").clocks(at(3, 12))
    assert result.clocks["resolution"].state == "paused"
    assert result.clocks["resolution"].used_seconds == 0


def test_resolved_while_paused() -> None:
    log = Log("P3").status(at(3, 10), "waiting_on_requester").status(at(3, 12), "resolved")
    resolution = log.clocks(at(3, 13)).clocks["resolution"]
    assert resolution.state == "met" and resolution.used_seconds == 1 * H
    assert resolution.paused_seconds == 2 * H and not resolution.paused


# -- priority changes --------------------------------------------------------------------------------


def test_priority_change_carry() -> None:
    result = Log("P3").priority(at(3, 11), "P1").clocks(at(3, 12))
    resolution, first = result.clocks["resolution"], result.clocks["first_response"]
    assert resolution.target_seconds == 4 * H and resolution.cycle == 1
    assert resolution.used_seconds == 3 * H
    assert resolution.due_at == at(3, 13)
    # 2 h were used against P3's 4 h; P1 allows 1 h: breached at the change instant.
    assert first.state == "breached" and first.breached_at == at(3, 11)
    entry = next(e for e in resolution.timeline if e.what == "priority_changed")
    assert entry.detail.startswith("priority changed P3->P1, target recomputed (carry)")
    assert resolution.priority == "P1"


def test_priority_change_restart() -> None:
    result = Log("P3").priority(at(3, 11), "P1").clocks(at(3, 12), sla=policy(on_priority_change="restart"))
    resolution, first = result.clocks["resolution"], result.clocks["first_response"]
    assert resolution.cycle == 2 and resolution.used_seconds == 1 * H
    assert resolution.due_at == at(3, 15) and resolution.started_at == at(3, 11)
    assert first.state == "breached" and first.breached_at == at(3, 12) and first.cycle == 2
    assert "(restart)" in next(e for e in resolution.timeline if e.what == "priority_changed").detail


def test_priority_change_moves_to_another_calendar() -> None:
    # P2's resolution runs on 24x7: 1 h used Monday, then 3 h from Monday 10:00 -> 13:00; at night too.
    result = Log("P3").priority(at(3, 10), "P2").clocks(at(3, 11))
    assert result.clocks["resolution"].calendar == "24x7"
    assert result.clocks["resolution"].due_at == at(3, 13)
    night = Log("P3", opened_at=at(3, 16)).priority(at(3, 17), "P2").clocks(at(3, 18))
    assert night.clocks["resolution"].due_at == at(3, 20)


def test_priority_change_to_a_longer_target_keeps_an_earlier_breach() -> None:
    result = Log("P1").priority(at(3, 11), "P3").clocks(at(3, 12))
    first = result.clocks["first_response"]
    assert first.state == "breached" and first.breached_at == at(3, 10)
    assert first.left_seconds == 1 * H


def test_priority_change_while_paused_carries() -> None:
    log = Log("P3").status(at(3, 10), "waiting_on_requester").priority(at(3, 11), "P1")
    log.status(at(3, 12), "in_progress")
    resolution = log.clocks(at(3, 12, 30)).clocks["resolution"]
    assert resolution.used_seconds == 1.5 * H
    assert resolution.due_at == at(3, 15)


# -- reopen ------------------------------------------------------------------------------------------


def test_reopen_resumes_resolution_with_carried_time() -> None:
    log = Log("P1").respond(at(3, 9, 10)).status(at(3, 10), "resolved").status(at(4, 9), "in_progress")
    result = log.clocks(at(4, 10))
    resolution = result.clocks["resolution"]
    assert resolution.state == "running" and resolution.cycle == 2
    assert resolution.used_seconds == 2 * H  # 1 h before the resolution, 1 h since the reopen
    assert resolution.met_at is None
    assert resolution.due_at == at(4, 12)
    assert whats(result, "resolution") == ["started", "met", "reopened", "warning"]
    assert result.clocks["first_response"].state == "met"
    assert result.clocks["next_update"].state == "running"


def test_reopen_after_a_breached_cycle() -> None:
    log = Log("P1").respond(at(3, 9, 10)).status(at(3, 14), "resolved").status(at(4, 9), "in_progress")
    result = log.clocks(at(4, 10))
    resolution = result.clocks["resolution"]
    assert resolution.cycle == 2
    assert resolution.state == "breached" and resolution.breached_at == at(4, 9)
    breaches = [e for e in resolution.timeline if e.what == "breached"]
    assert [e.at for e in breaches] == [at(3, 13), at(4, 9)]
    alerts = due_alerts(result, at(4, 10), fired={("resolution", "breach", 1)})
    assert [a.key for a in alerts] == [("resolution", "breach", 2), ("next_update", "warning:0.5", 2)]


def test_reopen_into_waiting() -> None:
    log = Log("P3").status(at(3, 10), "resolved").status(at(4, 9), "waiting_on_requester")
    resolution = log.clocks(at(4, 10)).clocks["resolution"]
    assert resolution.state == "paused" and resolution.cycle == 2 and resolution.used_seconds == 1 * H


# -- next update -------------------------------------------------------------------------------------


def test_next_update_restarts_on_public_agent_updates() -> None:
    log = Log("P1").respond(at(3, 9, 10))
    started = log.clocks(at(3, 9, 30)).clocks["next_update"]
    assert started.state == "running" and started.due_at == at(3, 11, 10) and started.cycle == 1
    log.comment(at(3, 10)).comment(at(3, 10, 30), actor="rita").comment(at(3, 10, 45), visibility="internal")
    updated = log.clocks(at(3, 11)).clocks["next_update"]
    assert updated.cycle == 2 and updated.due_at == at(3, 12)
    late = log.clocks(at(3, 12, 30)).clocks["next_update"]
    assert late.state == "breached" and late.breached_at == at(3, 12)


def test_next_update_pending_where_the_priority_has_none() -> None:
    log = Log("P1").respond(at(3, 9, 10)).priority(at(3, 9, 30), "P3")
    assert log.clocks(at(3, 10)).clocks["next_update"].state == "pending"
    log.priority(at(3, 10), "P1")
    again = log.clocks(at(3, 10, 30)).clocks["next_update"]
    assert again.state == "running" and again.due_at == at(3, 12) and again.cycle == 2


# -- scheduled targets -------------------------------------------------------------------------------


def test_scheduled_target_awaits_then_follows_the_due_date() -> None:
    log = Log("P4")
    waiting = log.clocks(at(3, 10))
    resolution = waiting.clocks["resolution"]
    assert resolution.state == "awaiting_schedule"
    assert resolution.target_seconds is None and resolution.due_at is None
    assert waiting.next_deadline == at(3, 13)  # the first response's 50% warning only

    log.due(at(3, 10), at(7, 9))
    result = log.clocks(
        at(6, 10), fired={("first_response", "warning:0.5", 1), ("first_response", "warning:0.75", 1)}
    )
    resolution = result.clocks["resolution"]
    assert resolution.state == "running"
    assert resolution.due_at == at(7, 9)
    assert resolution.target_seconds == 32 * H  # Mon 09:00 -> Fri 09:00 on the day calendar
    assert resolution.warning_at == [at(5, 9), at(6, 9)]  # 50% and 75% of the 96 h wall-clock span
    fired = {("first_response", "warning:0.5", 1), ("first_response", "warning:0.75", 1),
             ("first_response", "breach", 1), ("resolution", "warning:0.5", 1)}  # fmt: skip
    assert log.clocks(at(6, 10), fired=fired).next_deadline == at(6, 9)  # past, not fired yet
    fired.add(("resolution", "warning:0.75", 1))
    assert log.clocks(at(6, 10), fired=fired).next_deadline == at(7, 9)
    late = log.clocks(at(7, 10)).clocks["resolution"]
    assert late.state == "breached" and late.breached_at == at(7, 9)


def test_scheduled_paused_over_its_due_date_breaches_on_resume() -> None:
    log = Log("P4").due(at(3, 9, 30), at(4, 9)).status(at(3, 10), "waiting_on_requester")
    assert log.clocks(at(5, 9)).clocks["resolution"].state == "paused"
    log.status(at(5, 10), "in_progress")
    resolution = log.clocks(at(5, 11)).clocks["resolution"]
    assert resolution.state == "breached" and resolution.breached_at == at(5, 10)


def test_due_date_on_a_duration_target_is_only_recorded() -> None:
    resolution = Log("P3").due(at(3, 10), at(3, 11)).clocks(at(3, 12)).clocks["resolution"]
    assert resolution.due_at == at(4, 17) and resolution.state == "running"
    assert resolution.timeline[-1].what == "due_date_set"


# -- calendars ---------------------------------------------------------------------------------------


def test_24x7_bundle_versus_office_for_a_weekend_incident() -> None:
    calendars = {doc["name"]: BusinessCalendar.from_dict(doc) for doc in default_calendars()}
    policies = [SlaPolicy.from_dict(doc) for doc in default_policies()]
    saturday = datetime(2025, 3, 8, 16, 0, tzinfo=UTC)  # 10:00 in Chicago
    results = {}
    for service in ("spectrograph-pipeline", "mail"):
        facts = {"type": "incident", "priority": "P2", "service": service}
        chosen = select_policy(policies, facts)
        assert chosen is not None
        opened = TicketEvent("INC-1", 1, saturday, "rita", EventKind.OPENED, after={"status": "new", **facts})
        results[service] = compute_clocks([opened], chosen, calendars, saturday.replace(hour=17))
    bundle, office = results["spectrograph-pipeline"], results["mail"]
    assert bundle.clocks["first_response"].due_at == datetime(2025, 3, 8, 17, 0, tzinfo=UTC)
    assert bundle.clocks["first_response"].state == "breached"
    assert office.clocks["first_response"].state == "running"
    assert office.clocks["first_response"].used_seconds == 0
    assert office.clocks["first_response"].due_at == datetime(2025, 3, 10, 14, 0, tzinfo=UTC)  # Mon 09:00 CDT
    assert office.clocks["resolution"].due_at == datetime(2025, 3, 10, 21, 0, tzinfo=UTC)  # +8 h: 16:00 CDT


def test_missing_calendar_is_a_validation_error() -> None:
    with pytest.raises(ValidationFailed) as caught:
        compute_clocks(Log("P2").events, policy(), {"day": DAY}, at(3, 10))
    assert "24x7" in caught.value.errors[0]["reason"]


# -- determinism -------------------------------------------------------------------------------------


def busy_log() -> Log:
    log = Log("P3").respond(at(3, 9, 20)).status(at(3, 9, 30), "in_progress")
    log.status(at(3, 11), "waiting_on_requester").status(at(3, 15), "in_progress").priority(at(4, 10), "P1")
    log.comment(at(4, 10, 30)).status(at(4, 12), "resolved").status(at(5, 9), "in_progress")
    log.status(at(5, 16), "resolved")
    return log


def test_replay_is_deterministic_and_ignores_input_order() -> None:
    log = busy_log()
    expected = log.clocks(at(6, 9)).to_dict()
    assert log.clocks(at(6, 9)).to_dict() == expected
    shuffled = list(log.events)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert compute_clocks(shuffled, policy(), CALENDARS, at(6, 9)).to_dict() == expected


def test_due_instants_do_not_drift_with_now() -> None:
    log = Log("P3").status(at(3, 10), "waiting_on_requester").status(at(3, 14), "in_progress")
    dues = {log.clocks(at(d, h)).clocks["resolution"].due_at for d, h in [(3, 14), (3, 16), (4, 9), (5, 1)]}
    assert dues == {at(5, 13)}


def test_events_after_now_are_ignored() -> None:
    log = Log("P3").respond(at(3, 10)).status(at(3, 12), "resolved")
    earlier = log.clocks(at(3, 11))
    assert earlier.clocks["resolution"].state == "running"
    assert earlier.to_dict() == compute_clocks(log.events[:2], policy(), CALENDARS, at(3, 11)).to_dict()


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        Log("P3").clocks(datetime(2025, 3, 3, 10))


# -- deadlines and alerts ----------------------------------------------------------------------------


def test_next_deadline_and_due_alerts() -> None:
    log = Log("P1")
    assert log.clocks(at(3, 9)).next_deadline == at(3, 9, 30)
    result = log.clocks(at(3, 9, 50))
    alerts = due_alerts(result, at(3, 9, 50))
    assert [(a.clock, a.kind, a.threshold, a.at) for a in alerts] == [
        ("first_response", "warning", 0.5, at(3, 9, 30)),
        ("first_response", "warning", 0.75, at(3, 9, 45)),
    ]
    assert alerts[0].alert_id("INC-000001") == "INC-000001:first_response:warning:0.5:1"
    assert result.next_deadline == at(3, 9, 30)  # unfired, so a late sweep still fires it

    # The sweep records what it fired as events; the replay reads them back.
    for alert in alerts:
        log.add(at(3, 9, 51), EventKind.SLA_WARNING, alert.event_after(), actor="sweep")
    assert fired_from_events(log.events) == {a.key for a in alerts}
    after = log.clocks(at(3, 9, 52))
    assert due_alerts(after, at(3, 9, 52)) == []
    assert after.next_deadline == at(3, 10)


def test_a_reached_breach_supersedes_unfired_warnings() -> None:
    result = Log("P1").clocks(at(3, 10, 5))
    alerts = due_alerts(result, at(3, 10, 5))
    assert [(a.clock, a.kind) for a in alerts] == [("first_response", "breach")]
    assert alerts[0].alert_id("T") == "T:first_response:breach:1:1"
    fired = {a.key for a in alerts}
    assert result.next_deadline == at(3, 10)
    assert Log("P1").clocks(at(3, 10, 5), fired=fired).next_deadline == at(3, 11)  # resolution's 50%


def test_paused_and_stopped_clocks_have_no_deadline() -> None:
    paused = Log("P1").status(at(3, 9, 5), "waiting_on_requester").clocks(at(3, 12))
    assert paused.next_deadline is None and due_alerts(paused, at(3, 12)) == []
    stopped = Log("P1").respond(at(3, 9, 5)).status(at(3, 9, 10), "resolved").clocks(at(3, 12))
    assert stopped.next_deadline is None


def test_alert_key_forms() -> None:
    alert = Alert("resolution", "warning", 0.75, 3, at(3, 9))
    assert alert.key == ("resolution", "warning:0.75", 3)
    assert alert.alert_id("REQ-000007") == "REQ-000007:resolution:warning:0.75:3"
    assert alert.event_after()["alert"] == "warning:0.75"


# -- output shapes -----------------------------------------------------------------------------------


def test_to_dict_and_summary_are_json() -> None:
    result = busy_log().clocks(at(6, 9))
    full = json.loads(json.dumps(result.to_dict()))
    assert full["policy"] == "test" and full["policy_version"] == 2
    resolution = full["clocks"]["resolution"]
    # 4 h used by Tuesday 09:00, 1 h more until the change to P1 (4 h): breached at the change.
    assert resolution["state"] == "breached" and resolution["cycle"] == 2
    # Cycle 2 (the reopen on Wednesday 09:00) starts over the target, so it is breached at its start.
    assert resolution["breached_at"] == "2025-03-05T09:00:00+00:00"
    breaches = [e["at"] for e in resolution["timeline"] if e["what"] == "breached"]
    assert breaches == ["2025-03-04T10:00:00+00:00", "2025-03-05T09:00:00+00:00"]
    assert resolution["met_at"] == "2025-03-05T16:00:00+00:00"
    assert {"at", "what", "detail"} == set(resolution["timeline"][0])
    assert resolution["warn_at"] == [0.5, 0.75] and len(resolution["warning_at"]) == 2
    summary = json.loads(json.dumps(result.summary()))
    assert set(summary) == {"policy", "policy_version", "computed_at", "next_deadline", "breached", "clocks"}
    assert set(summary["clocks"]["resolution"]) == {
        "state", "due_at", "breached", "used_seconds", "left_seconds", "cycle"
    }  # fmt: skip
    assert isinstance(summary["clocks"]["resolution"]["used_seconds"], int)
    timeline = [entry["at"] for entry in resolution["timeline"]]
    assert timeline == sorted(timeline)


# -- properties --------------------------------------------------------------------------------------

_ACTIONS = st.one_of(
    st.tuples(st.just("status"), st.sampled_from(ALL_STATUSES)),
    st.tuples(st.just("priority"), st.sampled_from(["P1", "P2", "P3", "P4", "P5"])),
    st.tuples(st.just("respond"), st.just("")),
    st.tuples(st.just("comment"), st.sampled_from(["alex", "rita"])),
    st.tuples(st.just("due"), st.sampled_from(["resolution", "first_response"])),
)


@settings(max_examples=60, deadline=None)
@given(
    priority=st.sampled_from(["P1", "P2", "P3", "P4", "P5"]),
    steps=st.lists(st.tuples(st.integers(0, 3000), _ACTIONS), max_size=25),
    rule=st.sampled_from(["carry", "restart"]),
)
def test_any_event_log_replays_consistently(
    priority: str, steps: list[tuple[int, tuple[str, str]]], rule: str
) -> None:
    log = Log(priority)
    when = at(3, 9)
    for gap, (action, value) in steps:
        when += timedelta(minutes=gap)
        if action == "status":
            log.status(when, value)
        elif action == "priority":
            log.priority(when, value)
        elif action == "respond":
            log.respond(when)
        elif action == "comment":
            log.comment(when, actor=value)
        else:
            log.due(when, when + timedelta(hours=gap % 50 + 1), clock=value)
    sla = policy(on_priority_change=rule)
    ends = [when + timedelta(hours=hours) for hours in (0, 5, 30)]
    results = [log.clocks(end, sla) for end in ends]
    shuffled = list(reversed(log.events))
    assert compute_clocks(shuffled, sla, CALENDARS, ends[-1]).to_dict() == results[-1].to_dict()
    json.dumps(results[-1].to_dict())
    for earlier, later in pairwise(results):
        for name, clock in earlier.clocks.items():
            following = later.clocks[name]
            if clock.cycle == following.cycle:
                assert following.used_seconds >= clock.used_seconds
                assert following.paused_seconds >= clock.paused_seconds
                if clock.running and clock.target_seconds is not None:
                    assert following.due_at == clock.due_at or following.state == "breached"
    for result in results:
        running = [c for c in result.clocks.values() if c.running]
        if result.next_deadline is not None:
            assert running
        for clock in result.clocks.values():
            assert clock.state in (
                "pending",
                "running",
                "paused",
                "awaiting_schedule",
                "met",
                "breached",
                "cancelled",
            )
            assert clock.used_seconds >= 0 and (clock.left_seconds is None or clock.left_seconds >= 0)


# -- a clock kind declared outside the replay -----------------------------------------------------

#: "Fix time": from the first response to the resolution, on 24x7, running while the desk waits.
FIX = ClockKind("fix", starts_on=(RESPONDED,), stops_on={RESOLVED: "fixed", CLOSED: "closed"}, pauses=False)


def with_fix(target: str) -> SlaPolicy:
    base = policy()
    targets = {key: dict(clocks) for key, clocks in base.targets.items()}
    targets["*"]["fix"] = TargetSpec(duration=Duration.parse(target), calendar="24x7")
    return dataclasses.replace(base, targets=targets)


def test_a_new_clock_kind_is_one_declaration_the_replay_runs_beside_the_shipped_ones() -> None:
    kinds = (*CLOCK_KINDS, FIX)
    sla = with_fix("3h")
    log = Log("P3")
    assert log.clocks(at(3, 9, 30), sla, kinds=kinds).clocks["fix"].state == "pending"
    assert "fix" not in log.clocks(at(3, 9, 30), policy(), kinds=kinds).clocks  # not targeted: not run

    log.respond(at(3, 10)).status(at(3, 11), "waiting_on_requester")
    waiting = log.clocks(at(3, 12), sla, kinds=kinds)
    fix = waiting.clocks["fix"]
    assert fix.state == "running" and fix.started_at == at(3, 10)  # started by the response
    assert fix.used_seconds == 2 * H and fix.due_at == at(3, 13)  # not paused while waiting
    assert waiting.clocks["resolution"].state == "paused"
    assert due_alerts(log.clocks(at(3, 13, 30), sla, kinds=kinds), at(3, 13, 30)) == [
        Alert("fix", "breach", 1.0, 1, at(3, 13))
    ]

    log.status(at(3, 14), "resolved")
    done = log.clocks(at(3, 15), sla, kinds=kinds)
    fix = done.clocks["fix"]
    assert fix.state == "breached" and fix.met_at == at(3, 14)  # stopped by the resolution, late
    assert whats(done, "fix") == ["started", "warning", "warning", "breached", "met"]
    assert fix.timeline[0].detail == "first response; P3 target 3h on 24x7 (cycle 1)"
    assert fix.timeline[-1].detail.startswith("fixed: met late")
    shipped = log.clocks(at(3, 15), sla)  # the shipped kinds are untouched by the extra one
    assert {name: clock for name, clock in done.clocks.items() if name != "fix"} == shipped.clocks


def test_a_clock_kind_names_only_known_signals() -> None:
    with pytest.raises(ValueError, match="unknown signals"):
        ClockKind("acknowledged", starts_on=("assigned",))
    with pytest.raises(ValueError, match="on_reopen"):
        ClockKind("acknowledged", on_reopen="resume")


# -- what a status means comes from the ticket's lifecycle ----------------------------------------


def _review_lifecycle() -> Any:
    from chalicelib.domain.lifecycle import STAFF, Lifecycle, Phase, State, move

    return Lifecycle(
        process="incident",
        initial="draft",
        states=(
            State("draft", Phase.OPEN),
            State("on_hold", Phase.WAITING, pauses=frozenset({"resolution"})),
            State("done", Phase.RESOLVED),
            State("archived", Phase.CLOSED),
            State("dropped", Phase.CANCELLED),
        ),
        moves=(move("draft", "on_hold", "hold", STAFF), move("on_hold", "done", "finish", STAFF)),
    )


def test_a_lifecycle_decides_which_states_pause_which_clocks_and_which_resolve() -> None:
    flows = {"incident": _review_lifecycle()}
    log = Log("P3", status="draft").status(at(3, 10), "on_hold")
    held = log.clocks(at(3, 12), lifecycles=flows)
    assert held.clocks["resolution"].state == "paused"
    assert held.clocks["first_response"].state == "running"  # this state pauses the resolution only
    done = log.status(at(3, 13), "done").clocks(at(3, 14), lifecycles=flows)
    assert done.clocks["resolution"].state == "met" and done.clocks["first_response"].state == "met"
    assert whats(done, "resolution")[-1].startswith("met")


def test_a_policy_that_names_pause_statuses_overrides_the_lifecycle() -> None:
    log = Log("P3").status(at(3, 10), "waiting_on_requester")
    clocks = log.clocks(at(3, 12), policy(pause_statuses=["in_progress"]))
    assert clocks.clocks["resolution"].state == "running"
