"""The admin dashboard's figures, for one time window.

Traffic comes from the shared metrics in the cache (every process's answers), the coverage
gaps and unhelpful answers from the log in the database, the model's state from Ollama
itself. Redis or Ollama being down is a figure too: it never raises.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict

from django.db.models import Count, Max, Q
from django.utils import timezone

from help.models import HelpFeedback, HelpQuery
from help.ops.probe import OllamaState, probe_ollama
from help.search.index import MIN_SCORE
from help.shared_state import breaker, metrics
from help.shared_state.safe_cache import safe_cache

WINDOWS = {"1h": 3600, "24h": 24 * 3600, "7d": 7 * 24 * 3600}
DEFAULT_WINDOW = "24h"
LIST_LIMIT = 20
PERCENTILES = (0.5, 0.95, 0.99)


@dataclass(frozen=True)
class Latency:
    source: str  # "" for every source together
    requests: int
    percentiles: tuple[str, ...]


@dataclass(frozen=True)
class Traffic:
    window: metrics.Window
    buckets: list[tuple[int, metrics.Window]]
    latencies: list[Latency]
    errors: list[tuple[str, int]]

    @property
    def cache_hit_percent(self) -> float:
        return self.window.cache_hit_rate * 100

    @property
    def fallback_percent(self) -> float:
        return self.window.fallback_rate * 100


class CoverageGap(TypedDict):
    question: str
    lang: str
    times: int
    best: float  # the best article score among the non-cached answers
    last_path: str


@dataclass(frozen=True)
class Figures:
    window: str
    since: datetime
    cache_up: bool
    traffic: Traffic | None  # None when the cache holding the metrics is down
    breaker: str
    ollama: OllamaState
    gaps: list[CoverageGap]
    unhelpful: list[HelpFeedback]
    feedback_count: int
    unhelpful_count: int


def window_name(value: str | None) -> str:
    return value if value in WINDOWS else DEFAULT_WINDOW


def figures(window: str) -> Figures:
    seconds = WINDOWS[window]
    since = timezone.now() - timedelta(seconds=seconds)
    cache_up = safe_cache.ping()
    feedback = HelpFeedback.objects.filter(created_at__gte=since)
    return Figures(
        window=window,
        since=since,
        cache_up=cache_up,
        traffic=traffic(seconds) if cache_up else None,
        breaker=breaker.state(),
        ollama=probe_ollama(),
        gaps=coverage_gaps(since),
        unhelpful=list(
            feedback.filter(helpful=False)
            .select_related("query")
            .order_by("-created_at")[:LIST_LIMIT]
        ),
        feedback_count=feedback.count(),
        unhelpful_count=feedback.filter(helpful=False).count(),
    )


def traffic(seconds: int) -> Traffic:
    window, buckets = metrics.read_window(seconds)
    latencies = [
        Latency(
            source,
            window.total if source == "" else window.requests[source],
            tuple(format_ms(window.percentile(source or None, p)) for p in PERCENTILES),
        )
        for source in ("", *metrics.SOURCES)
    ]
    return Traffic(window, buckets, latencies, window.errors.most_common())


def format_ms(value: float | None) -> str:
    """A percentile read from the histogram: the upper bound of its bucket."""
    if value is None:
        return "–"
    if math.isinf(value):
        return f"> {metrics.BUCKETS_MS[-1] // 1000} s"
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:g} s"


def coverage_gaps(since: datetime) -> list[CoverageGap]:
    """Frequent questions whose best article scored under MIN_SCORE.

    Cache hits skip retrieval (their score is 0), so the best score is taken over the others;
    a question answered only from the cache in the window has no score and is left out.
    """
    scored = ~Q(source=HelpQuery.Source.CACHE)
    return list(
        HelpQuery.objects.filter(created_at__gte=since)
        .values("question", "lang")
        .annotate(
            times=Count("id"),
            best=Max("top_score", filter=scored),
            last_path=Max("path"),
        )
        .filter(best__lt=MIN_SCORE)
        .order_by("-times", "question")[:LIST_LIMIT]
    )
