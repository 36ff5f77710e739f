"""Fault modes of the stand-in, switchable at runtime from any thread."""

from __future__ import annotations

import threading
from collections import deque

MODES = frozenset(
    {
        "ok",
        "down",  # listening socket closed: connection refused
        "hung",  # requests are read and never answered
        "slow_first_token",  # `seconds` more before the first token
        "stall",  # `seconds` more between tokens
        "status_500",
        "status_503",
        "status_404",
        "malformed",  # a line that is not JSON in the middle of the stream
        "error_line",  # a few tokens, then {"error": ...}, still HTTP 200
        "reset",  # a few tokens, then a TCP reset
        "empty",  # done at once with empty content
        # A server that does not keep to Ollama's shapes and sizes (in a streamed answer; the
        # first three also shape /api/tags):
        "huge_line",  # a few tokens, a token line of about 2 MB, the rest; a 2 MB model name
        "list_line",  # a JSON array line in the middle of the stream; a JSON array body
        "wrong_type",  # after a few tokens, lines whose content is a number; models an object
        "endless_line",  # a few tokens, then 8 MB of a line that never ends, then a close
    }
)

# Ollama's own wording, so that code matching on messages meets the real thing.
ERROR_MESSAGES = {
    500: "llama runner process has terminated: exit status 2",
    503: "server busy, please try again.  maximum pending requests exceeded",
}
RUNNER_FAILURE = "an error was encountered while running the model: unexpected EOF"


class Faults:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._mode = "ok"
        self._seconds = 1.0
        self._failures: deque[int] = deque()
        self._stopping = False

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def seconds(self) -> float:
        return self._seconds

    def set(self, mode: str, seconds: float | None = None) -> str:
        """Switch to `mode`; returns the previous one."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {sorted(MODES)}")
        with self._cond:
            previous, self._mode = self._mode, mode
            if seconds is not None:
                self._seconds = float(seconds)
            self._cond.notify_all()  # wakes hung handlers
            return previous

    def fail_next(self, count: int, status: int) -> None:
        with self._cond:
            self._failures.extend([status] * count)

    def take_failure(self) -> int | None:
        with self._cond:
            return self._failures.popleft() if self._failures else None

    def clear_failures(self) -> None:
        with self._cond:
            self._failures.clear()

    def wait_while_hung(self) -> bool:
        """Block while the mode is "hung"; False when the request must be dropped instead."""
        with self._cond:
            self._cond.wait_for(lambda: self._mode != "hung" or self._stopping)
            return not self._stopping and self._mode != "down"

    def sleep(self, seconds: float) -> bool:
        """Sleep that stop() interrupts; False when the server is stopping."""
        if seconds <= 0:
            return not self._stopping
        with self._cond:
            return not self._cond.wait_for(lambda: self._stopping, timeout=seconds)

    def set_stopping(self, stopping: bool) -> None:
        with self._cond:
            self._stopping = stopping
            self._cond.notify_all()
