"""Assignment within a group: expertise, then workload, then fairness; only agents on shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.catalog.defaults import default_agents, default_catalog, default_groups
from chalicelib.domain.catalog.documents import Agent, load_directory
from chalicelib.domain.routing import PRIORITY_WEIGHTS, choose_assignee, open_counts_of, workload_of
from chalicelib.domain.sla.calendar import BusinessCalendar
from chalicelib.domain.sla.defaults import default_calendars

#: Monday 2026-11-23 15:00 UTC is 09:00 in Chicago: office hours.
OFFICE_TIME = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
#: 02:00 in Chicago: only the 24x7 shift works.
NIGHT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def calendars() -> dict[str, BusinessCalendar]:
    return {doc["name"]: BusinessCalendar.from_dict(doc) for doc in default_calendars()}


def agent(name: str, skills: tuple[str, ...] = (), *, shift: str = "office", groups: tuple[str, ...] = ("network",),
          active: bool = True, max_open: int = 20) -> Agent:
    return Agent(name=name, display_name=name.title(), groups=groups, skills=skills, shift=shift, active=active,
                 max_open=max_open)


def test_skill_match_comes_before_workload(calendars: dict[str, BusinessCalendar]) -> None:
    decision = choose_assignee(
        "network",
        [agent("ben"), agent("ann", ("vpn", "network"))],
        service="vpn",
        tags=["network"],
        workload={"ann": 3.5, "ben": 0.0},
        calendars=calendars,
        now=OFFICE_TIME,
    )
    assert decision.assignee == "ann"
    assert decision.group == "network"
    assert decision.reason == "ann: skills vpn, network; workload 3.5; on shift"
    assert [s["agent"] for s in decision.scores] == ["ann", "ben"]
    assert decision.scores[0]["skill_score"] == 2
    assert decision.scores[1]["skill_score"] == 0


def test_then_the_lowest_workload(calendars: dict[str, BusinessCalendar]) -> None:
    decision = choose_assignee(
        "network",
        [agent("ann", ("vpn",)), agent("ben", ("vpn",)), agent("cem", ("VPN",))],
        service="vpn",
        tags=[],
        workload={"ann": 6.0, "ben": 3.5, "cem": 4.0},
        calendars=calendars,
        now=OFFICE_TIME,
    )
    assert decision.assignee == "ben"
    assert decision.reason == "ben: skills vpn; workload 3.5 (lowest); on shift"
    assert [s["rank"] for s in decision.scores] == [1, 2, 3]
    assert [s["agent"] for s in decision.scores] == ["ben", "cem", "ann"]


def test_then_the_agent_assigned_least_recently(calendars: dict[str, BusinessCalendar]) -> None:
    candidates = [agent("ann"), agent("ben"), agent("cem")]
    last = {"ann": OFFICE_TIME - timedelta(minutes=5), "ben": OFFICE_TIME - timedelta(hours=2),
            "cem": OFFICE_TIME - timedelta(minutes=30)}
    decision = choose_assignee("network", candidates, service=None, tags=[], workload={}, calendars=calendars,
                               now=OFFICE_TIME, last_assigned=last)
    assert decision.assignee == "ben"
    assert "least recently assigned" in decision.reason

    # Someone never assigned goes first.
    decision = choose_assignee("network", [*candidates, agent("dora")], service=None, tags=[], workload={},
                               calendars=calendars, now=OFFICE_TIME, last_assigned=last)
    assert decision.assignee == "dora"
    assert "least recently assigned (last: never)" in decision.reason


def test_fair_rotation_spreads_equal_tickets(calendars: dict[str, BusinessCalendar]) -> None:
    candidates = [agent("ann"), agent("ben"), agent("cem")]
    last: dict[str, datetime] = {}
    chosen = []
    for minute in range(6):
        now = OFFICE_TIME + timedelta(minutes=minute)
        decision = choose_assignee("network", candidates, service=None, tags=[], workload={}, calendars=calendars,
                                   now=now, last_assigned=last)
        assert decision.assignee is not None
        chosen.append(decision.assignee)
        last[decision.assignee] = now
    assert chosen == ["ann", "ben", "cem", "ann", "ben", "cem"]


def test_finally_the_name(calendars: dict[str, BusinessCalendar]) -> None:
    decision = choose_assignee("network", [agent("ben"), agent("ann")], service=None, tags=[], workload={},
                               calendars=calendars, now=OFFICE_TIME)
    assert decision.assignee == "ann"
    assert decision.reason == "ann: skills none matched; workload 0; on shift; tie broken by name"


def test_off_shift_agents_are_skipped(calendars: dict[str, BusinessCalendar]) -> None:
    decision = choose_assignee(
        "network",
        [agent("ann", ("vpn",)), agent("night", shift="24x7")],
        service="vpn",
        tags=[],
        workload={"night": 12.0},
        calendars=calendars,
        now=NIGHT,
    )
    assert decision.assignee == "night"
    skipped = next(s for s in decision.scores if s["agent"] == "ann")
    assert skipped["eligible"] is False
    assert skipped["excluded"] == "off shift (office)"


def test_nobody_on_shift_leaves_the_ticket_with_the_group(calendars: dict[str, BusinessCalendar]) -> None:
    decision = choose_assignee("network", [agent("ann"), agent("ben", shift="lunar")], service=None, tags=[],
                               workload={}, calendars=calendars, now=NIGHT)
    assert decision.assignee is None
    assert decision.group == "network"
    assert decision.reason == "nobody on shift in network"
    reasons = {s["agent"]: s["excluded"] for s in decision.scores}
    assert reasons == {"ann": "off shift (office)", "ben": "off shift (unknown shift calendar 'lunar')"}


def test_inactive_non_members_and_full_agents_are_skipped(calendars: dict[str, BusinessCalendar]) -> None:
    candidates = [
        agent("ann", ("vpn",), active=False),
        agent("ben", ("vpn",), groups=("database",)),
        agent("cem", ("vpn",), max_open=3),
        agent("dora"),
    ]
    decision = choose_assignee("network", candidates, service="vpn", tags=[], workload={"cem": 1.0, "dora": 9.0},
                               calendars=calendars, now=OFFICE_TIME, open_counts={"cem": 3, "dora": 7})
    assert decision.assignee == "dora"
    reasons = {s["agent"]: s["excluded"] for s in decision.scores}
    assert reasons == {"ann": "inactive", "ben": "not a member of network", "cem": "at capacity (3 of 3 open)",
                       "dora": None}


def test_without_open_counts_the_weighted_workload_stands_in(calendars: dict[str, BusinessCalendar]) -> None:
    decision = choose_assignee("network", [agent("cem", max_open=4), agent("dora")], service=None, tags=[],
                               workload={"cem": 5.0, "dora": 6.0}, calendars=calendars, now=OFFICE_TIME)
    assert decision.assignee == "dora"


def test_everyone_at_capacity_or_inactive(calendars: dict[str, BusinessCalendar]) -> None:
    full = choose_assignee("network", [agent("cem", max_open=1)], service=None, tags=[], workload={},
                           calendars=calendars, now=OFFICE_TIME, open_counts={"cem": 1})
    assert full.assignee is None
    assert full.reason == "nobody available in network: everyone on shift is at capacity"
    idle = choose_assignee("network", [agent("ann", active=False)], service=None, tags=[], workload={},
                           calendars=calendars, now=OFFICE_TIME)
    assert idle.reason == "no active agent in network"


def test_routes_with_the_default_directory(calendars: dict[str, BusinessCalendar]) -> None:
    directory = load_directory(default_catalog(), default_groups(), default_agents())
    day = choose_assignee("network", directory.agents, service="vpn", tags=["firewall"],
                          workload={"nadia": 2.0, "nils": 2.0}, calendars=calendars, now=OFFICE_TIME,
                          last_assigned={"nadia": OFFICE_TIME - timedelta(hours=1)})
    assert day.assignee == "nils"  # vpn and firewall
    night = choose_assignee("spectrograph-ops", directory.agents, service="spectrograph-pipeline", tags=[],
                            workload={}, calendars=calendars, now=NIGHT)
    assert night.assignee in {"stella", "sam"}
    assert night.to_dict()["assignee"] == night.assignee


def test_workload_weights_by_priority() -> None:
    assert PRIORITY_WEIGHTS == {"P1": 5.0, "P2": 3.0, "P3": 2.0, "P4": 1.0, "P5": 0.5}
    tickets = [("ann", "P1"), ("ann", "P5"), ("ben", "P3"), ("ben", "P4"), (None, "P1"), ("cem", "P9"), ("cem", None)]
    assert workload_of(tickets) == {"ann": 5.5, "ben": 3.0, "cem": 2.0}
    assert open_counts_of(tickets) == {"ann": 2, "ben": 2, "cem": 2}
    assert workload_of([]) == {}
