"""The admin dashboard's figures, for one time window.

Traffic comes from the shared metrics in the cache (every process's answers), the coverage
gaps, unhelpful answers and tickets from the database (``help.admin.learning``), the
model's state from Ollama itself. Redis or Ollama being down is a figure too: it never
raises.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from help.admin.durations import PERCENTILES, format_ms
from help.admin.learning import (
    LIST_LIMIT,
    CoverageGap,
    Unhelpful,
    articles_by_key,
    coverage_gaps,
    unhelpful_answers,
)
from help.admin.model_chain import ChainModel, model_chain
from help.models import HelpFeedback, HelpTicket
from help.ops.probe import OllamaState, probe_ollama
from help.shared_state import breaker, metrics
from help.shared_state.safe_cache import safe_cache

WINDOWS = {"1h": 3600, "24h": 24 * 3600, "7d": 7 * 24 * 3600}
DEFAULT_WINDOW = "24h"


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
    def hit_levels(self) -> list[tuple[str, int, float]]:
        """(level, answers, share of all answers in %) for each cache level."""
        total = self.window.total
        return [
            (
                level,
                self.window.hits[level],
                100 * self.window.hits[level] / total if total else 0.0,
            )
            for level in metrics.MATCHES
        ]

    @property
    def fallback_percent(self) -> float:
        return self.window.fallback_rate * 100


@dataclass(frozen=True)
class ArticleTickets:
    """An article and the tickets opened after answers that cited it."""

    slug: str
    lang: str
    title: str  # the slug when the article is gone
    article_id: int | None
    tickets: int


@dataclass(frozen=True)
class Tickets:
    opened: int  # in the window
    waiting: int  # still new, whenever opened
    per_article: list[ArticleTickets]


@dataclass(frozen=True)
class Figures:
    window: str
    since: datetime
    cache_up: bool
    traffic: Traffic | None  # None when the cache holding the metrics is down
    breaker: str
    ollama: OllamaState
    chain: list[ChainModel]
    gaps: list[CoverageGap]
    unhelpful: list[Unhelpful]
    feedback_count: int
    unhelpful_count: int
    tickets: Tickets


def window_name(value: str | None) -> str:
    return value if value in WINDOWS else DEFAULT_WINDOW


def figures(window: str) -> Figures:
    seconds = WINDOWS[window]
    since = timezone.now() - timedelta(seconds=seconds)
    cache_up = safe_cache.ping()
    feedback = HelpFeedback.objects.filter(created_at__gte=since)
    ollama = probe_ollama()
    return Figures(
        window=window,
        since=since,
        cache_up=cache_up,
        traffic=traffic(seconds) if cache_up else None,
        breaker=breaker.state(),
        ollama=ollama,
        chain=model_chain(ollama, since),
        gaps=coverage_gaps(since),
        unhelpful=unhelpful_answers(since),
        feedback_count=feedback.count(),
        unhelpful_count=feedback.filter(helpful=False).count(),
        tickets=tickets(since),
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


def tickets(since: datetime) -> Tickets:
    """The tickets opened in the window, and for each article how many of them followed an
    answer that cited it (a ticket counts once per article its answer cited)."""
    opened = HelpTicket.objects.filter(created_at__gte=since)
    counts: Counter[tuple[str, str]] = Counter()
    cited = opened.filter(query__isnull=False).values_list("query__cited_slugs", "query__lang")
    for slugs, lang in cited:
        counts.update((slug, lang) for slug in set(slugs.split()))
    articles = articles_by_key(counts)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:LIST_LIMIT]
    per_article = [
        ArticleTickets(
            slug=slug,
            lang=lang,
            title=articles[slug, lang].title if (slug, lang) in articles else slug,
            article_id=articles[slug, lang].pk if (slug, lang) in articles else None,
            tickets=count,
        )
        for (slug, lang), count in ranked
    ]
    waiting = HelpTicket.objects.filter(status=HelpTicket.Status.NEW).count()
    return Tickets(opened=opened.count(), waiting=waiting, per_article=per_article)
