"""The streams each client (a user, or an IP for visitors) has open, counted in the shared
cache so that every worker agrees; past ``MAX_STREAMS_PER_CLIENT`` a new one is refused.

A client has that many slots, each a cache key: a stream takes a free one when it starts
(``add``, so two streams never share a slot) and gives it back when it ends, whether it
ended or its client went away. A slot also expires on its own, ``SLOT_MARGIN`` seconds
after the longest a stream may last, so a worker that died mid-stream cannot lock its
client out for longer than that.

When the cache is down nobody is limited: a broken Redis must not lock users out.
"""

from __future__ import annotations

import uuid

from help.conf import help_settings
from help.shared_state.safe_cache import safe_cache

# Beyond HELP_TIMEOUT, the longest a stream waits on the model: its last writes, and a
# client slow to read them.
SLOT_MARGIN = 60.0


class StreamSlot:
    """An open stream's slot; ``release`` gives it back (once, whatever the calls)."""

    def __init__(self, key: str, token: str) -> None:
        self.key, self.token = key, token

    def release(self) -> None:
        if self.key:
            # Only while it is still this stream's: an expired slot may be another's now.
            safe_cache.delete_if(self.key, self.token)
            self.key = ""


def slot_keys(client: str) -> list[str]:
    return [f"help:streams:{client}:{n}" for n in range(int(help_settings.MAX_STREAMS_PER_CLIENT))]


def open_stream(client: str) -> StreamSlot | None:
    """A slot for a new stream of ``client``, or None when all of its slots are taken."""
    keys = slot_keys(client)
    taken = safe_cache.get_many(keys)  # one round trip; a down cache answers {}
    token = uuid.uuid4().hex
    ttl = float(help_settings.TIMEOUT) + SLOT_MARGIN
    for key in keys:
        if key in taken:
            continue
        added = safe_cache.add(key, token, ttl)
        if added is None:  # the cache is down
            return StreamSlot("", "")
        if added:
            return StreamSlot(key, token)
        # Another stream took this slot since the read: try the next one.
    return None
