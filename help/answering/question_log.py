"""What happens after an answer: its HelpQuery row and its one log line.

The pipeline hands over a frozen record of the answer, so this module knows nothing of how
the answer was made. A failure here is logged and forgotten: the user already has the answer.

The row is written off the answer's path, so that a cache hit costs its Redis reads and not
an INSERT or a metrics write: ``record`` logs and queues the record, and one daemon thread
per process (started on first use, and anew in a forked worker) counts the queue in the
shared metrics (one Redis round trip a batch) and writes it in batches (under gevent, on a
native thread: a database write must not stop the worker's other requests).
Nothing is lost to keep the path fast: a full queue is written by the caller, a batch the
database refuses is tried again row by row, and at exit the queue is drained (for a few
seconds at most). ``flush`` waits for what is queued: feedback on an answer whose row is on
its way, tests. A caller inside a transaction writes in it, as before: another connection
could not see what the transaction holds (and on SQLite could not write until it ends).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import (
    DatabaseError,
    OperationalError,
    close_old_connections,
    connections,
    router,
    transaction,
)
from django.utils import timezone

from help.answering import native_thread
from help.models import HelpQuery
from help.shared_state import metrics

logger = logging.getLogger("help")

QUEUE_SIZE = 10_000  # records waiting at most; past that the caller writes its own row
BATCH_SIZE = 200  # rows in one INSERT at most
BATCH_WAIT = 0.2  # seconds a batch waits for more rows
IDLE_CLOSE = 1.0  # seconds without a row before the writer closes its connection
RETRY_PAUSE = 0.5  # seconds before a refused batch is tried again
EXIT_TIMEOUT = 3.0  # seconds a process exit may wait for the queue
POLL_EVERY = 0.1  # seconds between looks for a row another process is writing


@dataclass(frozen=True)
class AnswerRecord:
    id: uuid.UUID
    question: str
    lang: str
    path: str
    hints: str  # as they entered the prompt
    answer: str
    source: str
    error_kind: str
    match: str
    model: str
    top_score: float
    cited_slugs: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict)
    user_id: int | None = None

    @property
    def degraded(self) -> bool:
        return self.source == HelpQuery.Source.FALLBACK

    @property
    def total_ms(self) -> float:
        return self.timings.get("total_ms", 0.0)


_Row = tuple[AnswerRecord, datetime]  # the record and when it was made


def record(answer: AnswerRecord) -> None:
    # One line per question; the question's text stays out of INFO logs (privacy).
    logger.info(
        "help.answer id=%s source=%s total_ms=%.1f degraded=%s error=%s",
        answer.id,
        answer.source,
        answer.total_ms,
        answer.degraded,
        answer.error_kind or "-",
    )
    row = (answer, timezone.now())
    if connections[router.db_for_write(HelpQuery)].in_atomic_block:
        _write_here(row)
    else:
        _writer().put(row)


def flush(timeout: float = 5.0) -> bool:
    """Wait until every row this process queued so far is written (or, refused twice, dropped
    and logged); False if that takes longer than ``timeout``. Free when nothing is queued."""
    writer = _writers.get(os.getpid())
    return writer is None or writer.flush(timeout)


def wait_for(query_id: uuid.UUID, timeout: float) -> HelpQuery | None:
    """The row of an answer that may still be on its way: this process's queue is flushed,
    then the database is looked at again until ``timeout`` (another process may write it)."""
    deadline = time.monotonic() + timeout
    flush(timeout)
    while True:
        query = HelpQuery.objects.filter(pk=query_id).first()
        left = deadline - time.monotonic()
        if query is not None or left <= 0:
            return query
        time.sleep(min(POLL_EVERY, left))


def _to_model(row: _Row) -> HelpQuery:
    answer, asked_at = row
    return HelpQuery(
        id=answer.id,
        created_at=asked_at,
        question=answer.question,
        path=answer.path[:500],
        lang=answer.lang,
        hints=answer.hints,
        answer=answer.answer,
        source=answer.source,
        degraded=answer.degraded,
        error_kind=answer.error_kind,
        match=answer.match,
        model=answer.model,
        top_score=answer.top_score,
        cited_slugs=f" {' '.join(answer.cited_slugs)} " if answer.cited_slugs else "",
        total_ms=answer.total_ms,
        timings=dict(answer.timings),
        user_id=answer.user_id,
    )


def _write_here(row: _Row) -> None:
    """The row written and counted by the caller, in its transaction if it has one (in a
    savepoint, so that a refused row does not spoil that transaction)."""
    _count_in_metrics([row])
    try:
        with transaction.atomic(using=router.db_for_write(HelpQuery)):
            HelpQuery.objects.bulk_create([_to_model(row)])
    except DatabaseError:
        logger.exception("help: could not record question %s", row[0].id)


class _Flush:
    """Put on the queue by ``flush``: set once every row before it is handled."""

    def __init__(self) -> None:
        self.done = threading.Event()


class _Writer:
    """One process's queue of rows and the daemon thread that writes them in batches."""

    def __init__(self, size: int = QUEUE_SIZE) -> None:
        self.pid = os.getpid()
        self.queue: queue.Queue[_Row | _Flush] = queue.Queue(size)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._told_full = False
        self.unwritten = 0  # rows queued or being written

    def put(self, row: _Row) -> None:
        self._start()
        self._count(1)
        try:
            self.queue.put_nowait(row)
        except queue.Full:
            self._count(-1)
            if not self._told_full:  # once until the writer catches up
                self._told_full = True
                logger.warning(
                    "help: the question log's queue is full (%d rows): requests write their "
                    "own rows until the database catches up",
                    self.queue.maxsize,
                )
            _write_here(row)

    def flush(self, timeout: float) -> bool:
        if not self.queue.unfinished_tasks:
            return True
        deadline = time.monotonic() + timeout
        marker = _Flush()
        try:
            self.queue.put(marker, timeout=max(timeout, 0.0))
        except queue.Full:
            return False
        self._start()
        return marker.done.wait(max(deadline - time.monotonic(), 0.0))

    def _count(self, rows: int) -> None:
        with self._lock:
            self.unwritten += rows

    def _start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="help-question-log", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            rows, markers = self._next_batch()
            try:
                if rows:
                    _count_in_metrics(rows)
                    _write_batch(rows)
            except Exception:  # a bug here must not stop the writer
                logger.exception("help: %d question rows dropped", len(rows))
            self._count(-len(rows))
            for _ in range(len(rows) + len(markers)):
                self.queue.task_done()
            for marker in markers:
                marker.done.set()

    def _next_batch(self) -> tuple[list[_Row], list[_Flush]]:
        """Rows that came within ``BATCH_WAIT`` of the first, up to ``BATCH_SIZE``; a flush
        takes only what is already queued."""
        try:
            item = self.queue.get(timeout=IDLE_CLOSE)
        except queue.Empty:
            self._told_full = False
            native_thread.call(_close_connection)  # where the writes opened it
            item = self.queue.get()
        rows: list[_Row] = []
        markers: list[_Flush] = []
        deadline = time.monotonic() + BATCH_WAIT
        while True:
            if isinstance(item, _Flush):
                markers.append(item)
                deadline = 0.0
            else:
                rows.append(item)
            if len(rows) >= BATCH_SIZE:
                break
            left = deadline - time.monotonic()
            try:
                item = self.queue.get(timeout=left) if left > 0 else self.queue.get_nowait()
            except queue.Empty:
                break
        return rows, markers


def _count_in_metrics(rows: list[_Row]) -> None:
    metrics.record_answers(
        metrics.Answered(
            answer.source,
            answer.total_ms,
            answer.error_kind,
            answer.match,
            answer.model,
            asked_at.timestamp(),
        )
        for answer, asked_at in rows
    )


def _write_batch(rows: list[_Row]) -> None:
    """One INSERT for the batch; if the database refuses it, once more row by row after a
    pause (so one bad row costs only itself), then what is still refused is dropped. The
    database is called on a native thread under gevent (``native_thread``)."""
    try:
        native_thread.call(_insert, rows)
        return
    except DatabaseError as exc:
        logger.warning("help: could not write %d question rows, trying again: %s", len(rows), exc)
    time.sleep(RETRY_PAUSE)
    dropped, error = native_thread.call(_insert_one_by_one, rows)
    if dropped:
        logger.error(
            "help: %d question rows dropped (first %s): %s", len(dropped), dropped[0][0].id, error
        )


def _insert(rows: list[_Row]) -> None:
    try:
        HelpQuery.objects.bulk_create([_to_model(row) for row in rows])
    except DatabaseError:
        _close_connection()
        raise
    close_old_connections()  # as a request would: past CONN_MAX_AGE or broken


def _insert_one_by_one(rows: list[_Row]) -> tuple[list[_Row], DatabaseError | None]:
    """The rows the database refused, and its last refusal."""
    dropped: list[_Row] = []
    error: DatabaseError | None = None
    for at, row in enumerate(rows):
        try:
            HelpQuery.objects.bulk_create([_to_model(row)])
        except OperationalError as exc:  # the database is away or locked: not row by row
            dropped.extend(rows[at:])
            error = exc
            break
        except DatabaseError as exc:
            dropped.append(row)
            error = exc
    _close_connection()
    return dropped, error


def _close_connection() -> None:
    connections[router.db_for_write(HelpQuery)].close()


# One writer per process, found by pid: a forked worker starts its own (threads do not
# survive a fork) and never writes the rows its parent had queued.
_writers: dict[int, _Writer] = {}


def _writer() -> _Writer:
    pid = os.getpid()
    writer = _writers.get(pid)
    return writer if writer is not None else _writers.setdefault(pid, _Writer())


def _drain_at_exit() -> None:
    writer = _writers.get(os.getpid())
    if writer is not None and not writer.flush(EXIT_TIMEOUT):
        logger.error(
            "help: %d question rows not written at exit (the database took over %.0f s)",
            writer.unwritten,
            EXIT_TIMEOUT,
        )


atexit.register(_drain_at_exit)
