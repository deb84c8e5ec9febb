"""Mergeable histograms of durations: percentiles from daily rollups without the tickets. Pure.

A duration of ``v`` seconds falls in bucket ``i = ceil(log_g(v))`` with ``g = (1 + a) / (1 - a)``
and ``a = RELATIVE_ACCURACY`` (values under one second share bucket 0). Bucket ``i`` holds the
values in ``(g^(i-1), g^i]`` and is read back as ``2 g^i / (g + 1)``, which lies within ``a`` of
every value in it (the scheme of DDSketch, Masson et al., VLDB 2019). Histograms are plain
``{bucket: count}`` maps, so two days (or two dimensions' cells) merge by adding their counts,
and a ticket's contribution is taken back by subtracting it.

How exact: the rank of a percentile is exact (the nearest rank, ``ceil(q * n)``, over the whole
period), and the value returned is within 1% of the true value of that rank, whatever the
number of tickets; the mean is exact (a sum of whole seconds over a count).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

RELATIVE_ACCURACY = 0.01
GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_LOG_GAMMA = math.log(GAMMA)


def bucket_of(seconds: float) -> int:
    """The bucket holding a duration of ``seconds`` (0 for anything under one second)."""
    if seconds < 1:
        return 0
    return max(1, math.ceil(math.log(seconds) / _LOG_GAMMA - 1e-9))


def value_of(bucket: int) -> float:
    """The value a bucket stands for: within ``RELATIVE_ACCURACY`` of every value in it."""
    if bucket <= 0:
        return 0.0
    return 2 * GAMMA**bucket / (GAMMA + 1)


def nearest_rank(quantile: float, count: int) -> int:
    """The 1-based rank of ``quantile`` among ``count`` values (nearest-rank definition)."""
    return max(1, math.ceil(quantile * count - 1e-9))


def quantile_of(counts: Mapping[int, int], quantile: float) -> float | None:
    """The ``quantile`` (0..1] of a histogram, or None when it is empty."""
    total = sum(n for n in counts.values() if n > 0)
    if total == 0:
        return None
    rank = nearest_rank(quantile, total)
    seen = 0
    for bucket in sorted(counts):
        if counts[bucket] <= 0:
            continue
        seen += counts[bucket]
        if seen >= rank:
            return value_of(bucket)
    return value_of(max(counts))  # pragma: no cover - rank never exceeds the total


def exact_quantile(values: list[float], quantile: float) -> float | None:
    """The same percentile read off the values themselves (what the histogram approximates)."""
    if not values:
        return None
    return sorted(values)[nearest_rank(quantile, len(values)) - 1]
