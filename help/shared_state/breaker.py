"""A circuit breaker per model whose state lives in the shared cache.

Every process sees the same state: after ``BREAKER_FAILURES`` failures in a row a model is
skipped for ``BREAKER_RESET`` seconds (the next model of the chain answers, or the
fallback, at once), then one request, the probe, is let through; its success closes the
breaker again. ``model`` defaults to the first model of the chain.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from help.conf import help_settings, ollama_models
from help.shared_state.safe_cache import safe_cache

PREFIX = "help:breaker"
FAILURES, OPEN_UNTIL, PROBE = "failures", "open-until", "probe"

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


def key(model: str | None, name: str) -> str:
    return f"{PREFIX}:{model or ollama_models()[0]}:{name}"


def state(model: str | None = None) -> str:
    open_until = safe_cache.get(key(model, OPEN_UNTIL))
    if open_until is None:
        return CLOSED
    return OPEN if time.time() < open_until else HALF_OPEN


def states(models: Iterable[str]) -> dict[str, str]:
    """Each model's state, in one read of the shared cache."""
    models = list(models)
    found = safe_cache.get_many([key(model, OPEN_UNTIL) for model in models])
    now = time.time()
    result = {}
    for model in models:
        open_until = found.get(key(model, OPEN_UNTIL))
        result[model] = CLOSED if open_until is None else OPEN if now < open_until else HALF_OPEN
    return result


def allow_request(model: str | None = None) -> bool:
    """True when the model may be called now (closed, or this request is the probe)."""
    current = state(model)
    if current == CLOSED:
        return True
    if current == OPEN:
        return False
    # Half-open: exactly one caller wins the probe for the duration of a model call.
    return bool(safe_cache.add(key(model, PROBE), 1, float(help_settings.TIMEOUT)))


def release_probe(model: str | None = None) -> None:
    """The probe could not run (no room for a model call): let the next request probe."""
    safe_cache.delete(key(model, PROBE))


def record_success(model: str | None = None) -> None:
    if safe_cache.get(key(model, FAILURES)) or safe_cache.get(key(model, OPEN_UNTIL)) is not None:
        reset(model)


def record_failure(model: str | None = None) -> None:
    reset_after = float(help_settings.BREAKER_RESET)
    failures = safe_cache.incr(key(model, FAILURES), timeout=reset_after * 4) or 0
    if failures >= int(help_settings.BREAKER_FAILURES) or state(model) == HALF_OPEN:
        safe_cache.set(key(model, OPEN_UNTIL), time.time() + reset_after, timeout=reset_after * 4)
        safe_cache.delete(key(model, PROBE))


def reset(model: str | None = None) -> None:
    for name in (FAILURES, OPEN_UNTIL, PROBE):
        safe_cache.delete(key(model, name))
