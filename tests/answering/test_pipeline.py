from __future__ import annotations

import threading
import time

import pytest

from help.answering.answer_cache import clear_answers
from help.answering.pipeline import Question, Run
from help.answering.pool import pool
from help.models import HelpArticle, HelpQuery
from help.shared_state import breaker
from help.shared_state.safe_cache import safe_cache
from tests.conftest import TEST_DEADLINE, TEST_TIMEOUT
from tests.helpers import ask, ask_stream, make_articles

pytestmark = pytest.mark.django_db

ANSWER = "Ouvrez Clients puis cliquez sur Nouveau client."


@pytest.fixture(autouse=True)
def articles(db):
    return make_articles()


def events_of(question: str, **fields) -> list[dict]:
    return list(Run.start(Question(text=question, **fields), stream=True).events())


def test_first_question_streams_model_tokens_before_done(ollama):
    events = events_of("Comment créer un client ?", path="/clients/")
    names = [event["event"] for event in events]
    assert names[0] == "start"
    assert names[-1] == "done"
    assert names.count("token") > 1
    assert "".join(e["text"] for e in events if e["event"] == "token") == ANSWER
    done = events[-1]
    assert (done["source"], done["degraded"], done["answer"]) == ("model", False, ANSWER)
    assert events[0]["sources"][0]["url"].startswith("/help/articles/creer-un-client/")


def test_second_identical_question_is_a_cache_hit_without_model_request(ollama):
    events_of("Comment créer un client ?")
    assert ollama.chat_requests == 1
    done = events_of("Comment créer un client ?")[-1]
    assert (done["source"], done["answer"]) == ("cache", ANSWER)
    assert ollama.chat_requests == 1


def test_zero_cache_ttl_turns_the_answer_cache_off(ollama, settings):
    settings.HELP = {**settings.HELP, "CACHE_TTL": 0}
    events_of("Comment créer un client ?")
    assert events_of("Comment créer un client ?")[-1]["source"] == "model"
    assert ollama.chat_requests == 2


def test_normalised_variant_shares_the_cached_answer(ollama):
    events_of("Comment créer un client ?")
    assert events_of("comment  CREER un client")[-1]["source"] == "cache"
    assert ollama.chat_requests == 1


@pytest.mark.parametrize(
    ("other", "served"),
    [
        ({"lang": "en"}, ("model", "")),
        ({"path": "/devis/"}, ("model", "")),
        # Other hints on the same section: another exact entry, the same meaning.
        ({"hints": "Nouveau devis"}, ("cache", "similar")),
    ],
)
def test_another_language_page_or_hints_has_its_own_entry(ollama, other, served):
    # Keywords only: the page's language is the question's. "ici": about the page (a
    # question that is not has one answer for every page: test_pipeline_scope.py).
    events_of("Créer client ici", path="/clients/")
    done = events_of("Créer client ici", **{"path": "/clients/", **other})[-1]
    assert (done["source"], done["match"]) == served


def test_a_question_is_answered_in_the_language_it_is_asked_in(ollama):
    events = events_of("How do I create a client?", lang="fr", path="/clients/")
    assert events[0]["sources"][0]["url"].endswith("?lang=en")
    assert "LANGUAGE: English" in ollama.payloads[-1]["messages"][-1]["content"]
    assert HelpQuery.objects.get().lang == "en"


def test_editing_an_article_gives_a_new_answer(ollama, articles):
    events_of("Comment créer un client ?")
    article = articles[0]
    article.body += "\n5. Vérifiez la fiche."
    article.save()
    assert events_of("Comment créer un client ?")[-1]["source"] == "model"
    assert ollama.chat_requests == 2


def test_each_question_writes_a_row_with_its_stage_timings(ollama):
    events_of("Comment créer un client ?", path="/clients/")
    row = HelpQuery.objects.get()
    assert (row.source, row.degraded, row.error_kind, row.model) == (
        "model",
        False,
        "",
        "phi3:mini",
    )
    assert row.answer == ANSWER
    assert row.path == "/clients/"
    assert {
        "cache_ms",
        "retrieval_ms",
        "prompt_ms",
        "first_token_ms",
        "model_ms",
        "total_ms",
    } <= set(row.timings)
    assert row.top_score > 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_cold_questions_make_one_model_call(ollama):
    ollama.tokens_per_second = 30  # long enough for all askers to overlap
    results: list[dict] = []
    barrier = threading.Barrier(20)

    def asker() -> None:
        barrier.wait()
        results.append(Run.start(Question(text="Comment créer un client ?"), stream=False).result())

    threads = [threading.Thread(target=asker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 20
    assert ollama.chat_requests == 1
    assert {result["answer"] for result in results} == {ANSWER}
    assert sorted(result["source"] for result in results) == ["cache"] * 19 + ["model"]


def test_sequential_distinct_questions_stay_within_the_connection_pool(ollama, settings):
    for number in range(100):
        events_of(f"Question numéro {number} sur les clients")
    assert ollama.chat_requests == 100
    assert ollama.connections <= settings.HELP["HTTP_POOL_SIZE"]


def test_slow_model_gets_fallback_at_the_deadline_then_its_answer_is_cached(ollama):
    ollama.set_mode("slow_first_token", seconds=TEST_DEADLINE + 0.5)
    started = time.monotonic()
    result = Run.start(Question(text="Comment créer un client ?"), stream=False).result()
    elapsed = time.monotonic() - started
    assert (result["source"], result["degraded"]) == ("fallback", True)
    assert "Nouveau client" in result["answer"]
    assert elapsed < TEST_DEADLINE + 0.2
    assert HelpQuery.objects.get().error_kind == "timeout"
    # The model call went on in the background and filled the cache.
    assert pool.wait_idle(TEST_TIMEOUT)
    again = Run.start(Question(text="Comment créer un client ?"), stream=False).result()
    assert (again["source"], again["answer"]) == ("cache", ANSWER)
    assert ollama.chat_requests == 1


def test_stream_sends_fallback_then_upgrade_when_the_model_is_late(ollama):
    ollama.set_mode("slow_first_token", seconds=TEST_DEADLINE + 0.3)
    events = events_of("Comment créer un client ?")
    names = [event["event"] for event in events]
    assert names.index("fallback") < names.index("upgrade") < names.index("done")
    upgrade = events[names.index("upgrade")]
    assert upgrade["answer"] == ANSWER
    assert (events[-1]["source"], events[-1]["degraded"]) == ("model", False)


def test_hung_model_never_holds_a_stream_past_the_timeout(ollama):
    ollama.mode = "hung"
    started = time.monotonic()
    events = events_of("Comment créer un client ?")
    assert time.monotonic() - started < TEST_TIMEOUT + 1
    assert [e["event"] for e in events] == ["start", "fallback", "done"]
    assert events[-1]["degraded"] is True
    ollama.mode = "ok"  # release the hung handler


def test_degraded_answer_is_never_served_later_as_the_models(ollama):
    ollama.mode = "status_500"
    assert events_of("Comment créer un client ?")[-1]["source"] == "fallback"
    ollama.mode = "ok"
    done = events_of("Comment créer un client ?")[-1]
    assert (done["source"], done["answer"]) == ("model", ANSWER)


def test_down_model_falls_back_and_the_breaker_stops_calls_until_reset(ollama):
    ollama.mode = "status_500"
    for _ in range(3):
        assert events_of("Comment créer un client ?")[-1]["source"] == "fallback"
    assert ollama.chat_requests == 3
    for _ in range(3):
        assert events_of("Comment créer un client ?")[-1]["source"] == "fallback"
    assert ollama.chat_requests == 3  # the breaker is open: no request reaches Ollama
    kinds = list(HelpQuery.objects.order_by("created_at").values_list("error_kind", flat=True))
    assert kinds == ["server_error"] * 3 + ["breaker_open"] * 3
    ollama.mode = "ok"
    time.sleep(2.1)  # BREAKER_RESET in the fixture
    assert events_of("Comment créer un client ?")[-1]["source"] == "model"  # the probe
    assert events_of("Où sont les devis ?")[-1]["source"] == "model"  # closed again


def test_unreachable_model_answers_fallback_with_its_error_kind(ollama):
    ollama.mode = "down"
    done = events_of("Comment créer un client ?")[-1]
    assert (done["source"], done["degraded"]) == ("fallback", True)
    assert HelpQuery.objects.get().error_kind == "unreachable"


def test_503_then_200_is_retried_and_answered(ollama):
    ollama.fail_next(1, status=503)
    assert events_of("Comment créer un client ?")[-1]["source"] == "model"
    assert ollama.chat_requests == 2


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        ("status_404", "model_missing"),
        ("malformed", "bad_response"),
        ("error_line", "bad_response"),
        ("reset", "interrupted"),
        ("empty", "empty_answer"),
    ],
)
def test_broken_model_answers_give_a_degraded_answer(client, ollama, mode, kind):
    ollama.mode = mode
    events = ask_stream(client, "Comment créer un client ?")
    assert events[-1]["event"] == "done"
    assert (events[-1]["source"], events[-1]["degraded"]) == ("fallback", True)
    assert "Nouveau client" in events[-1]["answer"]
    assert HelpQuery.objects.get().error_kind == kind


def test_missing_model_shows_in_health(client, admin_client, ollama, settings):
    settings.HELP = {**settings.HELP, "OLLAMA_MODEL": "mistral:7b"}
    status, body = ask(client, "Comment créer un client ?")
    assert (status, body["source"]) == (200, "fallback")
    assert HelpQuery.objects.get().error_kind == "model_missing"
    health = admin_client.get("/help/health").json()
    assert (health["status"], health["error"], health["model_available"]) == (
        "degraded",
        "model_missing",
        False,
    )


def test_answers_are_served_when_redis_stops_during_the_run(client, ollama, redis_cache, settings):
    settings.HELP = {**settings.HELP, "METRICS_TOKEN": "ops-token"}
    ops = {"Authorization": "Bearer ops-token"}
    assert ask(client, "Comment créer un client ?")[1]["source"] == "model"
    redis_cache.stop()
    status, body = ask(client, "Comment créer un client ?")
    assert (status, body["source"], body["answer"]) == (200, "model", ANSWER)
    status, body = ask(client, "Et pour un devis ?")
    assert status == 200 and body["answer"]
    assert client.get("/help/health", headers=ops).json()["cache"] == "down"
    redis_cache.start()
    safe_cache.reset()
    assert client.get("/help/health", headers=ops).json()["cache"] == "up"


def test_no_article_fallback_links_the_article_index(ollama):
    HelpArticle.objects.all().delete()
    ollama.mode = "down"
    done = events_of("Quelle est la météo ?")[-1]
    assert "/help/articles/" in done["answer"]
    assert done["answer"].strip()


@pytest.mark.django_db(transaction=True)
def test_a_streaming_follower_gets_the_leaders_late_answer_as_an_upgrade(ollama):
    ollama.set_mode("slow_first_token", seconds=TEST_DEADLINE + 0.5)
    streams: list[list[dict]] = []
    barrier = threading.Barrier(3)

    def asker() -> None:
        barrier.wait()
        streams.append(events_of("Comment créer un client ?"))

    threads = [threading.Thread(target=asker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TEST_TIMEOUT + 2)
    assert ollama.chat_requests == 1  # one leader, two followers
    for events in streams:
        names = [event["event"] for event in events]
        assert names.index("fallback") < names.index("upgrade") < names.index("done")
        assert events[names.index("upgrade")]["answer"] == ANSWER
        assert events[-1]["degraded"] is False


def test_a_half_open_probe_that_finds_the_pool_full_lets_the_next_request_probe(ollama, settings):
    settings.HELP = {**settings.HELP, "HTTP_POOL_SIZE": 1}
    ollama.mode = "hung"
    # Its call stays in the pool, hung, after its fallback at the deadline.
    Run.start(Question(text="Une question qui occupe le pool"), stream=False).result()
    assert pool.in_flight == 1
    safe_cache.set(breaker.key(None, breaker.OPEN_UNTIL), time.time() - 1, 60)  # half-open
    done = events_of("Comment créer un client ?")[-1]
    assert HelpQuery.objects.latest("created_at").error_kind == "busy"
    assert done["source"] == "fallback"
    assert safe_cache.get(breaker.key(None, breaker.PROBE)) is None
    assert breaker.allow_request()  # the next request is the probe
    ollama.mode = "ok"  # release the hung handler


def test_a_changed_prompt_budget_never_serves_answers_made_with_the_old_one(ollama, settings):
    assert events_of("Comment créer un client ?")[-1]["source"] == "model"
    assert events_of("Comment créer un client ?")[-1]["source"] == "cache"
    settings.HELP = {**settings.HELP, "MAX_DOCS_CHARS": 300}
    assert events_of("Comment créer un client ?")[-1]["source"] == "model"


def test_a_question_in_other_words_is_served_by_meaning_until_the_cache_is_cleared(ollama):
    assert events_of("Comment créer un client ?", path="/clients/")[-1]["source"] == "model"
    done = events_of("je veux ajouter un nouveau client", path="/clients/")[-1]
    assert (done["source"], done["match"], done["answer"]) == ("cache", "similar", ANSWER)
    assert ollama.chat_requests == 1
    assert HelpQuery.objects.filter(match="similar").count() == 1
    clear_answers()
    assert events_of("je veux ajouter un nouveau client", path="/clients/")[-1]["source"] == "model"


def test_a_negated_question_is_not_served_the_how_to(ollama):
    events_of("Comment créer un client ?", path="/clients/")
    done = events_of("je ne peux pas créer de client", path="/clients/")[-1]
    assert done["source"] == "model"
