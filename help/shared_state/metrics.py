"""Counters and latency histograms in the shared cache, correct across processes.

Each answer increments integer counters (atomic INCR on Redis) in three series: per
minute (kept 25 hours), per hour (kept 8 days), and all-time totals for Prometheus.
Latencies go into fixed histogram buckets, so percentiles of any window are sums of
bucket counts: nothing per-process, nothing lost when several processes write.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from help.conf import ollama_models
from help.shared_state.safe_cache import safe_cache

# Upper bounds of the latency buckets, in milliseconds (the last one is +Inf).
BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2000, 3000, 5000, 8000, 13000, 20000, 30000)
SOURCES = ("cache", "model", "fallback")
MATCHES = ("exact", "similar", "curated")  # which cache level served a "cache" answer
MINUTE, HOUR = 60, 3600
SERIES = {"m": (MINUTE, 25 * HOUR), "h": (HOUR, 8 * 24 * HOUR)}
PREFIX = "help:metrics"


def bucket_index(total_ms: float) -> int:
    for index, bound in enumerate(BUCKETS_MS):
        if total_ms <= bound:
            return index
    return len(BUCKETS_MS)


def _fields(source: str, total_ms: float, error_kind: str, match: str, model: str) -> list[str]:
    fields = [f"req:{source}", f"lat:{source}:{bucket_index(total_ms)}"]
    if error_kind:
        fields.append(f"err:{error_kind}")
    if match:
        fields.append(f"hit:{match}")
    if source == "model" and model:
        fields.append(f"mod:{model}")
    return fields


@dataclass(frozen=True)
class Answered:
    """One answer as the metrics count it; ``model`` is the model of the chain that wrote a
    "model" answer, ``at`` when it was given (a Unix time)."""

    source: str
    total_ms: float
    error_kind: str = ""
    match: str = ""
    model: str = ""
    at: float = field(default_factory=time.time)


def record_answers(answers: Iterable[Answered]) -> None:
    """Count answers, in one round trip however many there are (the question log's
    writer counts a whole batch at once, off the answers' path)."""
    increments: Counter[tuple[str, float | None]] = Counter()
    for answer in answers:
        fields = _fields(
            answer.source, answer.total_ms, answer.error_kind, answer.match, answer.model
        )
        for name in fields:
            increments[(f"{PREFIX}:total:{name}", None)] += 1
        increments[(f"{PREFIX}:total:sum_ms:{answer.source}", None)] += max(
            round(answer.total_ms), 0
        )
        for series, (width, keep) in SERIES.items():
            start = int(answer.at // width) * width
            for name in fields:
                increments[(f"{PREFIX}:{series}:{start}:{name}", keep)] += 1
    if increments:
        safe_cache.incr_many(
            [(key, amount, timeout) for (key, timeout), amount in increments.items()]
        )


def record_answer(
    source: str,
    total_ms: float,
    error_kind: str,
    match: str = "",
    model: str = "",
    now: float | None = None,
) -> None:
    record_answers(
        [Answered(source, total_ms, error_kind, match, model, time.time() if now is None else now)]
    )


@dataclass
class Window:
    """Figures of a time window, summed over its buckets."""

    requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)  # cache answers by level
    models: Counter[str] = field(default_factory=Counter)  # model answers by model
    latency: dict[str, list[int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    @property
    def cache_hit_rate(self) -> float:
        return self.requests["cache"] / self.total if self.total else 0.0

    @property
    def fallback_rate(self) -> float:
        return self.requests["fallback"] / self.total if self.total else 0.0

    def percentile(self, source: str | None, fraction: float) -> float | None:
        """The bucket bound under which ``fraction`` of the answers fell (None if none)."""
        counts = [0] * (len(BUCKETS_MS) + 1)
        for name, buckets in self.latency.items():
            if source is None or name == source:
                counts = [a + b for a, b in zip(counts, buckets, strict=True)]
        total = sum(counts)
        if not total:
            return None
        running = 0
        for index, count in enumerate(counts):
            running += count
            if running >= fraction * total:
                return float(BUCKETS_MS[index]) if index < len(BUCKETS_MS) else float("inf")
        return float("inf")


def _keys_for(prefix: str) -> dict[str, str]:
    names = {f"req:{source}" for source in SOURCES} | {f"hit:{match}" for match in MATCHES}
    names |= {f"mod:{model}" for model in ollama_models()}
    names |= {f"lat:{s}:{i}" for s in SOURCES for i in range(len(BUCKETS_MS) + 1)}
    return {f"{prefix}:{name}": name for name in names}


def read_window(seconds: int, now: float | None = None) -> tuple[Window, list[tuple[int, Window]]]:
    """The window's totals and its buckets (oldest first), from minute or hour buckets."""
    now = time.time() if now is None else now
    series, width = ("m", MINUTE) if seconds <= 6 * HOUR else ("h", HOUR)
    last = int(now // width) * width
    starts = list(range(last - seconds + width, last + width, width))
    total, buckets = Window(), []
    for start in starts:
        window = _read_bucket(f"{PREFIX}:{series}:{start}")
        buckets.append((start, window))
        total.requests.update(window.requests)
        total.errors.update(window.errors)
        total.hits.update(window.hits)
        total.models.update(window.models)
        for source, counts in window.latency.items():
            previous = total.latency.get(source, [0] * len(counts))
            total.latency[source] = [a + b for a, b in zip(previous, counts, strict=True)]
    return total, buckets


def _read_bucket(prefix: str, error_kinds: tuple[str, ...] = ()) -> Window:
    keys = _keys_for(prefix)
    keys |= {f"{prefix}:err:{kind}": f"err:{kind}" for kind in error_kinds or ERROR_KINDS}
    values = safe_cache.get_many(list(keys))
    window = Window()
    for key, value in values.items():
        name = keys[key]
        kind, _, rest = name.partition(":")
        if kind == "req":
            window.requests[rest] += int(value)
        elif kind == "err":
            window.errors[rest] += int(value)
        elif kind == "hit":
            window.hits[rest] += int(value)
        elif kind == "mod":
            window.models[rest] += int(value)
        else:
            source, _, index = rest.partition(":")
            counts = window.latency.setdefault(source, [0] * (len(BUCKETS_MS) + 1))
            counts[int(index)] += int(value)
    return window


def read_totals() -> tuple[Window, dict[str, int]]:
    """All-time totals, and the sum of answer times per source in ms (for Prometheus)."""
    window = _read_bucket(f"{PREFIX}:total")
    sums = safe_cache.get_many([f"{PREFIX}:total:sum_ms:{source}" for source in SOURCES])
    return window, {key.rsplit(":", 1)[1]: int(value) for key, value in sums.items()}


# Every error kind the pipeline and the client can record, so windows can be read back.
ERROR_KINDS = (
    "unreachable",
    "timeout",
    "overloaded",
    "model_missing",
    "server_error",
    "bad_response",
    "interrupted",
    "empty_answer",
    "breaker_open",
    "busy",
    "stalled",
    "leader_lost",
    "client_gone",
    "internal",
    "slow_start",
)
