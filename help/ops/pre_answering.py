"""Answering again, in the background, the most asked questions of an edited article's pages.

Saving or deleting an article changes the articles version, which is in every answer's
cache key: the answers of its pages are gone, and their next askers would each wait for the
model. Once the edit is committed, the ``PRE_ANSWER_ON_EDIT`` most asked questions of the
pages under the article's path prefix, in its language, are answered again here.

Users come first. One daemon thread per process (started on first use, again after a fork)
takes one job at a time from a small queue, where repeated edits of one article's pages wait
as one job; it asks one question at a time, only while the model pool has room to spare, and
pauses after each model call. Questions go through the normal pipeline, unlogged: single
flight joins a user asking the same question at that moment, and the answers land in the
cache. A job ends at the first sign of trouble (breaker open, Ollama not answering, a
degraded answer) instead of retrying, and logs one line; nothing here raises into a request.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction

from help.answering.pipeline import Run
from help.answering.pool import pool
from help.conf import help_settings, ollama_urls
from help.models import HelpArticle
from help.ollama.client import get_client
from help.ollama.errors import OllamaError
from help.ops.warmup import most_asked
from help.search.languages import normalise_language
from help.shared_state import breaker

logger = logging.getLogger(__name__)

MAX_PENDING = 16  # jobs waiting at most; past that an edit's job is dropped, and logged
PAUSE = 1.0  # seconds after each model call of a job, so that users' questions go first
ROOM_POLL = 0.1  # seconds between two looks for room in the model pool
ROOM_WAIT = 60.0  # seconds a job waits for room before it gives up
PROBE_TIMEOUT = 1.0  # seconds Ollama has to answer /api/version before a job starts


@dataclass(frozen=True)
class Job:
    """The pages of one article: under its path prefix, in its language."""

    path_prefix: str
    lang: str

    def __str__(self) -> str:
        return f"{self.path_prefix or '-'} ({self.lang})"


def enabled() -> bool:
    """Pre-answering is on, Ollama is configured and answers are cached."""
    return (
        int(help_settings.PRE_ANSWER_ON_EDIT) > 0
        and int(help_settings.CACHE_TTL) > 0
        and bool(ollama_urls(help_settings.OLLAMA_URL))
    )


def article_changed(
    sender: Any, instance: HelpArticle, using: str | None = None, **kwargs: Any
) -> None:
    """Signal receiver (``post_save``, ``post_delete`` of HelpArticle): once the edit is
    committed, its pages' most asked questions are answered again. Loading fixtures
    (``raw``) asks nothing."""
    if kwargs.get("raw"):
        return
    try:
        if enabled():
            job = Job(instance.path_prefix, normalise_language(instance.language))
            transaction.on_commit(lambda: schedule(job), using=using)
    except Exception:
        logger.exception("help: pre-answering after an article edit was not scheduled")


def schedule(job: Job) -> bool:
    """Queue ``job`` for this process's worker (a pending job for the same pages stands for
    both); False when the queue is full. Never raises."""
    try:
        return _worker().submit(job)
    except Exception:
        logger.exception("help: pre-answering of %s was not scheduled", job)
        return False


def wait_idle(timeout: float) -> bool:
    """Block until this process's worker has no job, pending or running (tests and
    benchmarks); False on timeout."""
    worker = _current
    if worker is None or worker.pid != os.getpid():
        return True
    return worker.wait_idle(timeout)


def run_job(job: Job) -> int:
    """Answer the job's questions again, users first; returns how many the model answered.

    Ends early, with one log line, when the breaker is open, Ollama does not answer, the
    pool stays busy for ``ROOM_WAIT`` or an answer comes back degraded."""
    if not enabled():
        return 0
    limit = int(help_settings.PRE_ANSWER_ON_EDIT)
    questions = most_asked(limit, path_prefix=job.path_prefix, lang=job.lang)
    if not questions:
        return 0
    reason = _blocked()
    if reason:
        logger.warning("help: pre-answering of %s skipped: %s", job, reason)
        return 0
    answered, pause = 0, False
    for question in questions:
        if pause:
            time.sleep(PAUSE)
        if not _wait_for_room(ROOM_WAIT):
            logger.info("help: pre-answering of %s stopped: the model pool stayed busy", job)
            return answered
        run = Run.start(question, stream=False, wait=float(help_settings.TIMEOUT), record=False)
        source = run.result()["source"]
        if source == "fallback":
            kind = run.outcome.error_kind or "fallback"
            logger.warning("help: pre-answering of %s stopped: %s", job, kind)
            return answered
        pause = source == "model"  # a cached answer cost the model nothing: no pause
        if pause:
            answered += 1
    logger.info("help: pre-answered %s: %d of %d by the model", job, answered, len(questions))
    return answered


def has_room() -> bool:
    """The pool is under half full: a background question leaves users the other half."""
    return pool.in_flight < max(1, int(help_settings.HTTP_POOL_SIZE) // 2)


def _wait_for_room(timeout: float) -> bool:
    end = time.monotonic() + timeout
    while not has_room():
        if time.monotonic() >= end:
            return False
        time.sleep(ROOM_POLL)
    return True


def _blocked() -> str:
    """Why no model call should start now, else an empty string; probing costs no breaker
    failure, so a job never adds to an outage."""
    if breaker.state() == breaker.OPEN:
        return "the circuit breaker is open"
    try:
        get_client().version(timeout=PROBE_TIMEOUT)
    except OllamaError as exc:
        return f"Ollama did not answer ({exc.kind}: {exc})"
    return ""


class _Worker:
    """One daemon thread and its queue of jobs: one per process."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._cond = threading.Condition()
        self._pending: dict[Job, None] = {}  # an ordered set: one pending job per pages
        self._running = False
        self._thread: threading.Thread | None = None

    def submit(self, job: Job) -> bool:
        with self._cond:
            if job not in self._pending:
                if len(self._pending) >= MAX_PENDING:
                    logger.warning("help: pre-answering queue full, %s dropped", job)
                    return False
                self._pending[job] = None
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="help-pre-answer", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()
        return True

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                job = next(iter(self._pending))
                del self._pending[job]
                self._running = True
            try:
                run_job(job)
            except Exception:
                logger.exception("help: pre-answering of %s failed", job)
            finally:
                try:
                    connections.close_all()  # this thread's; a job is rare, a connection idle
                except Exception:
                    logger.exception("help: pre-answering could not close its connections")
                with self._cond:
                    self._running = False
                    self._cond.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._running:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True


_current: _Worker | None = None
_current_lock = threading.Lock()


def _worker() -> _Worker:
    """This process's worker; after a fork the parent's thread is not here, so a new one."""
    global _current
    with _current_lock:
        if _current is None or _current.pid != os.getpid():
            _current = _Worker()
        return _current
