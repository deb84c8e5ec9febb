"""Every measure on hand-built event histories: reopen, pause, reassignment, priority change."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.events import EventKind, TicketEvent
from chalicelib.domain.histogram import GAMMA, bucket_of, exact_quantile, quantile_of, value_of
from chalicelib.domain.measures import (
    BACKLOG,
    DAILY,
    MeasureInputs,
    diff,
    merge,
    ticket_contribution,
)
from chalicelib.domain.reports import backlog_at, measure_row, sla_rows, sum_cells
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.policy import SlaPolicy
from chalicelib.domain.sla.replay import compute_clocks

UTC_ZONE = ZoneInfo("UTC")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
DAY = BusinessCalendar.from_dict(
    {"name": "day", "timezone": "UTC", "weekly_hours": {d: [["09:00", "17:00"]] for d in WEEKDAYS}}
)
POLICY = SlaPolicy.from_dict(
    {
        "name": "test",
        "calendar": "day",
        "business_day_hours": {"day": 8},
        "targets": {
            "P2": {"first_response": {"duration": "1h"}, "resolution": {"duration": "4h"}},
            "*": {"first_response": {"duration": "4h"}, "resolution": {"duration": "8h"}},
        },
    }
)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in March 2025 (the 3rd is a Monday), UTC."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


class History:
    """A ticket's events, built move by move."""

    def __init__(self, opened: datetime, *, type: str = "incident", priority: str = "P3", **fields: Any) -> None:
        self.events: list[TicketEvent] = []
        self.add(opened, "alice", EventKind.OPENED, after={
            "type": type, "status": "new", "priority": priority, "requester": "alice",
            "service": fields.get("service", "email"), "business_unit": fields.get("business_unit", "sales"),
        })
        self.add(opened, "desk", EventKind.SLA_APPLIED, after={"policy": "test", "policy_version": 1})

    def add(self, moment: datetime, actor: str, kind: str, before: dict[str, Any] | None = None,
            after: dict[str, Any] | None = None) -> History:
        seq = len(self.events) + 1
        self.events.append(TicketEvent("INC-000001", seq, moment, actor, kind, before or {}, after or {}))
        return self

    def status(self, moment: datetime, old: str, new: str, actor: str = "ben") -> History:
        return self.add(moment, actor, EventKind.STATUS_CHANGED, {"status": old}, {"status": new})

    def assign(self, moment: datetime, old: str | None, new: str, group: str = "l1") -> History:
        return self.add(moment, "desk", EventKind.ASSIGNED, {"assignee": old}, {"assignee": new, "group": group})

    def reply(self, moment: datetime, actor: str = "ben") -> History:
        self.add(moment, actor, EventKind.COMMENTED, after={"visibility": "public", "body": "hi"})
        if not any(e.kind == EventKind.FIRST_RESPONSE for e in self.events):
            self.add(moment, actor, EventKind.FIRST_RESPONSE, after={"first_response_at": moment.isoformat()})
        return self

    def contribution(self, pause_share: float = 0.5) -> dict[Any, dict[str, int]]:
        now = max(e.at for e in self.events)
        clocks = compute_clocks(self.events, POLICY, {"day": DAY}, now)
        unpaused = compute_clocks(self.events, dataclasses.replace(POLICY, pause_statuses=()), {"day": DAY}, now)
        return ticket_contribution(MeasureInputs(self.events, UTC_ZONE, clocks, unpaused, {"day": DAY}, pause_share))


def cell(contribution: dict[Any, dict[str, int]], dim: str, key: str, day: str) -> dict[str, int]:
    return contribution.get((DAILY, dim, key, day), {})


def simple() -> History:
    """Opened Mon 09:00, assigned to ben, one reply at 09:30, resolved at 11:00."""
    h = History(at(3, 9)).assign(at(3, 9), None, "ben").status(at(3, 9), "new", "assigned", "desk")
    return h.reply(at(3, 9, 30)).status(at(3, 11), "assigned", "resolved")


def test_times_to_respond_and_resolve_elapsed_and_business() -> None:
    h = History(at(3, 16)).assign(at(3, 16), None, "ben").status(at(3, 16), "new", "assigned", "desk")
    h.reply(at(4, 10)).status(at(4, 12), "assigned", "resolved")
    c = h.contribution()
    responded = cell(c, "agent", "ben", "2025-03-04")
    # 18 h elapsed, but only 16:00-17:00 and 09:00-10:00 of business time.
    assert responded["resp_n"] == 1 and responded["resp_s"] == 18 * 3600 and responded["resp_bs"] == 2 * 3600
    assert responded["res_s"] == 20 * 3600 and responded["res_bs"] == 4 * 3600
    assert responded[f"resp_h.{bucket_of(18 * 3600)}"] == 1


def test_first_contact_resolution_when_one_agent_one_reply_no_reopen() -> None:
    row = cell(simple().contribution(), "all", "all", "2025-03-03")
    assert row["res_n"] == 1 and row["fcr"] == 1 and "reopened" not in row


def test_reassignment_is_not_first_contact_and_counts_handled_per_agent() -> None:
    h = History(at(3, 9)).assign(at(3, 9), None, "ben").status(at(3, 9), "new", "assigned", "desk")
    h.assign(at(3, 10), "ben", "cleo", "l2").reply(at(3, 10, 30), "cleo")
    h.status(at(3, 11), "assigned", "resolved", "cleo")
    c = h.contribution()
    assert cell(c, "agent", "cleo", "2025-03-03")["res_n"] == 1
    assert "fcr" not in cell(c, "agent", "cleo", "2025-03-03")
    assert cell(c, "agent", "ben", "2025-03-03")["handled"] == 1
    assert cell(c, "agent", "cleo", "2025-03-03")["handled"] == 1
    # tier time: one hour with l1, one with l2 before the resolution
    tiers = cell(c, "all", "all", "2025-03-03")
    assert tiers["tier.l1"] == 3600 and tiers["tier.l2"] == 3600


def test_work_logged_on_a_bridged_issue_before_resolution_is_a_tier_of_its_own() -> None:
    h = History(at(3, 9)).assign(at(3, 9), None, "ben").status(at(3, 9), "new", "assigned", "desk")
    for moment, seconds in ((at(3, 10), 1800), (at(3, 10, 30), 3600), (at(3, 12), 900)):
        h.add(moment, "desk", EventKind.WORKED_ELSEWHERE,
              after={"system": "jira", "key": "OPS-42", "what": "worklog", "by": "mia", "seconds": seconds})
    h.add(at(3, 10, 45), "desk", EventKind.WORKED_ELSEWHERE,
          after={"system": "jira", "key": "OPS-42", "what": "comment", "by": "mia", "body": "done"})
    h.status(at(3, 11), "assigned", "resolved")
    tiers = cell(h.contribution(), "all", "all", "2025-03-03")
    assert tiers["tier.jira"] == 5400  # the worklog after the resolution does not count
    assert tiers["tier.l1"] == 2 * 3600


def test_two_public_replies_before_resolution_are_not_first_contact() -> None:
    h = simple()
    second = TicketEvent("INC-000001", 99, at(3, 10), "ben", EventKind.COMMENTED, {}, {"visibility": "public"})
    h.events.insert(4, second)
    h.events = [dataclasses.replace(e, seq=i + 1) for i, e in enumerate(h.events)]
    assert "fcr" not in cell(h.contribution(), "all", "all", "2025-03-03")


def test_reopen_counts_once_for_resolution_and_undoes_first_contact() -> None:
    before = simple().contribution()
    h = simple().status(at(4, 9), "resolved", "in_progress", "alice").status(at(4, 10), "in_progress", "resolved")
    after = h.contribution()
    row = cell(after, "all", "all", "2025-03-03")
    assert row["res_n"] == 1 and row["reopened"] == 1 and "fcr" not in row
    assert "res_n" not in cell(after, "all", "all", "2025-03-04")
    delta = diff(before, after)
    assert delta[(DAILY, "all", "all", "2025-03-03")]["fcr"] == -1
    assert delta[(DAILY, "all", "all", "2025-03-03")]["reopened"] == 1
    # backlog: in and out on the 3rd, back in and out on the 4th: nothing left to store
    assert (BACKLOG, "priority", "P3", "2025-03-03") not in after
    h.status(at(4, 11), "resolved", "in_progress", "alice")
    assert h.contribution()[(BACKLOG, "priority", "P3", "2025-03-03")] == {"d.2025-03-04": 1}


def test_pause_hides_a_breach_only_with_pauses() -> None:
    # P2: 4 h to resolve. Waiting on the requester for 5 working hours, then resolved.
    h = History(at(3, 9), priority="P2").assign(at(3, 9), None, "ben").status(at(3, 9), "new", "assigned", "desk")
    h.reply(at(3, 9, 10)).status(at(3, 9, 30), "assigned", "waiting_on_requester")
    h.status(at(3, 14, 30), "waiting_on_requester", "in_progress", "alice").status(at(3, 15), "in_progress", "resolved")
    c = h.contribution()
    rows = sla_rows("all", sum_cells([("all", cell(c, "all", "all", "2025-03-03"))])["all"])
    resolution = next(r for r in rows if r["clock"] == "resolution")
    assert resolution["met"] == 1 and resolution["compliance"] == 1.0
    assert resolution["breached_without_pauses"] == 1 and resolution["compliance_without_pauses"] == 0.0
    # paused 5 h of a 4 h target: over the governance share
    assert resolution["long_paused"] == 1


def test_priority_change_moves_the_ticket_to_the_new_priority_from_then_on() -> None:
    h = History(at(3, 9), priority="P3").assign(at(3, 9), None, "ben").status(at(3, 9), "new", "assigned", "desk")
    h.add(at(3, 9, 5), "ben", EventKind.PRIORITY_CHANGED, {"priority": "P3"}, {"priority": "P2"})
    h.reply(at(3, 9, 30)).status(at(3, 15), "assigned", "resolved")
    c = h.contribution()
    assert cell(c, "priority", "P3", "2025-03-03")["opened"] == 1
    assert cell(c, "priority", "P2", "2025-03-03")["res_n"] == 1
    # under P2 the 4 h resolution target was breached at 13:05 (6 h elapsed)
    assert cell(c, "priority", "P2", "2025-03-03")["sla.resolution.breached"] == 1
    assert cell(c, "all", "all", "2025-03-03")["tier_breach.l1"] == 4 * 3600


def test_backlog_by_age_band_at_the_end_of_a_period() -> None:
    open_ticket = History(at(3, 9)).contribution()
    cells = [(key, day, values) for (family, dim, key, day), values in open_ticket.items()
             if family == BACKLOG and dim == "priority"]
    assert backlog_at(cells, date(2025, 3, 3))["P3"]["<1d"] == 1
    assert backlog_at(cells, date(2025, 3, 5))["P3"]["1-3d"] == 1
    assert backlog_at(cells, date(2025, 4, 30))["P3"][">30d"] == 1
    assert backlog_at(cells, date(2025, 3, 2)) == {}
    closed = simple().contribution()
    cells = [(key, day, values) for (family, dim, key, day), values in closed.items() if family == BACKLOG]
    assert backlog_at(cells, date(2025, 3, 3)) == {}


def test_changes_outcomes_emergency_share_and_caused_incidents() -> None:
    h = History(at(3, 9), type="change_request")
    h.add(at(3, 9), "dora", EventKind.CHANGE_PLANNED, {}, {"model": "emergency", "template": None})
    h.add(at(3, 10), "dora", EventKind.LINKED, {}, {"kind": "caused", "target": "INC-000009"})
    h.add(at(3, 12), "dora", EventKind.CHANGE_PLANNED, {}, {"outcome": "failed"})
    values = cell(h.contribution(), "model", "emergency", "2025-03-03")
    row = measure_row("emergency", values)
    assert row["changes"] == {"count": 1, "outcomes": {"failed": 1}, "success_rate": 0.0,
                              "caused_incidents": 1, "emergency_share": 1.0}
    assert "resp_n" not in values


def test_problems_opened_root_cause_resolved_and_incidents_per_problem() -> None:
    h = History(at(3, 9), type="problem")
    h.add(at(3, 9), "ann", EventKind.LINKED, {}, {"kind": "incidents", "target": "INC-000001"})
    h.add(at(3, 9), "ann", EventKind.LINKED, {}, {"kind": "incidents", "target": "INC-000002"})
    h.add(at(4, 9), "ann", EventKind.PROBLEM_RECORDED, {}, {"root_causes": [{"description": "x"}]})
    h.status(at(5, 9), "known_error", "resolved", "ann")
    c = h.contribution()
    assert measure_row("all", cell(c, "all", "all", "2025-03-03"))["problems"]["incidents_per_problem"] == 2.0
    assert cell(c, "all", "all", "2025-03-04") == {"prb_root_cause": 1}
    assert cell(c, "all", "all", "2025-03-05")["prb_resolved"] == 1


def test_merge_of_contributions_equals_applying_their_differences() -> None:
    a, b = simple().contribution(), History(at(3, 9)).contribution()
    rebuilt: dict[Any, dict[str, int]] = {}
    merge(rebuilt, a)
    merge(rebuilt, b)
    streamed: dict[Any, dict[str, int]] = {}
    merge(streamed, diff({}, b))
    merge(streamed, diff({}, simple().contribution()))
    assert rebuilt == streamed


def test_histogram_percentiles_within_one_percent() -> None:
    values = [float(v) for v in (1, 5, 59, 60, 61, 3600, 7200, 86400, 90000, 1_000_000)]
    counts: dict[int, int] = {}
    for v in values:
        counts[bucket_of(v)] = counts.get(bucket_of(v), 0) + 1
    for q in (0.5, 0.9, 0.1, 1.0):
        exact = exact_quantile(values, q)
        approx = quantile_of(counts, q)
        assert exact is not None and approx is not None
        assert abs(approx - exact) <= 0.01 * exact + 1e-9
    assert quantile_of({}, 0.5) is None and bucket_of(0.4) == 0 and value_of(0) == 0.0
    assert GAMMA > 1 and bucket_of(value_of(500)) == 500


def test_a_ticket_without_an_opened_event_contributes_nothing() -> None:
    event = TicketEvent("X", 1, at(3, 9), "a", EventKind.COMMENTED, {}, {})
    assert ticket_contribution(MeasureInputs([event], UTC_ZONE)) == {}
