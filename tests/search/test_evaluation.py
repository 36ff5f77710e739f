"""Article search over the evaluation set of ``benchmarks/retrieval_eval.py``: the set is sane,
and the search meets its floors on the whole of it (tuning and held-out parts together)."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, resolve

from benchmarks.retrieval_eval import Item, evaluate, format_misses, format_table, load_items
from monchai.help_articles import ARTICLES_DIR, load_articles

HIT1_FLOOR = 0.85
HIT3_FLOOR = 0.95


@pytest.fixture(scope="module")
def items() -> list[Item]:
    return load_items()


def test_the_set_is_large_and_about_two_thirds_french(items):
    assert len(items) >= 120
    assert {item.lang for item in items} == {"fr", "en"}
    assert {item.page_lang for item in items} == {"fr", "en"}
    assert 0.6 <= sum(item.lang == "fr" for item in items) / len(items) <= 0.72
    assert sum(item.lang == "en" and item.page_lang == "fr" for item in items) >= 12


def test_no_question_is_asked_twice_on_the_same_page(items):
    asked = [(item.question.casefold(), item.path) for item in items]
    assert len(asked) == len(set(asked))


def test_every_expected_slug_is_a_demo_article(items):
    slugs = {path.name.removesuffix(".md").rpartition(".")[0] for path in ARTICLES_DIR.glob("*.md")}
    for item in items:
        assert item.expected, item.question
        assert set(item.expected) <= slugs, item


def test_every_question_is_asked_on_a_page_of_the_demo(items):
    for item in items:
        assert item.path.startswith("/"), item
        try:
            resolve(item.path)
        except Resolver404:
            pytest.fail(f"{item.path} is not a page of the demo ({item.question!r})")


def test_a_third_of_each_language_is_held_out(items):
    for lang in ("fr", "en"):
        written = [item for item in items if item.lang == lang]
        assert 0.3 <= sum(item.held_out for item in written) / len(written) <= 0.37, lang


@pytest.mark.django_db
def test_search_finds_the_expected_article_first_for_most_questions(items):
    load_articles()
    report = evaluate(items)
    whole = report.score()
    assert whole.hit1 >= HIT1_FLOOR and whole.hit3 >= HIT3_FLOOR, (
        f"hit@1 {whole.hit1:.2f} (floor {HIT1_FLOOR}), hit@3 {whole.hit3:.2f} "
        f"(floor {HIT3_FLOOR})\n{format_table(report)}\n"
        f"Misses at 1, tuning part:\n{format_misses(report.misses(held_out=False))}"
    )
