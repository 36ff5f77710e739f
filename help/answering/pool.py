"""Model calls in a bounded background pool, so a user's deadline never cancels one.

Closing a connection while Ollama loads a model aborts the load and leaves every later
request cold, so a call that outlives the user's deadline goes on here until
``HELP_TIMEOUT``; its answer lands in the cache for the next asker.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from help.answering.answer_cache import store_answer
from help.answering.meaning import store_similar
from help.conf import help_settings
from help.ollama.client import get_client
from help.ollama.errors import OllamaError
from help.shared_state import breaker
from help.shared_state.single_flight import Flight

logger = logging.getLogger(__name__)

# Messages put on a call's queue: ("token", text), ("done", answer) or ("error", kind).
TOKEN, DONE, ERROR = "token", "done", "error"


class EmptyAnswer(OllamaError):
    kind = "empty_answer"


@dataclass(eq=False)  # compared and hashed by identity: the pool holds a set of calls
class ModelCall:
    messages: list[dict[str, str]]
    flight: Flight
    entry: dict[str, Any]  # stored with the answer: sources, cited slugs, model
    similar_key: str | None = None  # the question's meaning key (second cache level)
    events: queue.Queue[tuple[str, str]] = field(default_factory=queue.Queue)
    started: float = field(default_factory=time.monotonic)
    finished_at: float | None = None

    def run(self) -> None:
        pieces: list[str] = []
        try:
            for text in get_client().chat(self.messages, budget=float(help_settings.TIMEOUT)):
                pieces.append(text)
                self.events.put((TOKEN, text))
            answer = "".join(pieces).strip()
            if not answer:
                raise EmptyAnswer("the model answered nothing")
        except OllamaError as exc:
            self._fail(exc.kind, exc)
            return
        except Exception as exc:  # a bug here must still end the user's wait
            logger.exception("help: unexpected error in a model call")
            self._fail("internal", exc)
            return
        finally:
            self.finished_at = time.monotonic()
        entry = {**self.entry, "answer": answer}
        store_answer(self.flight.key, entry)
        if self.similar_key:
            store_similar(self.similar_key, entry)
        breaker.record_success()
        self.flight.release()
        self.events.put((DONE, answer))

    def _fail(self, kind: str, exc: Exception) -> None:
        logger.warning("help: model call failed (%s): %s", kind, exc)
        breaker.record_failure()
        self.flight.fail(kind)
        self.events.put((ERROR, kind))


class _Pool:
    """Model calls on their own daemon threads, at most ``HTTP_POOL_SIZE`` at once: past
    that a call is refused, never queued without end.

    Daemon threads, so that a worker exiting (a deploy, gunicorn's max-requests) does not
    wait up to ``HELP_TIMEOUT`` for calls nobody will read; ``abandon`` then tells their
    followers at once and frees their locks, so the next asker calls the model anew.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: set[ModelCall] = set()

    def submit(self, call: ModelCall) -> bool:
        with self._lock:
            if len(self._calls) >= int(help_settings.HTTP_POOL_SIZE):
                return False
            self._calls.add(call)
        threading.Thread(target=self._run, args=(call,), name="help-model", daemon=True).start()
        return True

    def _run(self, call: ModelCall) -> None:
        try:
            call.run()
        finally:
            with self._lock:
                self._calls.discard(call)

    @property
    def in_flight(self) -> int:
        return len(self._calls)

    def wait_idle(self, timeout: float) -> bool:
        """Block until no call is running (tests and benchmarks); False on timeout."""
        end = time.monotonic() + timeout
        while self._calls and time.monotonic() < end:
            time.sleep(0.01)
        return not self._calls

    def abandon(self) -> None:
        """At process exit: every unfinished call counts as interrupted."""
        with self._lock:
            calls = list(self._calls)
        for call in calls:
            call.flight.fail("interrupted")


pool = _Pool()
atexit.register(pool.abandon)


def start_call(**kwargs: Any) -> ModelCall | None:
    """Start a model call in the background; None when the pool is full."""
    call = ModelCall(**kwargs)
    return call if pool.submit(call) else None
