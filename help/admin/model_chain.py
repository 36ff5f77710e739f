"""The dashboard's model chain: each model's state, and its share and latency of the
answers written in the window."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from help.admin.durations import PERCENTILES, format_ms
from help.conf import ollama_models
from help.models import HelpQuery
from help.ops.probe import OllamaState
from help.shared_state import breaker

MODEL_ROWS = 5000  # latest model answers read for the chain's shares and latencies


@dataclass(frozen=True)
class ChainModel:
    """One model of the chain: its state, and the answers it wrote in the window."""

    name: str
    available: bool
    loaded: bool
    breaker: str
    answers: int
    share: float  # of the window's model answers, in %
    percentiles: tuple[str, ...]  # of its answers' total time, as PERCENTILES


def model_chain(ollama: OllamaState, since: datetime) -> list[ChainModel]:
    """Each model of the chain; its share and latency from the question log, which records
    the model that wrote each answer (a cached answer's writer is not counted again)."""
    chain = ollama_models()
    answered = HelpQuery.objects.filter(
        created_at__gte=since, source=HelpQuery.Source.MODEL, model__in=chain
    )
    times: dict[str, list[float]] = {model: [] for model in chain}
    for model, total_ms in answered.order_by("-created_at").values_list("model", "total_ms")[
        :MODEL_ROWS
    ]:
        times[model].append(total_ms)
    written = sum(len(values) for values in times.values())
    states = breaker.states(chain)
    return [
        ChainModel(
            name=model,
            available=ollama.has(model),
            loaded=ollama.is_loaded(model),
            breaker=states[model],
            answers=len(times[model]),
            share=100 * len(times[model]) / written if written else 0.0,
            percentiles=tuple(format_ms(quantile(times[model], p)) for p in PERCENTILES),
        )
        for model in chain
    ]


def quantile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank quantile, None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]
