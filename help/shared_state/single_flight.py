"""Single flight per answer key: one caller (the leader) asks the model, the others wait
for its answer in the shared cache, or learn at once that it failed."""

from __future__ import annotations

import time
import uuid
from typing import Any

from help.conf import help_settings
from help.shared_state.safe_cache import safe_cache

FAILED_MARKER_TTL = 10
RUNNING, GONE = "running", "gone"  # where a key's answer stands, besides there or failed


def cached_answer(value: Any) -> dict[str, Any] | None:
    """``value`` when it is an answer entry (a dict with a non-empty answer), else None."""
    return value if isinstance(value, dict) and value.get("answer") else None


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
        """Drop the lock if it is still ours (it may have expired and gone to another)."""
        if self.leader:
            safe_cache.delete_if(self.lock_key, self.token)

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
            entry, kind = self.poll()
            if entry is not None:
                return entry, ""
            if kind not in (RUNNING, GONE):
                return None, kind  # the leader's failure
            # The leader is gone without an answer: take over rather than wait for nothing.
            if kind == GONE and self.acquire():
                return None, "leader_lost"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, "timeout"
            time.sleep(min(interval, remaining))

    def poll(self) -> tuple[dict[str, Any] | None, str]:
        """Where the key's answer stands, in one round trip: ``(entry, "")`` when it is
        there, else ``(None, kind)``: the leader's error kind when it failed, ``RUNNING``
        while a leader holds the lock, ``GONE`` when nobody does."""
        found = safe_cache.get_many([self.key, self.failed_key, self.lock_key])
        entry = cached_answer(found.get(self.key))
        if entry is not None:
            return entry, ""
        failed = found.get(self.failed_key)
        if failed:
            return None, str(failed)
        return None, RUNNING if self.lock_key in found or not safe_cache.available else GONE
