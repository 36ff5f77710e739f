"""The question log writes its rows off the answer's path, in batches, and loses none.

The database is made slow honestly: another connection holds SQLite's write lock on the
test database (a file, see tests/settings.py), so an INSERT waits for it; reads go on (WAL).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, transaction

from help.answering import question_log
from help.answering.pipeline import Question, Run
from help.answering.question_log import AnswerRecord
from help.models import HelpQuery
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

WRITER = "help-question-log"
ROOT = Path(__file__).resolve().parents[2]


def answer_record(**fields) -> AnswerRecord:
    values = {
        "id": uuid.uuid4(),
        "question": "Comment créer un client ?",
        "lang": "fr",
        "path": "/clients/",
        "hints": "",
        "answer": "Ouvrez Clients.",
        "source": "cache",
        "error_kind": "",
        "match": "exact",
        "model": "phi3:mini",
        "top_score": 0.5,
        "cited_slugs": ("creer-un-client",),
        "timings": {"total_ms": 1.0},
    }
    return AnswerRecord(**{**values, **fields})


@contextmanager
def database_write_lock(path: str) -> Iterator[None]:
    """Another connection holds the SQLite file's write lock: every INSERT waits for it."""
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


@contextmanager
def locked_database() -> Iterator[None]:
    with database_write_lock(connection.settings_dict["NAME"]):
        yield


@pytest.fixture(autouse=True)
def writer(monkeypatch) -> Iterator[question_log._Writer]:
    """A writer of this test's own (the real class, with its own thread and connection)."""
    assert question_log.flush(10)  # what earlier tests left is written first
    fresh = question_log._Writer()
    monkeypatch.setitem(question_log._writers, os.getpid(), fresh)
    yield fresh
    assert fresh.flush(10), "the question log did not drain"


@pytest.fixture
def inserts(monkeypatch) -> list[tuple[str, int]]:
    """Every INSERT of HelpQuery rows: the thread that made it and how many rows it held."""
    made: list[tuple[str, int]] = []
    bulk_create = HelpQuery.objects.bulk_create

    def spy(rows, *args, **kwargs):
        rows = list(rows)
        made.append((threading.current_thread().name, len(rows)))
        return bulk_create(rows, *args, **kwargs)

    monkeypatch.setattr(HelpQuery.objects, "bulk_create", spy)
    return made


def ask(text: str) -> tuple[str, dict]:
    """The answer's id and its last event."""
    events = list(Run.start(Question(text=text, path="/clients/"), stream=True).events())
    return events[0]["id"], events[-1]


def rows(records: list[AnswerRecord]) -> set[uuid.UUID]:
    """Which of these records have their row."""
    ids = [record.id for record in records]
    return set(HelpQuery.objects.filter(id__in=ids).values_list("id", flat=True))


def test_a_cache_hit_does_not_wait_for_its_row(ollama, inserts):
    make_articles()
    assert ask("Comment créer un client ?")[1]["source"] == "model"
    assert question_log.flush()
    with locked_database():  # an INSERT in the request would wait here (5 s, then fail)
        started = time.monotonic()
        hit, done = ask("Comment créer un client ?")
        elapsed = time.monotonic() - started
        assert not HelpQuery.objects.filter(pk=hit).exists()
    assert done["source"] == "cache"
    assert elapsed < 1.0
    assert question_log.flush()
    assert HelpQuery.objects.filter(pk=hit).exists()
    assert {thread for thread, _ in inserts} == {WRITER}


def test_the_row_keeps_the_time_of_its_answer():
    record = answer_record()
    with locked_database():
        before = time.time()
        question_log.record(record)
        time.sleep(0.3)
    assert question_log.flush()
    assert HelpQuery.objects.get(pk=record.id).created_at.timestamp() - before < 0.2


def test_rows_are_written_in_batches(inserts):
    records = [answer_record() for _ in range(450)]
    with locked_database():  # the rows pile up behind the first batch
        for record in records:
            question_log.record(record)
    assert question_log.flush()
    assert len(rows(records)) == 450
    sizes = [size for _, size in inserts]
    assert sum(sizes) == 450
    assert max(sizes) == question_log.BATCH_SIZE
    assert len(sizes) <= 4
    assert {thread for thread, _ in inserts} == {WRITER}


def test_flush_writes_everything_queued_and_is_free_when_nothing_is(writer):
    assert question_log.flush(timeout=0)  # nothing queued: no wait at all
    records = [answer_record() for _ in range(30)]
    for record in records:
        question_log.record(record)
    assert question_log.flush()
    assert writer.queue.unfinished_tasks == 0
    assert rows(records) == {r.id for r in records}
    assert question_log.flush(timeout=0)


def test_flush_gives_up_after_its_timeout_and_the_rows_still_land():
    record = answer_record()
    with locked_database():
        question_log.record(record)
        started = time.monotonic()
        assert not question_log.flush(timeout=0.3)
        assert time.monotonic() - started < 1.0
    assert question_log.flush()
    assert rows([record]) == {record.id}


def test_a_full_queue_is_written_by_the_caller_and_loses_nothing(monkeypatch, inserts, caplog):
    writer = question_log._Writer(size=3)
    monkeypatch.setitem(question_log._writers, os.getpid(), writer)
    monkeypatch.setattr(question_log, "BATCH_SIZE", 1)
    inside, go_on = threading.Event(), threading.Event()
    bulk_create = HelpQuery.objects.bulk_create  # the spy

    def slow_writer(rows, *args, **kwargs):
        if threading.current_thread().name == WRITER:
            inside.set()
            go_on.wait(10)
        return bulk_create(rows, *args, **kwargs)

    monkeypatch.setattr(HelpQuery.objects, "bulk_create", slow_writer)
    records = [answer_record() for _ in range(7)]
    question_log.record(records[0])
    assert inside.wait(5)  # the writer holds the first row
    for record in records[1:]:  # three fit in the queue, three do not
        question_log.record(record)
    assert rows(records) == {r.id for r in records[4:]}  # written at once, by the caller
    go_on.set()
    assert question_log.flush()
    assert rows(records) == {r.id for r in records}
    assert [thread for thread, _ in inserts].count("MainThread") == 3
    full = [r for r in caplog.records if "queue is full" in r.getMessage()]
    assert len(full) == 1


def test_a_refused_row_is_dropped_alone_and_the_writer_goes_on(monkeypatch, caplog):
    taken = answer_record()
    question_log.record(taken)
    assert question_log.flush()
    monkeypatch.setattr(question_log, "BATCH_WAIT", 30.0)  # one batch, ended by the flush
    again, others = answer_record(id=taken.id), [answer_record() for _ in range(3)]
    for record in (others[0], again, *others[1:]):  # the row with a taken id is refused
        question_log.record(record)
    assert question_log.flush()
    assert rows([taken, *others]) == {taken.id, *(r.id for r in others)}
    told = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(told) == 2
    assert told[0].startswith("help: could not write 4 question rows, trying again: ")
    assert told[1].startswith(f"help: 1 question rows dropped (first {taken.id}): ")
    later = answer_record()
    question_log.record(later)
    assert question_log.flush()
    assert HelpQuery.objects.filter(pk=later.id).exists()


def test_a_database_that_stays_locked_drops_the_batch_with_one_line_and_the_writer_goes_on(
    monkeypatch, caplog
):
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)
    monkeypatch.setattr(question_log, "RETRY_PAUSE", 0.05)
    lost = answer_record()
    with locked_database():
        question_log.record(lost)
        assert question_log.flush()  # tried, tried again, dropped
    kept = answer_record()
    question_log.record(kept)
    assert question_log.flush()
    assert rows([lost, kept]) == {kept.id}
    dropped = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 1
    assert "1 question rows dropped" in dropped[0].getMessage()
    assert "locked" in dropped[0].getMessage()


@pytest.mark.django_db
def test_inside_a_transaction_the_row_is_written_in_it(inserts):
    kept, undone = answer_record(), answer_record()
    question_log.record(kept)  # the test itself runs in a transaction
    assert HelpQuery.objects.filter(pk=kept.id).exists()
    with pytest.raises(RuntimeError), transaction.atomic():
        question_log.record(undone)
        raise RuntimeError
    assert not HelpQuery.objects.filter(pk=undone.id).exists()
    assert [thread for thread, _ in inserts] == ["MainThread", "MainThread"]


# -- process exit and fork ----------------------------------------------------------------

SCRIPT = """
import os, sys, time, uuid
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from help.answering import question_log

def record(n, label):
    for _ in range(n):
        question_log.record(question_log.AnswerRecord(
            id=uuid.uuid4(), question=label, lang="fr", path="/", hints="", answer="...",
            source="cache", error_kind="", match="exact", model="m", top_score=0.5,
            cited_slugs=(),
        ))

mode = sys.argv[1]
if mode == "fork":
    record(20, "parent")  # still queued when the process forks
    child = os.fork()
    if child == 0:
        record(20, "child")
        sys.exit(0)  # a gunicorn worker ends the same way
    os.waitpid(child, 0)
    record(20, "parent")
elif mode == "locked":
    question_log.flush()
    print("ready", flush=True)
    sys.stdin.readline()  # the test now holds the database's write lock
    record(5, "late")
    print("recorded", flush=True)
"""


def run_site(database: Path, mode: str, **kwargs) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "monchai.settings",
        "DJANGO_SECRET_KEY": "question-log-test-secret",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, mode],
        cwd=ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


def questions_in(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [q for (q,) in db.execute("SELECT question FROM help_helpquery")]


@pytest.mark.django_db(transaction=False)
def test_a_process_and_its_forked_worker_write_every_row_once_before_they_exit():
    database = Path(tempfile.mkdtemp(prefix="help-question-log-")) / "db.sqlite3"
    site = run_site(database, "fork")
    _, errors = site.communicate(timeout=60)
    assert site.returncode == 0, errors
    assert "dropped" not in errors and "not written" not in errors
    questions = questions_in(database)
    assert (questions.count("parent"), questions.count("child")) == (40, 20)


@pytest.mark.django_db(transaction=False)
def test_an_exit_does_not_hang_on_a_database_that_does_not_answer():
    database = Path(tempfile.mkdtemp(prefix="help-question-log-")) / "db.sqlite3"
    site = run_site(database, "locked")
    assert site.stdout is not None and site.stdin is not None
    assert site.stdout.readline() == "ready\n"
    with database_write_lock(str(database)):
        site.stdin.write("go\n")
        site.stdin.flush()
        assert site.stdout.readline() == "recorded\n"
        started = time.monotonic()
        _, errors = site.communicate(timeout=30)
        took = time.monotonic() - started
    assert site.returncode == 0, errors
    assert took < question_log.EXIT_TIMEOUT + 1.5
    assert "5 question rows not written at exit" in errors
