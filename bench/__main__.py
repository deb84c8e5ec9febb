"""``make bench``: prints every figure the desk measures (never asserted in tests)."""

from __future__ import annotations

import importlib
import sys
import time
from typing import Any

MODULES = [
    "bench.bench_api",
    "bench.bench_cold",
    "bench.bench_calendar",
    "bench.bench_sla",
    "bench.bench_classifier",
    "bench.bench_sweep",
    "bench.bench_changes",
    "bench.bench_problems",
    "bench.bench_reports",
    "bench.bench_package",
    "bench.bench_pages",
    "bench.bench_admin",
    "bench.bench_console",
    "bench.bench_cost",
    "bench.bench_inbound",
    "bench.bench_mail",
]


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:14.3f}"
    return f"{value!s:>14}"


def main(names: list[str]) -> int:
    chosen = [m for m in MODULES if not names or any(n in m for n in names)]
    for name in chosen:
        module = importlib.import_module(name)
        started = time.perf_counter()
        figures = module.run()
        print(f"== {name.split('.')[-1]} ({time.perf_counter() - started:.1f}s)")
        for key, value in figures.items():
            print(f"  {key:52s}{_show(value)}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
