"""The metrics in Prometheus' text exposition format (version 0.0.4), written by hand."""

from __future__ import annotations

from help.conf import ollama_models
from help.shared_state import breaker, metrics
from help.shared_state.safe_cache import safe_cache

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def exposition() -> str:
    totals, sums = metrics.read_totals()
    lines = [
        "# HELP help_answers_total Questions answered, by source.",
        "# TYPE help_answers_total counter",
    ]
    lines += [
        f'help_answers_total{{source="{source}"}} {totals.requests[source]}'
        for source in metrics.SOURCES
    ]
    lines += [
        "# HELP help_cache_hits_total Answers served from the cache, by level.",
        "# TYPE help_cache_hits_total counter",
    ]
    lines += [
        f'help_cache_hits_total{{level="{level}"}} {totals.hits[level]}'
        for level in metrics.MATCHES
    ]
    lines += [
        "# HELP help_model_errors_total Answers degraded by a model or cache error, by kind.",
        "# TYPE help_model_errors_total counter",
    ]
    lines += [
        f'help_model_errors_total{{kind="{kind}"}} {count}'
        for kind, count in sorted(totals.errors.items())
    ]
    lines += [
        "# HELP help_answer_seconds Time to the complete answer, by source.",
        "# TYPE help_answer_seconds histogram",
    ]
    for source in metrics.SOURCES:
        counts = totals.latency.get(source, [0] * (len(metrics.BUCKETS_MS) + 1))
        running = 0
        for bound, count in zip((*metrics.BUCKETS_MS, None), counts, strict=True):
            running += count
            le = "+Inf" if bound is None else f"{bound / 1000:g}"
            lines.append(f'help_answer_seconds_bucket{{source="{source}",le="{le}"}} {running}')
        lines.append(f'help_answer_seconds_sum{{source="{source}"}} {sums.get(source, 0) / 1000:g}')
        lines.append(f'help_answer_seconds_count{{source="{source}"}} {running}')
    lines += [
        "# HELP help_model_answers_total Answers written by each model of the chain.",
        "# TYPE help_model_answers_total counter",
    ]
    lines += [
        f'help_model_answers_total{{model="{label(model)}"}} {totals.models[model]}'
        for model in ollama_models()
    ]
    lines += [
        "# HELP help_breaker_state Circuit breaker of each model (1 for its current state).",
        "# TYPE help_breaker_state gauge",
    ]
    for model, state in breaker.states(ollama_models()).items():
        lines += [
            f'help_breaker_state{{model="{label(model)}",state="{name}"}} {int(name == state)}'
            for name in (breaker.CLOSED, breaker.OPEN, breaker.HALF_OPEN)
        ]
    lines += [
        "# HELP help_cache_up Whether the shared cache answers.",
        "# TYPE help_cache_up gauge",
        f"help_cache_up {int(safe_cache.ping())}",
    ]
    return "\n".join(lines) + "\n"


def label(value: str) -> str:
    """A label value escaped as the exposition format wants it."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
