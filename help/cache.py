"""The answer cache: normalised keys, fail-safe access, and single flight per key.

Redis (or whichever Django cache ``HELP["CACHE_ALIAS"]`` names) is an accelerator, never a
dependency: when it fails, every operation here answers "nothing cached" at once, logs the
cause once per interval, and the pipeline goes on to the model.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from typing import Any

from django.core.cache import caches

from help.conf import help_settings
from help.text import fold

logger = logging.getLogger(__name__)

# After a failure, the cache is left alone this long, so a dead Redis costs nothing per request.
RETRY_AFTER_FAILURE = 5.0
ANSWER_PREFIX = "help:answer:"
FAILED_MARKER_TTL = 10


def answer_key(
    *,
    question: str,
    lang: str,
    path: str,
    hints: str,
    model: str,
    prompt_version: str,
    articles_version: str,
) -> str:
    """The cache key of design.md section 6; equal for questions that differ only in case,
    accents, punctuation or spacing."""
    parts = [
        fold(question),
        lang,
        path,
        hashlib.sha256(hints.encode()).hexdigest(),
        model,
        prompt_version,
        articles_version,
    ]
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
    return ANSWER_PREFIX + digest[:40]


class SafeCache:
    """Django's cache with every failure turned into a miss (``default``) and logged once."""

    def __init__(self) -> None:
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def backend(self) -> Any:
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
        return self._call("add", None, key, value, timeout)

    def delete(self, key: str) -> None:
        self._call("delete", None, key)

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        return self._call("get_many", {}, keys)

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


def _incr_many(backend: Any, increments: list[tuple[str, int, float | None]]) -> list[int]:
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


def get_answer(key: str) -> dict[str, Any] | None:
    if int(help_settings.CACHE_TTL) <= 0:  # 0 turns the answer cache off
        return None
    return _answer_entry(safe_cache.get(key))


def _answer_entry(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) and value.get("answer") else None


def store_answer(key: str, entry: dict[str, Any]) -> None:
    if int(help_settings.CACHE_TTL) > 0:
        safe_cache.set(key, entry, help_settings.CACHE_TTL)


def clear_answers() -> int | None:
    """Forget every cached answer; the number removed when the backend can tell.

    On django-redis only the answer keys go (a SCAN for their prefix); any other backend
    has no pattern delete, so the whole cache is cleared.
    """
    backend = safe_cache.backend
    if hasattr(backend, "delete_pattern"):
        return backend.delete_pattern(f"{ANSWER_PREFIX}*")
    backend.clear()
    return None


class Flight:
    """Single flight for one key: the leader calls the model, followers wait for its answer."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.lock_key = key + ":lock"
        self.failed_key = key + ":failed"
        self.token = uuid.uuid4().hex
        self.leader = False

    def acquire(self) -> bool:
        """Try to become the leader. With the cache down, everyone leads (no coordination)."""
        lock_ttl = float(help_settings.TIMEOUT) + 5
        acquired = safe_cache.add(self.lock_key, self.token, lock_ttl)
        self.leader = acquired is not False
        if acquired:
            safe_cache.delete(self.failed_key)  # a new attempt: forget the last failure
        return self.leader

    def release(self) -> None:
        if self.leader and safe_cache.get(self.lock_key) == self.token:
            safe_cache.delete(self.lock_key)

    def fail(self, kind: str) -> None:
        """Tell followers at once that the leader's call failed, then release."""
        safe_cache.set(self.failed_key, kind, FAILED_MARKER_TTL)
        self.release()

    def wait(self, deadline: float, interval: float = 0.05) -> tuple[dict[str, Any] | None, str]:
        """Follower: poll for the leader's answer until ``deadline`` (monotonic).

        Returns ``(entry, "")`` on success, ``(None, kind)`` when the leader failed or the
        deadline passed (``kind`` is then the leader's error kind or ``"timeout"``).
        """
        while True:
            # One round trip a poll: the answer, the leader's failure, the leader's lock.
            found = safe_cache.get_many([self.key, self.failed_key, self.lock_key])
            entry = _answer_entry(found.get(self.key))
            if entry is not None:
                return entry, ""
            failed = found.get(self.failed_key)
            if failed:
                return None, str(failed)
            # The leader is gone without an answer: take over rather than wait for nothing.
            leader_gone = self.lock_key not in found and safe_cache.available
            if leader_gone and self.acquire():
                return None, "leader_lost"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, "timeout"
            time.sleep(min(interval, remaining))
