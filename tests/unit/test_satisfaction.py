"""Satisfaction: the rules of a rating, and its measures on hand-built event histories (rated,
unrated, reopened and rated again), the report row, the patrol's low ratings and the steering
report's lines."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.events import EventKind
from chalicelib.domain.measures import DAILY, TICKETS, diff
from chalicelib.domain.patrol import LOW_RATINGS, PatrolSettings, RatingSeen, morning_patrol
from chalicelib.domain.reports import measure_row, satisfaction_summary, sum_cells
from chalicelib.domain.satisfaction import (
    COMMENT_MAX,
    current_resolution,
    is_resolution,
    rating_problems,
    resolutions,
)
from chalicelib.domain.steering import to_csv, to_html, to_text
from tests.unit.test_measures import History, at, cell


def rate(h: History, moment: datetime, rating: int, resolution: int, comment: str | None = None) -> History:
    return h.add(moment, "alice", EventKind.RATED,
                 after={"rating": rating, "comment": comment, "resolution": resolution, "source": "portal"})


def resolved() -> History:
    """Opened Mon 3rd 09:00, assigned to ben, resolved at 11:00 (the resolution is seq 5)."""
    h = History(at(3, 9)).assign(at(3, 9), None, "ben").status(at(3, 9), "new", "assigned", "desk")
    return h.status(at(3, 11), "assigned", "resolved")


def test_a_resolution_is_a_move_from_open_to_resolved_or_straight_to_closed() -> None:
    assert is_resolution("incident", "in_progress", "resolved")
    assert is_resolution("incident", "assigned", "closed")
    assert not is_resolution("incident", "resolved", "closed")  # confirming keeps the resolution
    assert not is_resolution("incident", "new", "cancelled")
    assert not is_resolution("problem", "analysis", "resolved")


def test_current_resolution_survives_the_close_and_ends_with_a_reopen() -> None:
    h = resolved()
    assert current_resolution(h.events).seq == 5  # type: ignore[union-attr]
    h.status(at(3, 12), "resolved", "closed", "alice")
    assert current_resolution(h.events).seq == 5  # type: ignore[union-attr]
    h2 = resolved().status(at(4, 9), "resolved", "in_progress", "alice")
    assert current_resolution(h2.events) is None
    h2.status(at(4, 10), "in_progress", "resolved")
    assert current_resolution(h2.events).seq == 7  # type: ignore[union-attr]


def test_only_the_first_rating_of_a_resolution_counts() -> None:
    h = rate(rate(resolved(), at(3, 12), 4, 5, "quick"), at(3, 13), 1, 5)
    [only] = resolutions(h.events)
    assert (only.rating, only.comment, only.rated_at) == (4, "quick", at(3, 12))


@pytest.mark.parametrize(
    ("rating", "comment", "fields"),
    [
        (0, None, ["rating"]),
        (6, None, ["rating"]),
        ("4", None, ["rating"]),
        (True, None, ["rating"]),
        (3, "x" * (COMMENT_MAX + 1), ["comment"]),
        (3, "bell\x07", ["comment"]),
        (3, "half \ud83d", ["comment"]),
        (9, 5, ["rating", "comment"]),
        (5, "x" * COMMENT_MAX, []),
        (1, None, []),
    ],
    ids=["zero", "six", "text", "bool", "long-comment", "control", "surrogate", "both", "longest-comment", "lowest"],
)
def test_rating_problems_name_the_field(rating: Any, comment: Any, fields: list[str]) -> None:
    assert [p["field"] for p in rating_problems(rating, comment)] == fields


def test_an_unrated_resolution_counts_for_the_response_rate_only() -> None:
    row = cell(resolved().contribution(), "all", "all", "2025-03-03")
    assert row["sat_res"] == 1 and "sat_rated" not in row and "sat_sum" not in row


def test_a_rating_lands_on_its_resolution_day_under_the_agent_who_held_it() -> None:
    c = rate(resolved(), at(5, 8), 2, 5, "slow").contribution()
    ben = cell(c, "agent", "ben", "2025-03-03")
    assert ben["sat_res"] == 1 and ben["sat_rated"] == 1 and ben["sat_sum"] == 2 and ben["sat_r.2"] == 1
    assert "sat_rated" not in cell(c, "all", "all", "2025-03-05")
    # the patrol's and the steering report's list: on the day it was rated
    assert c[(TICKETS, "all", "all", "2025-03-05")] == {"rated.2.INC-000001": 1}


def test_a_later_rating_changes_only_the_resolution_day_cells() -> None:
    before = resolved().contribution()
    after = rate(resolved(), at(6, 9), 5, 5).contribution()
    delta = diff(before, after)
    assert delta[(DAILY, "all", "all", "2025-03-03")] == {"sat_rated": 1, "sat_sum": 5, "sat_r.5": 1}
    assert delta[(TICKETS, "all", "all", "2025-03-06")] == {"rated.5.INC-000001": 1}


def test_reopened_and_rated_again_counts_two_resolutions_and_two_ratings() -> None:
    h = rate(resolved(), at(3, 12), 1, 5, "not fixed")
    h.status(at(4, 9), "resolved", "in_progress", "alice").status(at(4, 10), "in_progress", "resolved")
    rate(h, at(4, 11), 5, 8)
    c = h.contribution()
    monday, tuesday = cell(c, "all", "all", "2025-03-03"), cell(c, "all", "all", "2025-03-04")
    assert (monday["sat_res"], monday["sat_rated"], monday["sat_sum"]) == (1, 1, 1)
    assert (tuesday["sat_res"], tuesday["sat_rated"], tuesday["sat_sum"]) == (1, 1, 5)
    # the first resolution stays the only one timed
    assert monday["res_n"] == 1 and "res_n" not in tuesday
    week = sum_cells([("all", monday), ("all", tuesday)])["all"]
    assert satisfaction_summary(week) == {
        "resolutions": 2, "rated": 2, "response_rate": 1.0, "mean_rating": 3.0,
        "ratings": {"1": 1, "2": 0, "3": 0, "4": 0, "5": 1},
    }


def test_reopened_and_not_rated_again_halves_the_response_rate() -> None:
    h = rate(resolved(), at(3, 12), 4, 5)
    h.status(at(4, 9), "resolved", "in_progress", "alice").status(at(4, 10), "in_progress", "resolved")
    c = h.contribution()
    totals = sum_cells([("all", cell(c, "all", "all", d)) for d in ("2025-03-03", "2025-03-04")])["all"]
    row = measure_row("all", totals)
    assert row["satisfaction"]["response_rate"] == 0.5 and row["satisfaction"]["mean_rating"] == 4.0


def test_a_rating_for_an_unknown_resolution_is_not_counted() -> None:
    c = rate(resolved(), at(3, 12), 1, 99).contribution()
    assert "sat_rated" not in cell(c, "all", "all", "2025-03-03")


def test_a_problem_has_no_satisfaction_but_counts_known_errors_added() -> None:
    h = History(at(3, 9), type="problem").status(at(3, 10), "new", "known_error")
    h.status(at(4, 10), "known_error", "analysis").status(at(5, 10), "analysis", "known_error")
    c = h.contribution()
    assert cell(c, "all", "all", "2025-03-03")["prb_known_error"] == 1
    assert "prb_known_error" not in cell(c, "all", "all", "2025-03-05")
    assert "sat_res" not in cell(c, "all", "all", "2025-03-03")
    assert measure_row("all", cell(c, "all", "all", "2025-03-03"))["problems"]["known_errors_added"] == 1


def _seen(number: str, rating: int, moment: datetime, comment: str | None = None) -> RatingSeen:
    return RatingSeen(number, "Printer jam", "P3", rating, comment, moment, "ben")


def test_the_patrol_lists_low_ratings_since_the_last_patrol() -> None:
    from datetime import UTC

    now = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 08:00 in Chicago
    previous = now - timedelta(days=1)
    ratings = [
        _seen("INC-000003", 1, now - timedelta(hours=2), "nobody  called\nback"),
        _seen("INC-000002", 2, now - timedelta(hours=5)),
        _seen("INC-000004", 3, now - timedelta(hours=1)),  # not low
        _seen("INC-000005", 1, previous - timedelta(hours=1)),  # before the last patrol
        _seen("INC-000006", 1, now + timedelta(hours=1)),  # after now
    ]
    digest = morning_patrol([], patrol_date=date(2026, 11, 30), previous_patrol=previous, now=now,
                            settings=PatrolSettings(), low_ratings=ratings)
    assert digest.numbers(LOW_RATINGS) == ["INC-000002", "INC-000003"]
    entry = digest.section(LOW_RATINGS).entries[1]
    assert entry.reason == "rated 1/5 at 06:00 today: \u201cnobody called back\u201d, handled by ben"
    assert "Rated 2 or less since the last patrol (2)" in digest.to_text()
    lenient = morning_patrol([], patrol_date=date(2026, 11, 30), previous_patrol=previous, now=now,
                             settings=PatrolSettings(low_rating_max=3), low_ratings=ratings)
    assert lenient.numbers(LOW_RATINGS) == ["INC-000002", "INC-000003", "INC-000004"]


def _week(name: str, rated: int) -> dict[str, Any]:
    satisfaction = satisfaction_summary({"sat_res": 4, "sat_rated": rated, "sat_sum": 3 * rated})
    return {"week": name, "opened": 1, "resolved": 1, "fcr_rate": 1.0, "reopen_rate": 0.0, "median_resolve_s": 60,
            "backlog": 0, "opened_by_process": {"incident": 1}, "sla": {"resolution": 0.5},
            "changes": {"count": 0, "success_rate": None}, "changes_by_model": {},
            "known_errors_added": 1, "problem_candidates_added": rated, "satisfaction": satisfaction}


def test_the_steering_report_shows_what_was_added_and_satisfaction_week_by_week() -> None:
    report = {
        "week": "2026-W48", "from": "2026-11-23", "to": "2026-11-29", "zone": "America/Chicago",
        "weeks": [_week(f"2026-W{n}", n - 44) for n in range(44, 49)],
        "sla_by_business_unit": [], "sla_by_service": [], "breaches": [], "reopened": [], "long_paused": [],
        "known_errors_added": ["PRB-000001 Disk: became a known error (known_error)"],
        "problem_candidates_added": ["cand-1: <b>3 alike</b> (new; incidents INC-000001)"],
        "low_ratings": ["INC-000002 Printer jam: rated 1/5"],
        "satisfaction": satisfaction_summary({"sat_res": 4, "sat_rated": 4, "sat_sum": 12}),
        "corrections": {"count": 0, "fields": {}, "tickets": []},
    }
    html = to_html(report)
    assert "Problem candidates added" in html and "&lt;b&gt;3 alike&lt;/b&gt;" in html
    assert html.count("<svg") == 4 and "<title>Known errors and problem candidates added</title>" in html
    # W48: 4 of 4 rated at 3.0 on average: 100 % and 60 (of 100)
    assert "response rate (%) 2026-W48: 100" in html and "mean rating x 20 2026-W48: 60" in html
    assert "<td>2026-W48</td><td>1</td><td>4</td><td>4</td><td>4</td><td>1.0</td><td>3.0</td>" in html
    text = to_text(report)
    assert "Known errors added 1 (previous four weeks: 1.00 a week), problem candidates added 4 " \
           "(previous four weeks: 1.50)" in text
    assert "Satisfaction: 4 of 4 resolutions rated (response rate 100 %), mean rating 3.0" in text
    assert "Low ratings (1)\n  INC-000002 Printer jam: rated 1/5" in text
    lines = to_csv(report).splitlines()
    assert lines[0].endswith("known_errors_added,problem_candidates_added,satisfaction_response_rate,"
                             "satisfaction_mean_rating")
    assert lines[1].endswith(",1,0,0.0,") and lines[5].endswith(",1,4,1.0,3.0")
