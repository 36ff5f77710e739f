from __future__ import annotations

import pytest

from help.answering.answer_cache import answer_key, clear_answers, get_answer, store_answer
from help.shared_state.safe_cache import safe_cache

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
