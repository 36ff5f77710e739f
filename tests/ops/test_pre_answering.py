from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from help.answering import question_log
from help.answering.pipeline import Question, Run
from help.checks import check_settings
from help.models import HelpArticle, HelpQuery
from help.ops import pre_answering
from help.ops.pre_answering import Job
from help.ops.warmup import most_asked
from help.shared_state import breaker
from tests.conftest import TEST_DEADLINE
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_PAGE, QUOTE_PAGE = "/clients/nouveau/", "/devis/nouveau/"
HOW_TO_CREATE = "Comment créer un client ?"
IDLE = 10.0  # seconds a test waits for the worker at most; it needs far less


@pytest.fixture(autouse=True)
def quick(monkeypatch) -> Iterator[None]:
    """Short pauses, and no job left running into the next test."""
    monkeypatch.setattr(pre_answering, "PAUSE", 0.05)
    monkeypatch.setattr(pre_answering, "ROOM_POLL", 0.01)
    yield
    assert pre_answering.wait_idle(IDLE), "a pre-answering job outlived its test"
    assert question_log.flush()  # no row written after the test's database is gone


@pytest.fixture
def articles() -> list[HelpArticle]:
    made = make_articles()  # each a job, with nothing asked yet: nothing to answer
    assert pre_answering.wait_idle(IDLE)
    return made


@pytest.fixture
def log() -> Iterator[list[logging.LogRecord]]:
    """The records this module logs, from any thread, whatever the "help" logger's set-up."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger(pre_answering.__name__)
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.fixture
def jobs(monkeypatch) -> list[Job]:
    """The jobs the worker ran, in order."""
    ran: list[Job] = []
    real = pre_answering.run_job

    def counting(job: Job) -> int:
        ran.append(job)
        return real(job)

    monkeypatch.setattr(pre_answering, "run_job", counting)
    return ran


def ask(text: str, path: str = CLIENT_PAGE, lang: str = "fr") -> dict[str, Any]:
    return Run.start(Question(text, lang, path), stream=False).result()


def edit(article: HelpArticle) -> None:
    assert question_log.flush()  # the rows of the questions asked so far are written
    article.body += "\n5. Vérifiez la fiche."
    article.save()


def calls_for(ollama, text: str) -> int:
    """The model calls that asked ``text``."""
    return sum(
        f"<<<QUESTION\n{text}\n" in payload["messages"][-1]["content"]
        for payload in ollama.payloads
        if payload.get("messages")
    )


def wait_for(condition, timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "the condition never held"
        time.sleep(0.01)


def test_an_article_edit_answers_its_pages_most_asked_questions_again(ollama, articles):
    for _ in range(2):
        ask(HOW_TO_CREATE)
    ask("Où saisir le SIRET ?", "/clients/nouveau/12/")
    ask("How do I create a client?", lang="en")  # same page, the other article's language
    ask("Comment faire un devis ?", QUOTE_PAGE)  # another page
    ollama.reset_counters()

    edit(articles[0])  # "Créer un client", fr, /clients/nouveau/
    assert pre_answering.wait_idle(IDLE)

    assert ollama.chat_requests == 2
    assert calls_for(ollama, HOW_TO_CREATE) == calls_for(ollama, "Où saisir le SIRET ?") == 1
    assert ask(HOW_TO_CREATE)["source"] == "cache"
    assert ask("Où saisir le SIRET ?", "/clients/nouveau/12/")["source"] == "cache"
    assert ask("How do I create a client?", lang="en")["source"] == "model"
    assert ask("Comment faire un devis ?", QUOTE_PAGE)["source"] == "model"


def test_deleting_an_article_answers_its_pages_questions_again(ollama, articles):
    ask("Comment faire un devis ?", QUOTE_PAGE)
    assert question_log.flush()
    ollama.reset_counters()
    articles[2].delete()
    assert pre_answering.wait_idle(IDLE)
    assert ollama.chat_requests == 1
    assert ask("Comment faire un devis ?", QUOTE_PAGE)["source"] == "cache"


def test_pre_answered_questions_are_not_logged_as_asked(ollama, articles):
    ask(HOW_TO_CREATE)
    edit(articles[0])
    assert pre_answering.wait_idle(IDLE)
    assert ollama.chat_requests == 2
    assert question_log.flush()
    assert HelpQuery.objects.count() == 1


def test_repeated_edits_while_a_job_runs_make_one_more_job(ollama, articles, monkeypatch):
    ask(HOW_TO_CREATE)
    ollama.reset_counters()
    ran: list[Job] = []
    started, release = threading.Event(), threading.Event()
    real = pre_answering.run_job

    def held_first(job: Job) -> int:
        ran.append(job)
        if len(ran) == 1:
            started.set()
            release.wait(IDLE)
        return real(job)

    monkeypatch.setattr(pre_answering, "run_job", held_first)
    edit(articles[0])
    assert started.wait(IDLE)
    for _ in range(3):
        edit(articles[0])  # the job for these pages is running: one more waits, not three
    release.set()
    assert pre_answering.wait_idle(IDLE)

    assert ran == [Job(CLIENT_PAGE, "fr")] * 2
    # Both jobs ran after the last edit: the second found the first's answer in the cache.
    assert ollama.chat_requests == 1
    assert ask(HOW_TO_CREATE)["source"] == "cache"


def test_a_user_goes_first_and_shares_the_model_call_with_pre_answering(ollama, articles):
    for _ in range(2):
        ask(HOW_TO_CREATE)
    ollama.reset_counters()
    ollama.set_mode("slow_first_token", seconds=0.3)  # well under the 1 s test deadline

    edit(articles[0])
    wait_for(lambda: ollama.chat_requests == 1)  # pre-answering's call is in flight
    results: dict[str, tuple[dict[str, Any], float]] = {}

    def user(text: str, path: str) -> None:
        started = time.monotonic()
        results[text] = ask(text, path), time.monotonic() - started

    users = [
        threading.Thread(target=user, args=(HOW_TO_CREATE, CLIENT_PAGE)),
        threading.Thread(target=user, args=("Comment faire un devis ?", QUOTE_PAGE)),
    ]
    for thread in users:
        thread.start()
    for thread in users:
        thread.join()
    assert pre_answering.wait_idle(IDLE)

    same, same_seconds = results[HOW_TO_CREATE]
    other, other_seconds = results["Comment faire un devis ?"]
    # The same question joined the background call (single flight): one model call in all.
    assert (same["source"], same["match"]) == ("cache", "exact")
    assert calls_for(ollama, HOW_TO_CREATE) == 1
    # Another question went straight to the model, within the user's deadline.
    assert other["source"] == "model"
    assert max(same_seconds, other_seconds) < TEST_DEADLINE


def test_a_busy_pool_makes_pre_answering_wait(ollama, articles, settings):
    ask(HOW_TO_CREATE)
    settings.HELP = {**settings.HELP, "HTTP_POOL_SIZE": 2}  # room while no call runs
    arrivals: list[tuple[str, float]] = []

    def answer(payload: dict[str, Any]) -> str:
        arrivals.append((payload["messages"][-1]["content"], time.monotonic()))
        return "Ouvrez Clients puis cliquez sur Nouveau client."

    ollama.answer = answer
    ollama.set_mode("slow_first_token", seconds=0.4)
    user = threading.Thread(target=ask, args=("Comment faire un devis ?", QUOTE_PAGE))
    user.start()
    wait_for(lambda: len(arrivals) == 1)  # the user's call holds half the pool
    edit(articles[0])
    user.join()
    assert pre_answering.wait_idle(IDLE)

    (user_prompt, user_at), (background_prompt, background_at) = arrivals
    assert "Comment faire un devis ?" in user_prompt
    assert HOW_TO_CREATE in background_prompt
    # Asked only once the user's call, slowed 0.4 s before its first token, had ended.
    assert background_at - user_at >= 0.4


def test_with_ollama_down_the_job_ends_quietly(ollama, articles, log):
    ask(HOW_TO_CREATE)
    ollama.mode = "down"
    ollama.reset_counters()
    edit(articles[0])
    assert pre_answering.wait_idle(IDLE)
    assert ollama.chat_requests == 0
    assert breaker.state() == breaker.CLOSED  # the probe costs no breaker failure
    assert [(r.levelname, r.getMessage()[:50]) for r in log] == [
        ("WARNING", "help: pre-answering of /clients/nouveau/ (fr) skip")
    ]
    assert "unreachable" in log[0].getMessage()


def test_with_the_breaker_open_the_job_ends_quietly(ollama, articles, log):
    ask(HOW_TO_CREATE)
    ollama.reset_counters()
    for _ in range(3):
        breaker.record_failure()
    edit(articles[0])
    assert pre_answering.wait_idle(IDLE)
    assert ollama.chat_requests == 0
    assert [r.getMessage() for r in log] == [
        "help: pre-answering of /clients/nouveau/ (fr) skipped: the circuit breaker is open"
    ]


def test_a_degraded_answer_ends_the_job(ollama, articles, log):
    for _ in range(2):
        ask(HOW_TO_CREATE)
    ask("Où saisir le SIRET ?")
    ollama.reset_counters()
    ollama.fail_next(1, status=500)  # the first question fails; the job asks no more
    edit(articles[0])
    assert pre_answering.wait_idle(IDLE)
    assert ollama.chat_requests == 1
    assert [r.getMessage() for r in log if r.levelno >= logging.WARNING] == [
        "help: pre-answering of /clients/nouveau/ (fr) stopped: server_error"
    ]


def test_an_error_in_a_job_is_logged_once_and_never_reaches_the_edit(
    ollama, articles, log, monkeypatch
):
    ask(HOW_TO_CREATE)

    def broken(*args: Any, **kwargs: Any) -> list[Question]:
        raise RuntimeError("boom")

    monkeypatch.setattr(pre_answering, "most_asked", broken)
    edit(articles[0])  # saves, whatever happens in the background
    assert pre_answering.wait_idle(IDLE)
    assert [(r.levelname, r.getMessage()) for r in log] == [
        ("ERROR", "help: pre-answering of /clients/nouveau/ (fr) failed")
    ]
    monkeypatch.setattr(pre_answering, "most_asked", most_asked)
    ollama.reset_counters()
    edit(articles[0])  # the worker lives on
    assert pre_answering.wait_idle(IDLE)
    assert ollama.chat_requests == 1


@pytest.mark.parametrize("off", [{"CACHE_TTL": 0}, {"PRE_ANSWER_ON_EDIT": 0}])
def test_nothing_is_pre_answered_without_the_cache_or_when_turned_off(
    ollama, articles, settings, jobs, off
):
    ask(HOW_TO_CREATE)
    ollama.reset_counters()
    settings.HELP = {**settings.HELP, **off}
    edit(articles[0])
    assert pre_answering.wait_idle(IDLE)
    assert (jobs, ollama.chat_requests) == ([], 0)


def test_an_edit_rolled_back_schedules_nothing(ollama, articles, jobs):
    ask(HOW_TO_CREATE)
    assert question_log.flush()
    with pytest.raises(RuntimeError), transaction.atomic():
        articles[0].save()
        raise RuntimeError("rolled back")
    assert pre_answering.wait_idle(IDLE)
    assert jobs == []


def test_a_forked_process_starts_its_own_worker(ollama, articles, monkeypatch):
    ask(HOW_TO_CREATE)
    ollama.reset_counters()
    parent = pre_answering._worker()
    monkeypatch.setattr(parent, "pid", -1)  # this process is now a fork of the parent's
    edit(articles[0])
    assert pre_answering.wait_idle(IDLE)
    assert pre_answering._worker() is not parent
    assert ollama.chat_requests == 1


def test_most_asked_under_a_path_prefix_keeps_to_its_pages_and_language(articles):
    for path, lang in [
        ("/clients/", "fr"),
        ("/clients", "fr"),
        ("/clients/12/", "fr"),
        ("/clientsx/", "fr"),
        ("/clients/", "en"),
        ("/", "fr"),
    ]:
        HelpQuery.objects.create(question=f"Q {path} {lang}", path=path, lang=lang, source="model")
    found = {q.path for q in most_asked(10, path_prefix="/clients/", lang="fr")}
    assert found == {"/clients/", "/clients", "/clients/12/"}
    assert {q.path for q in most_asked(10, path_prefix="/", lang="fr")} == {"/"}
    assert most_asked(10, path_prefix="", lang="fr") == []
    assert most_asked(10, path_prefix="/stock/", lang="fr") == []  # no titles in their place


def test_a_negative_count_is_a_system_check_error():
    with override_settings(HELP={"PRE_ANSWER_ON_EDIT": -1}):
        assert [m.id for m in check_settings()] == ["help.E005"]
