"""The dashboard's chart: requests per bucket (bars) and their p95 (a line), as SVG geometry.

The template draws it; no JavaScript, no external library. The p95 axis is logarithmic:
cache hits take milliseconds and model answers seconds, and both must stay readable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from help.admin.durations import format_ms
from help.shared_state.metrics import BUCKETS_MS, Window

WIDTH, HEIGHT = 760, 230
LEFT, RIGHT, TOP, BOTTOM = 44, 56, 14, 28
LATENCY_MIN_MS, LATENCY_MAX_MS = BUCKETS_MS[0], BUCKETS_MS[-1]
LATENCY_TICKS = ((10, "10 ms"), (100, "100 ms"), (1000, "1 s"), (10000, "10 s"))


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    lines: list[str]  # SVG polyline points, one per run of buckets that had requests
    dots: list[tuple[float, float]]  # p95 of a bucket with no neighbour to draw a line to
    count_ticks: list[Tick]
    latency_ticks: list[Tick]
    time_ticks: list[Tick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def build_chart(buckets: list[tuple[int, Window]]) -> Chart:
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(buckets), 1)
    top_count = nice_ceiling(max((window.total for _, window in buckets), default=0))
    bucket_seconds = buckets[1][0] - buckets[0][0] if len(buckets) > 1 else 60

    def count_y(count: float) -> float:
        return TOP + plot_height * (1 - count / top_count)

    def latency_y(ms: float) -> float:
        ms = min(max(ms, LATENCY_MIN_MS), LATENCY_MAX_MS)
        share = math.log(ms / LATENCY_MIN_MS) / math.log(LATENCY_MAX_MS / LATENCY_MIN_MS)
        return TOP + plot_height * (1 - share)

    bars: list[Bar] = []
    runs: list[list[tuple[float, float]]] = []
    run: list[tuple[float, float]] = []
    for index, (start, window) in enumerate(buckets):
        x = LEFT + index * step
        p95 = window.percentile(None, 0.95)
        if window.total:
            y = count_y(window.total)
            title = _bar_title(start, bucket_seconds, window.total, p95)
            gap = min(step * 0.2, 2.0)
            bars.append(Bar(x + gap / 2, y, step - gap, TOP + plot_height - y, title))
        if p95 is not None:
            run.append((round(x + step / 2, 1), round(latency_y(p95), 1)))
        elif run:  # no requests in this bucket: the line breaks
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return Chart(
        bars=bars,
        lines=[" ".join(f"{x},{y}" for x, y in points) for points in runs if len(points) > 1],
        dots=[points[0] for points in runs if len(points) == 1],
        count_ticks=[
            Tick(count_y(value), formats.number_format(value if value % 1 else int(value)))
            for value in (0, top_count / 2, top_count)
        ],
        latency_ticks=[Tick(latency_y(ms), label) for ms, label in LATENCY_TICKS],
        time_ticks=_time_ticks(buckets, step, bucket_seconds),
    )


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 5 times a power of ten at or above ``value`` (at least 2)."""
    if value <= 2:
        return 2
    power: float = 10 ** math.floor(math.log10(value))  # int ** int is typed Any
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _local(start: int) -> datetime:
    return timezone.localtime(datetime.fromtimestamp(start, tz=UTC))


def _bar_title(start: int, bucket_seconds: int, count: int, p95: float | None) -> str:
    moment = dateformat.format(_local(start), "D j H:i" if bucket_seconds >= 3600 else "H:i")
    requests = ngettext("%(count)d request", "%(count)d requests", count) % {"count": count}
    return _("%(moment)s: %(requests)s, p95 %(p95)s") % {
        "moment": moment,
        "requests": requests,
        "p95": format_ms(p95),
    }


def _time_ticks(buckets: list[tuple[int, Window]], step: float, bucket_seconds: int) -> list[Tick]:
    """Round times along the x axis: every 10 minutes, every 3 hours, or every midnight."""
    span = bucket_seconds * len(buckets)
    ticks = []
    for index, (start, _window) in enumerate(buckets):
        moment = _local(start)
        if span <= 3 * 3600:
            label = dateformat.format(moment, "H:i") if moment.minute % 10 == 0 else ""
        elif span <= 2 * 24 * 3600:
            label = dateformat.format(moment, "H:i") if moment.hour % 3 == 0 else ""
        else:
            label = dateformat.format(moment, "D j") if moment.hour == 0 else ""
        if label:
            ticks.append(Tick(round(LEFT + index * step, 1), label))
    return ticks
