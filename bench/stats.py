"""Latency summaries: percentiles over recorded durations."""

import math


def percentile(sorted_values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) of already sorted values, interpolating linearly."""
    if not sorted_values:
        return math.nan
    if len(sorted_values) == 1:
        return sorted_values[0]
    rank = (len(sorted_values) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def summarize(durations_s: list[float]) -> dict:
    """Return count, mean, p50, p95, p99 and max of durations given in seconds, in ms."""
    values = sorted(durations_s)
    if not values:
        return {"count": 0, "mean_ms": None, "p50_ms": None, "p95_ms": None, "p99_ms": None,
                "max_ms": None}
    return {
        "count": len(values),
        "mean_ms": 1000 * sum(values) / len(values),
        "p50_ms": 1000 * percentile(values, 50),
        "p95_ms": 1000 * percentile(values, 95),
        "p99_ms": 1000 * percentile(values, 99),
        "max_ms": 1000 * values[-1],
    }


def ratio(value: float | None, floor: float | None) -> float | None:
    """Return value / floor, or None when either is missing or the floor is zero."""
    if value is None or floor is None or floor == 0 or math.isnan(value) or math.isnan(floor):
        return None
    return value / floor
