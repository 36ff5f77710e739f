"""The shared cache, fail-safe: every failure of the backend is a miss, logged once.

Redis (or whichever Django cache ``HELP["CACHE_ALIAS"]`` names) is an accelerator, never a
dependency: when it fails, every operation here answers "nothing cached" at once, logs the
cause once per interval, and callers go on without it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from help.conf import help_settings

logger = logging.getLogger(__name__)

# After a failure, the cache is left alone this long, so a dead Redis costs nothing per request.
RETRY_AFTER_FAILURE = 5.0


class SafeCache:
    """Django's cache with every failure turned into a miss (``default``) and logged once."""

    def __init__(self) -> None:
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def backend(self) -> BaseCache:
        return caches[help_settings.CACHE_ALIAS]

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _call(self, operation: str, default: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.available:
            return default
        try:
            return getattr(self.backend, operation)(*args, **kwargs)
        except Exception as exc:  # any backend error is an outage for our purposes
            self._mark_down(operation, exc)
            return default

    def _mark_down(self, operation: str, exc: Exception) -> None:
        with self._lock:
            first = self.available
            self._down_until = time.monotonic() + RETRY_AFTER_FAILURE
        if first:
            logger.warning(
                "help: cache unavailable (%s failed: %s); answering without it for %.0f s",
                operation,
                exc,
                RETRY_AFTER_FAILURE,
            )

    def get(self, key: str, default: Any = None) -> Any:
        return self._call("get", default, key, default)

    def set(self, key: str, value: Any, timeout: float | None) -> bool:
        return self._call("set", False, key, value, timeout) is not False

    def add(self, key: str, value: Any, timeout: float | None) -> bool | None:
        """True when stored, False when the key exists, None when the cache is down."""
        stored: bool | None = self._call("add", None, key, value, timeout)
        return stored

    def delete(self, key: str) -> None:
        self._call("delete", None, key)

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = self._call("get_many", {}, keys)
        return found

    def incr(self, key: str, timeout: float | None, amount: int = 1) -> int | None:
        """Increment a counter that expires ``timeout`` seconds after its creation."""
        results = self.incr_many([(key, amount, timeout)])
        return results[0] if results else None

    def incr_many(self, increments: list[tuple[str, int, float | None]]) -> list[int]:
        """Atomic increments of (key, amount, expiry of a new key); one round trip on Redis."""
        if not self.available:
            return []
        try:
            return _incr_many(self.backend, increments)
        except Exception as exc:
            self._mark_down("incr", exc)
            return []

    def ping(self) -> bool:
        """A real round trip, ignoring the back-off window (used by the health endpoint)."""
        try:
            self.backend.get("help:ping")
        except Exception as exc:
            self._mark_down("ping", exc)
            return False
        with self._lock:
            self._down_until = 0.0
        return True

    def reset(self) -> None:
        """Forget a past outage (tests, and an operator who just fixed Redis)."""
        with self._lock:
            self._down_until = 0.0


def _incr_many(backend: BaseCache, increments: list[tuple[str, int, float | None]]) -> list[int]:
    client = getattr(backend, "client", None)
    if client is not None and hasattr(client, "get_client"):  # django-redis: one pipeline
        pipe = client.get_client(write=True).pipeline(transaction=False)
        for key, amount, timeout in increments:
            raw_key = client.make_key(key)
            pipe.incrby(raw_key, amount)
            if timeout:
                pipe.pexpire(raw_key, max(int(timeout * 1000), 1), nx=True)
        replies = iter(pipe.execute())
        results = []
        for _, _, timeout in increments:
            results.append(int(next(replies)))
            if timeout:
                next(replies)  # the EXPIRE's reply
        return results
    results = []
    for key, amount, timeout in increments:  # any other Django cache: add, then incr
        backend.add(key, 0, timeout)
        results.append(backend.incr(key, amount))
    return results


safe_cache = SafeCache()
