"""Answers that come after their stream ended: a stream waits a bounded time for the model
after its fallback (``UPGRADE_WAIT``), then ends, and the widget asks for the answer by
its id until it is ready.

An answer id is only readable by whoever asked: the pending record keeps an owner (a
keyed hash of the user, or of a visitor's browser), and another owner reads nothing,
exactly as for an unknown id.
"""

from __future__ import annotations

import hmac
import uuid
from dataclasses import dataclass

from help.conf import help_settings
from help.shared_state.safe_cache import safe_cache
from help.shared_state.single_flight import RUNNING, Flight

PREFIX = "help:late"
READY, WAITING, FAILED = "ready", "waiting", "failed"


@dataclass(frozen=True)
class LateAnswer:
    state: str  # READY, WAITING or FAILED (the model did not answer; nothing will come)
    answer: str = ""
    model: str = ""


def expect(answer_id: uuid.UUID, key: str, owner: str) -> None:
    """Remember that ``answer_id``'s answer will land under the answer cache's ``key``;
    an empty ``owner`` (nobody to tell it from others) remembers nothing."""
    if not owner:
        return
    ttl = float(help_settings.TIMEOUT) * 2  # outlives the model call it waits for
    safe_cache.set(_pending_key(answer_id), {"key": key, "owner": owner}, ttl)


def late_answer(answer_id: uuid.UUID, owner: str) -> LateAnswer | None:
    """Where ``answer_id``'s answer stands; None for an unknown id or another owner's."""
    pending = safe_cache.get(_pending_key(answer_id)) if owner else None
    if not isinstance(pending, dict) or not hmac.compare_digest(
        str(pending.get("owner", "")), owner
    ):
        return None
    entry, kind = Flight(str(pending["key"])).poll()
    if entry is not None:
        return LateAnswer(READY, str(entry["answer"]), str(entry.get("model", "")))
    return LateAnswer(WAITING if kind == RUNNING else FAILED)


def _pending_key(answer_id: uuid.UUID) -> str:
    return f"{PREFIX}:{answer_id}"
