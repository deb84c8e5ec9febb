"""The steering report's problem candidates ADDED in the week (whatever became of them since),
counted week by week against the previous four, read from the candidates table by the instant
they were first found."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from chalicelib.domain.candidates import ACCEPTED, DISMISSED, NEW, Candidate
from tests.integration.test_reports_api import manager
from tests.unit.fakes import FakeClock


def _candidate(name: str, found_at: datetime, state: str) -> Candidate:
    return Candidate(
        id=f"printing:{name}", service="printing", incidents=(name,), shared_words=("jam",),
        first=found_at, last=found_at, score=0.8, reason=f"3 incidents on printing look alike ({name})",
        state=state, found_at=found_at,
    )


def test_candidates_added_this_week_and_the_four_before(client: Any, clock: FakeClock) -> None:
    from chalicelib.wiring import desk

    store = desk().candidate_finder.store
    utc = timezone.utc
    found = [
        ("INC-000001", datetime(2026, 11, 23, 15, 0, tzinfo=utc), NEW),  # Mon of W48
        ("INC-000002", datetime(2026, 11, 29, 23, 0, tzinfo=utc), DISMISSED),  # Sun 17:00 Chicago: W48
        ("INC-000003", datetime(2026, 11, 30, 7, 0, tzinfo=utc), NEW),  # Mon 01:00 Chicago: W49, not shown
        ("INC-000004", datetime(2026, 11, 18, 12, 0, tzinfo=utc), ACCEPTED),  # W47
        ("INC-000005", datetime(2026, 10, 20, 12, 0, tzinfo=utc), NEW),  # W43: before the five weeks
    ]
    for name, moment, state in found:
        store.put(_candidate(name, moment, state), None)

    report = client.http.get("/reports/steering?week=2026-W48", headers=manager()).json_body
    assert [w["problem_candidates_added"] for w in report["weeks"]] == [0, 0, 0, 1, 2]
    added = report["problem_candidates_added"]
    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in added] == [
        "printing:INC-000001", "printing:INC-000002",
    ]
    assert "(dismissed; incidents INC-000002)" in added[1]
    text_csv = client.http.get("/reports/steering?week=2026-W48&format=csv", headers=manager()).body.decode()
    header, *rows = text_csv.splitlines()
    column = header.split(",").index("problem_candidates_added")
    assert [row.split(",")[column] for row in rows] == ["0", "0", "0", "1", "2"]
    html = client.http.get("/reports/steering?week=2026-W48&format=html", headers=manager()).body.decode()
    assert "Problem candidates added" in html and "printing:INC-000002" in html
