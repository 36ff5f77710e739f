"""How the dashboard writes durations, and which percentiles it shows."""

from __future__ import annotations

import math

from help.shared_state import metrics

PERCENTILES = (0.5, 0.95, 0.99)


def format_ms(value: float | None) -> str:
    """A percentile read from the histogram: the upper bound of its bucket."""
    if value is None:
        return "–"
    if math.isinf(value):
        return f"> {metrics.BUCKETS_MS[-1] // 1000} s"
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.3g} s"
