"""The bound on questions that wait for the model in one process.

A question waiting for the model costs little under an evented worker, but not nothing:
its stream, and a follower's polls of the shared cache. Past ``MAX_WAITING_STREAMS`` in a
process, a new miss gets the articles' fallback at once (``busy``) instead of one more
waiter, so that a crowd of slow answers never takes what cache hits need.
"""

from __future__ import annotations

import threading

from help.conf import help_settings


class WaitingQuestions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    def enter(self) -> bool:
        """Take a place, or False when the process has none left."""
        with self._lock:
            if self._count >= int(help_settings.MAX_WAITING_STREAMS):
                return False
            self._count += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._count -= 1

    @property
    def count(self) -> int:
        return self._count


waiting_questions = WaitingQuestions()
