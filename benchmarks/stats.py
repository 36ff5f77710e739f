"""Summaries of timings: percentiles (linear interpolation), means, ratios; seconds in, ms out."""

from __future__ import annotations

import math
import statistics


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1) if not math.isnan(seconds) else math.nan


def summary(values: list[float], *quantiles: int) -> dict[str, float]:
    """n, mean and the given percentiles (default 50, 95) and max, in milliseconds."""
    if not values:
        return {"n": 0}
    result: dict[str, float] = {"n": len(values), "mean": ms(statistics.fmean(values))}
    for q in quantiles or (50, 95):
        result[f"p{q}"] = ms(percentile(values, q))
    result["max"] = ms(max(values))
    return result


def ratio(after: float | None, before: float | None) -> float | None:
    if after is None or before is None or before == 0 or math.isnan(after) or math.isnan(before):
        return None
    return round(after / before, 3)
