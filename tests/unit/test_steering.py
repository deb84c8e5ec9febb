"""The steering report's pure parts: weeks, and the HTML that escapes every text."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.steering import parse_week, to_html, to_text, weeks_back


def test_iso_weeks() -> None:
    assert parse_week("2026-W48") == date(2026, 11, 23)
    assert weeks_back(date(2026, 11, 23))[0] == ("2026-W44", date(2026, 10, 26), date(2026, 11, 1))
    for bad in (None, "2026-48", "2026-W54", "26-W01", "2026-W4８"):
        with pytest.raises(ValidationFailed) as error:
            parse_week(bad)
        assert error.value.errors[0]["field"] == "week"


def _week(name: str) -> dict[str, Any]:
    return {"week": name, "opened": 1, "resolved": 1, "fcr_rate": 1.0, "reopen_rate": 0.0, "median_resolve_s": 60,
            "backlog": 0, "opened_by_process": {"<b>incident</b>": 1}, "sla": {"resolution": 0.5},
            "changes": {"count": 0, "success_rate": None}, "changes_by_model": {}}


def test_html_escapes_text_and_draws_two_charts() -> None:
    report = {
        "week": "2026-W48", "from": "2026-11-23", "to": "2026-11-29", "zone": "America/Chicago",
        "weeks": [_week(f"2026-W{n}") for n in range(44, 49)],
        "sla_by_business_unit": [], "sla_by_service": [],
        "breaches": ["INC-000001 <script>alert(1)</script>: resolution breached"], "reopened": [],
        "long_paused": [], "known_errors_added": [], "problem_candidates": [],
        "corrections": {"count": 0, "fields": {}, "tickets": []},
    }
    html = to_html(report)
    assert "<script>" not in html and "&lt;script&gt;" in html and html.count("<svg") == 2
    assert "&lt;b&gt;incident&lt;/b&gt;" in html
    assert "Breaches (1)" in to_text(report)


def test_the_text_gives_rates_as_percentages_and_a_dash_where_nothing_was_counted() -> None:
    report = {
        "week": "2026-W48", "from": "2026-11-23", "to": "2026-11-29", "zone": "America/Chicago",
        "weeks": [_week("2026-W47"), {**_week("2026-W48"), "fcr_rate": None, "sla": {}}],
        "corrections": {"count": 0, "fields": {}, "tickets": []},
    }
    text = to_text(report)
    assert "First-contact resolution -, reopen rate 0 %" in text
    assert "SLA compliance: -" in text and "success rate -" in text and "None" not in text
