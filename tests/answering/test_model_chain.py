"""The fast-model chain: the next model answers when one is missing, overloaded, failing,
behind an open breaker or late with its first token; the fallback when none can."""

from __future__ import annotations

import time

import pytest

from help.answering import question_log
from help.answering.answer_cache import clear_answers
from help.answering.pipeline import Question, Run
from help.models import HelpQuery
from help.shared_state import breaker, metrics
from tests.conftest import TEST_DEADLINE
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db

BEST, FAST = "phi3:mini", "qwen2.5:0.5b"
QUESTION = "Comment créer un client ?"


@pytest.fixture
def chain(ollama, settings):
    """Both models on the stand-in, each answering with its own name."""
    make_articles()
    ollama.add_model(FAST)
    ollama.answer = lambda payload: f"Réponse de {payload['model']} : ouvrez Clients."
    settings.HELP = {**settings.HELP, "OLLAMA_MODELS": [BEST, FAST]}
    return ollama


def ask(text: str = QUESTION) -> tuple[list[dict], float]:
    started = time.monotonic()
    events = list(Run.start(Question(text=text), stream=True).events())
    return events, time.monotonic() - started


def asked_models(ollama) -> list[str]:
    return [payload["model"] for payload in ollama.payloads]


def test_the_first_model_answers_when_it_can_and_the_next_is_never_asked(chain):
    events, _ = ask()
    done = events[-1]
    assert (done["source"], done["model"]) == ("model", BEST)
    assert done["answer"].startswith(f"Réponse de {BEST}")
    assert asked_models(chain) == [BEST]
    assert HelpQuery.objects.get().model == BEST


def test_a_missing_first_model_hands_over_to_the_next_at_once(chain):
    chain.set_model_mode(BEST, "status_404")
    events, elapsed = ask()
    done = events[-1]
    assert (done["source"], done["model"], done["degraded"]) == ("model", FAST, False)
    assert asked_models(chain) == [BEST, FAST]
    assert elapsed < TEST_DEADLINE  # no budget waited for: the 404 came at once
    row = HelpQuery.objects.get()
    assert (row.model, row.error_kind) == (FAST, "")
    # The cache entry says who wrote it, and the next asker is told so.
    assert ask()[0][-1]["source"] == "cache"
    assert HelpQuery.objects.latest("created_at").model == FAST


def test_a_hung_first_model_hands_over_within_the_first_token_budget(chain):
    chain.set_model_mode(BEST, "hung")
    events, elapsed = ask()
    done = events[-1]
    assert (done["source"], done["model"]) == ("model", FAST)
    tokens = "".join(event["text"] for event in events if event["event"] == "token")
    assert tokens.startswith(f"Réponse de {FAST}")
    # The budget is half the deadline: the user had the second model's answer in time.
    assert TEST_DEADLINE / 2 <= elapsed < TEST_DEADLINE + 0.3
    assert "fallback" not in [event["event"] for event in events]
    chain.set_model_mode(BEST, "ok")  # release the hung request


def test_a_late_first_token_counts_against_that_model_until_its_breaker_opens(chain, settings):
    settings.HELP = {**settings.HELP, "BREAKER_FAILURES": 2}
    chain.set_model_mode(BEST, "slow_first_token", seconds=2.0)
    for number in range(2):
        clear_answers()
        assert ask(f"{QUESTION} ({number})")[0][-1]["model"] == FAST
    assert breaker.state(BEST) == breaker.OPEN
    chain.reset_counters()
    clear_answers()
    events, elapsed = ask("Comment supprimer un client ?")
    assert events[-1]["model"] == FAST
    assert asked_models(chain) == [FAST]  # skipped, not waited for
    assert elapsed < TEST_DEADLINE / 2


def test_an_overloaded_first_model_hands_over_after_its_retries(chain):
    chain.set_model_mode(BEST, "status_503")
    done = ask()[0][-1]
    assert (done["source"], done["model"]) == ("model", FAST)
    assert asked_models(chain).count(BEST) == 3  # the client's two retries on a 503, then next


def test_a_model_that_fails_after_its_first_tokens_is_not_replaced_mid_answer(chain):
    chain.set_model_mode(BEST, "error_line")
    done = ask()[0][-1]
    assert (done["source"], done["degraded"]) == ("fallback", True)
    assert asked_models(chain) == [BEST]
    assert HelpQuery.objects.get().error_kind == "bad_response"


def test_both_down_is_the_articles_fallback(chain):
    chain.set_mode("down")
    events, elapsed = ask()
    done = events[-1]
    assert (done["source"], done["degraded"], done["model"]) == ("fallback", True, "")
    assert "Clients" in done["answer"]  # the articles' own steps
    assert elapsed < TEST_DEADLINE + 0.3
    assert HelpQuery.objects.get().error_kind == "unreachable"
    assert breaker.states([BEST, FAST]) == {BEST: breaker.CLOSED, FAST: breaker.CLOSED}


def test_both_missing_is_the_articles_fallback_with_the_last_models_error(chain):
    chain.set_model_mode(BEST, "status_404")
    chain.set_model_mode(FAST, "status_404")
    done = ask()[0][-1]
    assert (done["source"], done["degraded"]) == ("fallback", True)
    assert HelpQuery.objects.get().error_kind == "model_missing"


def test_every_breaker_open_is_an_immediate_fallback_without_a_request(chain, settings):
    settings.HELP = {**settings.HELP, "BREAKER_FAILURES": 1}
    for model in (BEST, FAST):
        breaker.record_failure(model)
    events, elapsed = ask()
    assert events[-1]["source"] == "fallback"
    assert HelpQuery.objects.get().error_kind == "breaker_open"
    assert chain.chat_requests == 0
    assert elapsed < TEST_DEADLINE / 2


def test_an_open_breaker_on_the_first_model_goes_straight_to_the_next(chain, settings):
    settings.HELP = {**settings.HELP, "BREAKER_FAILURES": 1}
    breaker.record_failure(BEST)
    assert ask()[0][-1]["model"] == FAST
    assert asked_models(chain) == [FAST]


def test_the_metrics_count_the_answers_of_each_model(chain):
    ask()
    chain.set_model_mode(BEST, "status_404")
    ask("Comment supprimer un client ?")
    ask("Comment modifier un client ?")
    assert question_log.flush(5)  # counted off the answers' path, with their rows
    window, _ = metrics.read_window(3600)
    assert (window.models[BEST], window.models[FAST]) == (1, 2)


def test_a_change_of_chain_never_serves_answers_written_under_the_old_one(chain, settings):
    assert ask()[0][-1]["source"] == "model"
    settings.HELP = {**settings.HELP, "OLLAMA_MODELS": [FAST]}
    assert ask()[0][-1]["source"] == "model"
    assert asked_models(chain) == [BEST, FAST]
