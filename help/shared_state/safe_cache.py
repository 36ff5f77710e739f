"""The shared cache, fail-safe: every failure of the backend is a miss, logged once.

Redis (or whichever Django cache ``HELP["CACHE_ALIAS"]`` names) is an accelerator, never a
dependency: when it fails, every operation here answers "nothing cached" at once, logs the
cause once per interval, and callers go on without it. Only the backend's own errors
(connection, timeout, Redis errors) count as an outage; a programming error still raises.

On django-redis, counters and compare-and-delete are done in Redis itself, with commands
that Redis 6.2 has (no ``EXPIRE ... NX``, which needs 7.0).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import caches
from django.core.cache.backends.base import BaseCache

from help.conf import help_settings

logger = logging.getLogger(__name__)

# After a failure, the cache is left alone this long, so a dead Redis costs nothing per request.
RETRY_AFTER_FAILURE = 5.0

# Delete KEYS[1] only while it still holds ARGV[1]: a lock is released by its owner alone.
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

T = TypeVar("T")


def _cache_errors() -> tuple[type[Exception], ...]:
    """What a cache backend raises when its server is down, slow or refusing."""
    errors: list[type[Exception]] = [OSError]  # sockets, timeouts (TimeoutError included)
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:  # pragma: no cover - redis-py is optional
        pass
    try:
        from django_redis.exceptions import ConnectionInterrupted

        errors.append(ConnectionInterrupted)
    except ImportError:  # pragma: no cover - django-redis is optional
        pass
    return tuple(errors)


CACHE_ERRORS = _cache_errors()


class SafeCache:
    """Django's cache with every outage turned into a miss (``default``) and logged once."""

    def __init__(self) -> None:
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def backend(self) -> BaseCache:
        return caches[help_settings.CACHE_ALIAS]

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _guarded(self, operation: str, default: T, call: Callable[[], T]) -> T:
        if not self.available:
            return default
        try:
            return call()
        except CACHE_ERRORS as exc:
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
        return self._guarded("get", default, lambda: self.backend.get(key, default))

    def set(self, key: str, value: Any, timeout: float | None) -> bool:
        def store() -> bool:
            self.backend.set(key, value, timeout)
            return True

        return self._guarded("set", False, store)

    def add(self, key: str, value: Any, timeout: float | None) -> bool | None:
        """True when stored, False when the key exists, None when the cache is down."""
        return self._guarded("add", None, lambda: bool(self.backend.add(key, value, timeout)))

    def delete(self, key: str) -> None:
        self._guarded("delete", None, lambda: self.backend.delete(key))

    def delete_if(self, key: str, value: Any) -> None:
        """Delete ``key`` only while it holds ``value``, atomically on Redis."""
        self._guarded("delete", None, lambda: _delete_if(self.backend, key, value))

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        return self._guarded("get_many", {}, lambda: self.backend.get_many(keys))

    def incr(self, key: str, timeout: float | None, amount: int = 1) -> int | None:
        """Increment a counter that expires ``timeout`` seconds after its creation."""
        results = self.incr_many([(key, amount, timeout)])
        return results[0] if results else None

    def incr_many(self, increments: list[tuple[str, int, float | None]]) -> list[int]:
        """Atomic increments of (key, amount, expiry of a new key); one round trip on Redis."""
        return self._guarded("incr", [], lambda: _incr_many(self.backend, increments))

    def ping(self) -> bool:
        """A real round trip, ignoring the back-off window (used by the health endpoint)."""
        try:
            self.backend.get("help:ping")
        except CACHE_ERRORS as exc:
            self._mark_down("ping", exc)
            return False
        self.reset()
        return True

    def reset(self) -> None:
        """Forget a past outage (tests, and an operator who just fixed Redis)."""
        with self._lock:
            self._down_until = 0.0


def _redis_client(backend: BaseCache) -> Any:
    """django-redis's client when ``backend`` is django-redis, else None."""
    client = getattr(backend, "client", None)
    return client if client is not None and hasattr(client, "get_client") else None


def _incr_many(backend: BaseCache, increments: list[tuple[str, int, float | None]]) -> list[int]:
    client = _redis_client(backend)
    if client is not None:  # one MULTI: create with its expiry if missing, then add
        pipe = client.get_client(write=True).pipeline(transaction=True)
        for key, amount, timeout in increments:
            raw_key = client.make_key(key)
            if timeout:
                pipe.set(raw_key, 0, px=max(int(timeout * 1000), 1), nx=True)
            pipe.incrby(raw_key, amount)
        replies = iter(pipe.execute())
        results = []
        for _, _, timeout in increments:
            if timeout:
                next(replies)  # the SET's reply
            results.append(int(next(replies)))
        return results
    results = []
    for key, amount, timeout in increments:  # any other Django cache: add, then incr
        backend.add(key, 0, timeout)
        results.append(backend.incr(key, amount))
    return results


def _delete_if(backend: BaseCache, key: str, value: Any) -> None:
    client = _redis_client(backend)
    if client is not None:
        redis = client.get_client(write=True)
        redis.eval(_DELETE_IF_EQUAL, 1, client.make_key(key), client.encode(value))
    elif backend.get(key) == value:  # other backends have no atomic compare-and-delete
        backend.delete(key)


safe_cache = SafeCache()
