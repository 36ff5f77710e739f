from __future__ import annotations

import time

import pytest

from help.answering.answer_cache import answer_key, clear_answers, get_answer, store_answer
from help.shared_state.safe_cache import safe_cache
from help.shared_state.single_flight import Flight

BASE = {
    "question": "Comment créer un client ?",
    "lang": "fr",
    "path": "/clients/",
    "hints": "Clients",
    "model": "phi3:mini",
    "prompt_version": "1",
    "articles_version": "abc",
}


def key(**changes) -> str:
    return answer_key(**{**BASE, **changes})


@pytest.mark.parametrize(
    "variant",
    ["comment creer un client", "COMMENT CRÉER UN CLIENT", "  Comment   créer un client?!  "],
)
def test_case_accents_punctuation_and_spacing_share_a_key(variant):
    assert key(question=variant) == key()


@pytest.mark.parametrize(
    "change",
    [
        {"lang": "en"},
        {"path": "/devis/"},
        {"hints": "Devis"},
        {"model": "llama3.2:1b"},
        {"prompt_version": "2"},
        {"articles_version": "def"},
        {"question": "Comment modifier un client ?"},
    ],
)
def test_language_page_hints_model_prompt_and_articles_each_separate_keys(change):
    assert key(**change) != key()


def test_answers_round_trip_through_redis():
    store_answer(key(), {"answer": "Réponse", "sources": []})
    assert get_answer(key()) == {"answer": "Réponse", "sources": []}
    assert get_answer(key(lang="en")) is None


def test_an_empty_answer_is_never_served():
    store_answer(key(), {"answer": "", "sources": []})
    assert get_answer(key()) is None


def test_clear_answers_removes_answers_only():
    store_answer(key(), {"answer": "Réponse"})
    safe_cache.set("help:other", 1, 60)
    assert clear_answers() == 1
    assert get_answer(key()) is None
    assert safe_cache.get("help:other") == 1


def test_a_cache_outage_is_a_miss_and_skips_the_cache_for_a_while(redis_cache, caplog):
    store_answer(key(), {"answer": "Réponse"})
    redis_cache.stop()
    assert get_answer(key()) is None
    assert not safe_cache.available
    assert get_answer(key()) is None  # no new attempt during the back-off window
    warnings = [r for r in caplog.records if "cache unavailable" in r.getMessage()]
    assert len(warnings) == 1  # logged once, not per request


def test_incr_many_counts_atomically_with_expiry(redis_cache):
    assert safe_cache.incr_many([("help:a", 1, 60), ("help:b", 5, None)]) == [1, 5]
    assert safe_cache.incr_many([("help:a", 2, 60)]) == [3]
    assert 0 < safe_cache.backend.ttl("help:a") <= 60


def test_only_one_flight_leads_and_followers_get_its_answer():
    leader, follower = Flight(key()), Flight(key())
    assert leader.acquire()
    assert not follower.acquire()
    store_answer(key(), {"answer": "Réponse"})
    leader.release()
    entry, kind = follower.wait(time.monotonic() + 1)
    assert (entry["answer"], kind) == ("Réponse", "")


def test_followers_learn_of_the_leaders_failure_at_once():
    leader, follower = Flight(key()), Flight(key())
    leader.acquire()
    follower.acquire()
    leader.fail("unreachable")
    started = time.monotonic()
    assert follower.wait(started + 5) == (None, "unreachable")
    assert time.monotonic() - started < 1


def test_a_follower_takes_over_when_the_leader_vanishes():
    leader, follower = Flight(key()), Flight(key())
    leader.acquire()
    follower.acquire()
    safe_cache.delete(leader.lock_key)  # the leader's lock expired without an answer
    assert follower.wait(time.monotonic() + 1) == (None, "leader_lost")
    assert follower.leader


def test_a_follower_waits_no_longer_than_its_deadline():
    leader, follower = Flight(key()), Flight(key())
    leader.acquire()
    follower.acquire()
    assert follower.wait(time.monotonic() + 0.2) == (None, "timeout")


def test_with_the_cache_down_everyone_leads(redis_cache):
    redis_cache.stop()
    assert Flight(key()).acquire()
    assert Flight(key()).acquire()
