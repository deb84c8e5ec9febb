"""The sweep reports how long the oldest due deadline waited, and emits it for its alarm."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib.observability import record_sweep_lag
from tests.integration.test_sweep import clock, new_sweep, open_tickets  # noqa: F401 (the clock fixture)
from tests.unit.fakes import FakeClock


def test_the_sweep_reports_the_age_of_the_oldest_due_deadline(clock: FakeClock) -> None:  # noqa: F811
    open_tickets(2)
    assert new_sweep().run().lag_seconds == 0.0  # nothing due yet
    clock.advance(hours=3, minutes=5)  # the 75% warning (12:00 Chicago) is 5 minutes past
    report = new_sweep().run()
    assert report.due == 2
    assert report.lag_seconds == timedelta(minutes=5).total_seconds()


def test_the_lag_is_emitted_as_an_emf_metric(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    record_sweep_lag(42.0)
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["SweepLagSeconds"] in (42.0, [42.0]) and line["service"] == "service-desk"
    assert line["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "ServiceDesk"
