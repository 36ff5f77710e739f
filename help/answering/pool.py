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
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from help.answering.answer_cache import store_answer
from help.answering.meaning import store_similar
from help.conf import first_token_budget, help_settings
from help.ollama.client import get_client
from help.ollama.errors import OllamaError
from help.shared_state import breaker
from help.shared_state.single_flight import Flight

logger = logging.getLogger(__name__)

# Messages put on a call's queue: ("token", text), ("done", answer) or ("error", kind).
TOKEN, DONE, ERROR = "token", "done", "error"


class EmptyAnswer(OllamaError):
    kind = "empty_answer"


class LateFirstToken(OllamaError):
    """A model of the chain, not the last, did not start its answer within its budget."""

    kind = "slow_start"


@dataclass(eq=False)  # compared and hashed by identity: the pool holds a set of calls
class ModelCall:
    """One answer asked of the model chain: each model in turn, skipped when its breaker is
    open, left for the next one when it fails before its first token or when that token is
    later than ``first_token_budget()``. Once a model has begun to answer, it finishes."""

    messages: list[dict[str, str]]
    flight: Flight
    entry: dict[str, Any]  # stored with the answer: sources, cited slugs
    models: tuple[str, ...]
    similar_key: str | None = None  # the question's meaning key (second cache level)
    events: queue.Queue[tuple[str, str]] = field(default_factory=queue.Queue)
    started: float = field(default_factory=time.monotonic)
    finished_at: float | None = None
    model: str = ""  # the model that answered, once one has begun to

    def run(self) -> None:
        end = self.started + float(help_settings.TIMEOUT)
        kind = "breaker_open"  # when every model of the chain is skipped
        try:
            for position, model in enumerate(self.models):
                if not breaker.allow_request(model):
                    continue
                last = position == len(self.models) - 1
                try:
                    answer = self._ask(model, end, last)
                except OllamaError as exc:
                    logger.warning("help: %s failed (%s): %s", model, exc.kind, exc)
                    breaker.record_failure(model)
                    kind = exc.kind
                    if self.model:  # it had begun to answer: too late for another model
                        break
                    continue
                breaker.record_success(model)
                self._answered(answer)
                return
        except Exception:  # a bug here must still end the user's wait
            logger.exception("help: unexpected error in a model call")
            kind = "internal"
        finally:
            self.finished_at = time.monotonic()
        self.flight.fail(kind)
        self.events.put((ERROR, kind))

    def _ask(self, model: str, end: float, last: bool) -> str:
        """The model's whole answer, its tokens relayed as they come."""
        chat = get_client().chat(self.messages, budget=end - time.monotonic(), model=model)
        if not last:
            # A separate reader, so that a late first token can be given up on without
            # closing the connection: closing it would abort a model load in progress.
            chat = _Reader(chat).tokens(first_within=first_token_budget())
        pieces: list[str] = []
        for text in chat:
            if not pieces:
                self.model = model
            pieces.append(text)
            self.events.put((TOKEN, text))
        answer = "".join(pieces).strip()
        if not answer:
            raise EmptyAnswer(f"{model} answered nothing")
        return answer

    def _answered(self, answer: str) -> None:
        entry = {**self.entry, "model": self.model, "answer": answer}
        store_answer(self.flight.key, entry)
        if self.similar_key:
            store_similar(self.similar_key, entry)
        self.flight.release()
        self.events.put((DONE, answer))


class _Reader:
    """A model's stream read on a thread of its own, so that its first token can be waited
    for with a timeout. Given up on, it reads the stream to its end and drops it."""

    _END = object()

    def __init__(self, chat: Iterator[str]) -> None:
        self._chat = chat
        self._pieces: queue.Queue[object] = queue.Queue()
        threading.Thread(target=self._read, name="help-model-reader", daemon=True).start()

    def _read(self) -> None:
        try:
            for text in self._chat:
                self._pieces.put(text)
        except BaseException as exc:  # handed over to the reading side
            self._pieces.put(exc)
        self._pieces.put(self._END)

    def tokens(self, first_within: float) -> Iterator[str]:
        try:
            piece = self._pieces.get(timeout=first_within)
        except queue.Empty:
            raise LateFirstToken(f"no first token within {first_within:g} s") from None
        while piece is not self._END:
            if isinstance(piece, BaseException):
                raise piece
            yield str(piece)
            piece = self._pieces.get()


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
