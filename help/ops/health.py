"""The assistant's state: cache, Ollama, model and breaker, for /help/health and the admin.

The Ollama probe costs two HTTP calls (up to a second each when Ollama is slow), and
/help/health is open to anyone, so its result is remembered for ``HEALTH_PROBE_TTL``
seconds: however many requests come in, each process probes at most once per TTL. When
the result is stale, one caller probes and the others answer at once with the last result;
only with nothing to reuse (a new process, a changed URL or model) do they wait for that
one probe.

The memo is per process, not in the shared cache, on purpose: health must answer when
Redis is down (that is when it matters), a process-local lock is the simplest correct
"only one probes", and the bound it gives (one probe per process per TTL) is already
independent of traffic. The cache ping and the breaker (one Redis read each) stay live.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from help.conf import help_settings, ollama_models
from help.ops.probe import OllamaState, probe_ollama
from help.shared_state import breaker
from help.shared_state.safe_cache import safe_cache

HEALTH_PROBE_TTL = 5.0  # seconds a probe's result is reused


@dataclass(frozen=True)
class _Probe:
    key: tuple[str, tuple[str, ...]]  # (OLLAMA_URL, the model chain) it was taken with
    taken_at: float  # time.monotonic() when it finished
    state: OllamaState


class ProbeMemo:
    """The last Ollama probe of this process, refreshed by one caller at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # held by the one caller probing
        self._last: _Probe | None = None

    def state(self) -> OllamaState:
        key = (str(help_settings.OLLAMA_URL), ollama_models())
        last = self._reusable(key)
        if last is not None and self._fresh(last):
            return last.state
        if last is None:
            self._lock.acquire()  # nothing to reuse: wait for the probe under way, if any
        elif not self._lock.acquire(blocking=False):
            return last.state  # stale, but another caller is probing: reuse it meanwhile
        try:
            last = self._reusable(key)
            if last is not None and self._fresh(last):  # probed while this caller waited
                return last.state
            state = probe_ollama()
            self._last = _Probe(key, time.monotonic(), state)
            return state
        finally:
            self._lock.release()

    def forget(self) -> None:
        """Probe again on the next call (tests, and an operator who just fixed Ollama)."""
        self._last = None

    def _reusable(self, key: tuple[str, tuple[str, ...]]) -> _Probe | None:
        last = self._last
        return last if last is not None and last.key == key else None

    @staticmethod
    def _fresh(probe: _Probe) -> bool:
        return time.monotonic() - probe.taken_at < HEALTH_PROBE_TTL


probe_memo = ProbeMemo()


def health() -> dict[str, Any]:
    """The full report; the Ollama part may be up to ``HEALTH_PROBE_TTL`` seconds old.

    ``model``, ``model_available``, ``model_loaded`` and ``breaker`` speak of the chain's
    first model; ``models`` of each. Degraded unless every model of the chain is there with
    its breaker closed: answers still come from the model while one is, but not from the
    one the site chose first, or with nothing behind it.
    """
    chain = ollama_models()
    breakers = breaker.states(chain)
    ollama = probe_memo.state()
    models = [
        {
            "name": model,
            "available": available,
            "loaded": available and ollama.is_loaded(model),
            "breaker": breakers[model],
        }
        for model, available in ((model, ollama.has(model)) for model in chain)
    ]
    report: dict[str, Any] = {
        "status": "ok",
        "cache": "up" if safe_cache.ping() else "down",
        "ollama": "up" if ollama.up else "down",
        "model": chain[0],
        "model_available": models[0]["available"],
        "model_loaded": models[0]["loaded"],
        "breaker": breakers[chain[0]],
        "models": models,
        "error": ollama.error or ("" if ollama.available or not ollama.up else "model_missing"),
    }
    every_model = all(m["available"] and m["breaker"] == breaker.CLOSED for m in models)
    if report["cache"] != "up" or report["error"] or not every_model:
        report["status"] = "degraded"
    return report
