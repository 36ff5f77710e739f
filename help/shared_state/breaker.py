"""A circuit breaker around Ollama whose state lives in the shared cache.

Every process sees the same state: after ``BREAKER_FAILURES`` failures in a row the
model is skipped for ``BREAKER_RESET`` seconds (answers are the fallback, at once), then
one request, the probe, is let through; its success closes the breaker again.
"""

from __future__ import annotations

import time

from help.conf import help_settings
from help.shared_state.safe_cache import safe_cache

FAILURES_KEY = "help:breaker:failures"
OPEN_UNTIL_KEY = "help:breaker:open-until"
PROBE_KEY = "help:breaker:probe"

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"


def state() -> str:
    open_until = safe_cache.get(OPEN_UNTIL_KEY)
    if open_until is None:
        return CLOSED
    return OPEN if time.time() < open_until else HALF_OPEN


def allow_request() -> bool:
    """True when the model may be called now (closed, or this request is the probe)."""
    current = state()
    if current == CLOSED:
        return True
    if current == OPEN:
        return False
    # Half-open: exactly one caller wins the probe for the duration of a model call.
    return bool(safe_cache.add(PROBE_KEY, 1, float(help_settings.TIMEOUT)))


def release_probe() -> None:
    """The probe could not run (no room for a model call): let the next request probe."""
    safe_cache.delete(PROBE_KEY)


def record_success() -> None:
    if safe_cache.get(FAILURES_KEY) or safe_cache.get(OPEN_UNTIL_KEY) is not None:
        for key in (FAILURES_KEY, OPEN_UNTIL_KEY, PROBE_KEY):
            safe_cache.delete(key)


def record_failure() -> None:
    reset = float(help_settings.BREAKER_RESET)
    failures = safe_cache.incr(FAILURES_KEY, timeout=reset * 4) or 0
    if failures >= int(help_settings.BREAKER_FAILURES) or state() == HALF_OPEN:
        safe_cache.set(OPEN_UNTIL_KEY, time.time() + reset, timeout=reset * 4)
        safe_cache.delete(PROBE_KEY)


def reset() -> None:
    for key in (FAILURES_KEY, OPEN_UNTIL_KEY, PROBE_KEY):
        safe_cache.delete(key)
