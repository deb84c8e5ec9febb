"""What ``GET /health`` reports: the state of each dependency the desk needs to answer.

Each dependency has a probe (a cheap call that raises when the dependency cannot serve); the
report is reused for ``cache_seconds`` so that a burst of health checks costs one look.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Probe = Callable[[], None]


@dataclass(frozen=True)
class DependencyState:
    name: str
    ok: bool
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        out = {"state": "ok" if self.ok else "down"}
        if self.detail:
            out["detail"] = self.detail
        return out


@dataclass(frozen=True)
class HealthReport:
    dependencies: tuple[DependencyState, ...]

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.dependencies)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "unavailable",
            "dependencies": {d.name: d.to_dict() for d in self.dependencies},
        }


def _why(error: Exception) -> str:
    reason = getattr(error, "reason", None)
    return str(reason) if reason else type(error).__name__


class HealthCheck:
    """Runs every probe at most once per ``cache_seconds`` (by ``monotonic``)."""

    def __init__(
        self,
        probes: Mapping[str, Probe],
        *,
        cache_seconds: float,
        explain: Callable[[Exception], str] = _why,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.probes = dict(probes)
        self.cache_seconds = cache_seconds
        self.explain = explain
        self.monotonic = monotonic
        self._last: tuple[float, HealthReport] | None = None

    def report(self) -> HealthReport:
        now = self.monotonic()
        if self._last is not None and now - self._last[0] < self.cache_seconds:
            return self._last[1]
        states = []
        for name, probe in self.probes.items():
            try:
                probe()
            except Exception as error:  # a probe's every failure is that dependency's state
                states.append(DependencyState(name, False, self.explain(error)))
            else:
                states.append(DependencyState(name, True))
        report = HealthReport(tuple(states))
        self._last = (now, report)
        return report
