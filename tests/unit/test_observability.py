"""The lazy Tracer: built only where traces are recorded."""

from __future__ import annotations

import pytest

from chalicelib.observability import LazyTracer


def test_a_traced_function_runs_without_building_the_tracer_when_tracing_is_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    lazy = LazyTracer()

    @lazy.capture_method
    def double(value: int) -> int:
        return 2 * value

    assert double(21) == 42
    lazy.warm_up()
    assert lazy.enabled is False
    assert lazy._tracer is None  # the X-Ray SDK was never loaded for it


def test_tracing_on_is_decided_by_powertools_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)
    monkeypatch.delenv("AWS_CHALICE_CLI_MODE", raising=False)
    assert LazyTracer().enabled is True
