"""Report rows from summed rollup cells: the shapes of ``GET /reports/measures`` and
``GET /reports/sla``. Pure; the measures themselves are defined in
:mod:`chalicelib.domain.measures`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from chalicelib.domain.histogram import quantile_of
from chalicelib.domain.satisfaction import RATING_MAX, RATING_MIN

#: Backlog age bands: (name, first age in whole days, first age past the band).
AGE_BANDS = (("<1d", 0, 1), ("1-3d", 1, 3), ("3-7d", 3, 7), ("7-30d", 7, 30), (">30d", 30, 10**9))
CLOCKS = ("first_response", "resolution", "next_update")


def sum_cells(cells: Iterable[tuple[str, Mapping[str, int]]]) -> dict[str, dict[str, int]]:
    """``(key, counters)`` pairs (one per day) summed per key."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for key, values in cells:
        for name, value in values.items():
            totals[key][name] += int(value)
    return {key: dict(values) for key, values in totals.items()}


def _rate(part: int, whole: int) -> float | None:
    return None if whole <= 0 else round(part / whole, 4)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _histogram(values: Mapping[str, int], prefix: str) -> dict[int, int]:
    return {int(name[len(prefix):]): n for name, n in values.items() if name.startswith(prefix) and n > 0}


def duration_summary(values: Mapping[str, int], prefix: str) -> dict[str, Any]:
    """Median, 90th percentile and mean, elapsed and business, of one duration measure."""
    count = values.get(f"{prefix}_n", 0)
    bcount = values.get(f"{prefix}_bn", 0)
    elapsed = _histogram(values, f"{prefix}_h.")
    business = _histogram(values, f"{prefix}_bh.")
    return {
        "count": count,
        "median_s": _round(quantile_of(elapsed, 0.5)),
        "p90_s": _round(quantile_of(elapsed, 0.9)),
        "mean_s": _round(values.get(f"{prefix}_s", 0) / count) if count else None,
        "business_median_s": _round(quantile_of(business, 0.5)),
        "business_p90_s": _round(quantile_of(business, 0.9)),
        "business_mean_s": _round(values.get(f"{prefix}_bs", 0) / bcount) if bcount else None,
    }


def _named(values: Mapping[str, int], prefix: str) -> dict[str, int]:
    return {name[len(prefix):]: n for name, n in sorted(values.items()) if name.startswith(prefix) and n}


def measure_row(key: str, values: Mapping[str, int], backlog: Mapping[str, int] | None = None) -> dict[str, Any]:
    """One row of ``GET /reports/measures``."""
    resolved = values.get("res_n", 0)
    changes = values.get("chg_n", 0)
    outcomes = _named(values, "chg.")
    problems = values.get("prb_opened", 0)
    return {
        "key": key,
        "time_to_respond": duration_summary(values, "resp"),
        "time_to_resolve": duration_summary(values, "res"),
        "fcr_rate": _rate(values.get("fcr", 0), resolved),
        "reopen_rate": _rate(values.get("reopened", 0), resolved),
        "opened": values.get("opened", 0),
        "handled": values.get("handled", 0),
        "resolved": resolved,
        "backlog": dict(backlog) if backlog is not None else None,
        "tier_time_s": _named(values, "tier."),
        "tier_time_before_breach_s": _named(values, "tier_breach."),
        "changes": {
            "count": changes,
            "outcomes": outcomes,
            "success_rate": _rate(outcomes.get("successful", 0) + outcomes.get("successful_with_issues", 0), changes),
            "caused_incidents": values.get("chg_caused", 0),
            "emergency_share": _rate(values.get("chg_emergency", 0), changes),
        },
        "corrections": {"count": values.get("corrected", 0), "fields": _named(values, "corrected.")},
        "satisfaction": satisfaction_summary(values),
        "problems": {
            "opened": problems,
            "with_root_cause": values.get("prb_root_cause", 0),
            "resolved": values.get("prb_resolved", 0),
            "known_errors_added": values.get("prb_known_error", 0),
            "incidents_per_problem": _rate(values.get("prb_incidents", 0), problems),
        },
    }


def satisfaction_summary(values: Mapping[str, int]) -> dict[str, Any]:
    """The requesters' ratings of the resolutions in the period: how many resolutions, how many
    were rated (and the share: the response rate), the mean rating and how many got each."""
    resolutions = values.get("sat_res", 0)
    rated = values.get("sat_rated", 0)
    return {
        "resolutions": resolutions,
        "rated": rated,
        "response_rate": _rate(rated, resolutions),
        "mean_rating": round(values.get("sat_sum", 0) / rated, 2) if rated else None,
        "ratings": {str(n): values.get(f"sat_r.{n}", 0) for n in range(RATING_MIN, RATING_MAX + 1)},
    }


def sla_rows(key: str, values: Mapping[str, int]) -> list[dict[str, Any]]:
    """The rows of ``GET /reports/sla`` for one key: one per clock that ended in the period."""
    rows = []
    names = sorted({name.split(".")[1] for name in values if name.startswith("sla.")},
                   key=lambda n: (CLOCKS.index(n) if n in CLOCKS else len(CLOCKS), n))
    for clock in names:
        met = values.get(f"sla.{clock}.met", 0)
        breached = values.get(f"sla.{clock}.breached", 0)
        met_np = values.get(f"sla.{clock}.met_np", 0)
        breached_np = values.get(f"sla.{clock}.breached_np", 0)
        long_paused = values.get(f"sla.{clock}.long_paused", 0)
        if not (met or breached or met_np or breached_np):
            continue
        rows.append({
            "key": key,
            "clock": clock,
            "met": met,
            "breached": breached,
            "compliance": _rate(met, met + breached),
            "met_without_pauses": met_np,
            "breached_without_pauses": breached_np,
            "compliance_without_pauses": _rate(met_np, met_np + breached_np),
            "long_paused": long_paused,
            "long_paused_share": _rate(long_paused, met + breached),
        })
    return rows


def age_band(age_days: int) -> str:
    return next(name for name, low, high in AGE_BANDS if low <= age_days < high)


def backlog_at(cells: Iterable[tuple[str, str, Mapping[str, int]]], end: date) -> dict[str, dict[str, int]]:
    """Open tickets at the end of ``end`` per key and age band, from backlog cells
    ``(key, opening day, {"d.<day>": delta})``."""
    out: dict[str, dict[str, int]] = {}
    last = end.isoformat()
    for key, open_day, values in cells:
        if open_day > last:
            continue
        count = sum(n for name, n in values.items() if name.startswith("d.") and name[2:] <= last)
        if count <= 0:
            continue
        row = out.setdefault(key, {"total": 0, **{name: 0 for name, _, _ in AGE_BANDS}})
        band = age_band(end.toordinal() - date.fromisoformat(open_day).toordinal())
        row[band] += count
        row["total"] += count
    return out


#: The columns of the CSV forms, in order (nested fields flattened with dots).
def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A row with nested objects flattened to ``a.b`` columns (for CSV)."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        column = f"{prefix}{name}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{column}."))
        else:
            out[column] = value
    return out
