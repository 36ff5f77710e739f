"""The starting points: curated first, then the most asked, then the articles; one language."""

from __future__ import annotations

import pytest

from help.answering.starting_points import MAX_STARTERS, prefixes_covering, starting_points
from help.models import HelpArticle, HelpCuratedAnswer, HelpQuery
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db


def curate(question: str, path_prefix: str = "/devis/", language: str = "fr", **fields):
    return HelpCuratedAnswer.objects.create(
        question=question, path_prefix=path_prefix, language=language, answer=".", **fields
    )


def asked(question: str, times: int, path: str = "/devis/", lang: str = "fr") -> None:
    HelpQuery.objects.bulk_create(
        HelpQuery(question=question, path=path, lang=lang, source="model") for _ in range(times)
    )


def test_curated_questions_come_first_then_the_most_asked_then_the_articles():
    make_articles()
    asked("Comment ajouter une remise ?", 3, path="/devis/7/")
    asked("Comment dupliquer un devis ?", 5)
    curate("Comment envoyer un devis ?")
    assert starting_points("/devis/", "fr") == [
        "Comment envoyer un devis ?",
        "Comment dupliquer un devis ?",
        "Comment ajouter une remise ?",
        "Faire un devis",
    ]


def test_the_most_specific_curated_section_comes_first_and_inactive_ones_never():
    curate("Que faire sur n'importe quelle page ?", path_prefix="")
    curate("Comment relancer un devis ?", path_prefix="/devis/")
    curate("Comment signer ce devis ?", path_prefix="/devis/12/")
    curate("Question retirée ?", active=False)
    curate("Comment créer un client ?", path_prefix="/clients/")
    assert starting_points("/devis/12/", "fr") == [
        "Comment signer ce devis ?",
        "Comment relancer un devis ?",
        "Que faire sur n'importe quelle page ?",
    ]


def test_only_the_page_language_and_the_page_section_are_offered():
    make_articles()
    asked("How do I send a quote?", 9, lang="en")
    asked("Comment créer un client ?", 9, path="/clients/")
    curate("How do I sign a quote?", language="en")
    asked("Comment dupliquer un devis ?", 2)
    assert starting_points("/devis/3/", "fr") == ["Comment dupliquer un devis ?", "Faire un devis"]
    assert starting_points("/devis/3/", "en") == [
        "How do I sign a quote?",
        "How do I send a quote?",
    ]


def test_never_more_than_four():
    for number in range(6):
        curate(f"Question numéro {number} ?")
        asked(f"Autre question {number} ?", 3)
    found = starting_points("/devis/", "fr")
    assert len(found) == MAX_STARTERS == 4
    assert found == [f"Question numéro {n} ?" for n in (5, 4, 3, 2)]  # latest edited first


def test_a_question_asked_once_or_holding_personal_data_is_not_shown_to_others():
    asked("Pourquoi le devis de M. Durand est-il bloqué ?", 1)
    asked("Envoyer le devis à jeanne.durand@example.com ?", 4)
    asked("Que veut dire le statut 4431 2290 ?", 4)
    asked("Comment ajouter 3 bouteilles au devis ?", 2)
    assert starting_points("/devis/", "fr") == ["Comment ajouter 3 bouteilles au devis ?"]


def test_spellings_of_one_question_are_offered_once():
    curate("Comment envoyer un devis ?")
    asked("comment envoyer un devis", 4)
    asked("Comment  envoyer   un devis ?", 3, path="/devis/2/")
    assert starting_points("/devis/", "fr") == ["Comment envoyer un devis ?"]


def test_articles_offer_their_first_alternate_question_those_of_the_page_first():
    HelpArticle.objects.create(
        slug="lister", language="fr", title="Les devis", path_prefix="/devis/", body="."
    )
    HelpArticle.objects.create(
        slug="nouveau", language="fr", title="Nouveau devis", path_prefix="/devis/nouveau/",
        body=".", questions="Comment faire un devis ?\nCréer un devis",
    )  # fmt: skip
    HelpArticle.objects.create(
        slug="stock", language="fr", title="Le stock", path_prefix="/stock/", body="."
    )
    assert starting_points("/devis/nouveau/", "fr") == ["Comment faire un devis ?", "Les devis"]
    assert starting_points("/devis/", "fr") == ["Les devis", "Comment faire un devis ?"]


def test_an_empty_site_has_no_starting_point():
    assert starting_points("/", "fr") == []
    assert starting_points("/clients/", "en") == []


def test_the_choice_is_kept_a_minute_per_page_and_language():
    curate("Comment envoyer un devis ?")
    assert starting_points("/devis/", "fr") == ["Comment envoyer un devis ?"]
    curate("Comment relancer un devis ?", path_prefix="/devis/1/")
    assert starting_points("/devis/", "fr") == ["Comment envoyer un devis ?"]  # cached
    assert starting_points("/devis/1/", "fr")[0] == "Comment relancer un devis ?"
    assert starting_points("/devis/", "en") == []


def test_a_long_curated_question_is_no_starting_point():
    curate("Comment " + "très " * 40 + "long ?")
    assert starting_points("/devis/", "fr") == []


def test_the_sections_covering_a_page():
    assert prefixes_covering("/devis/12/") == {
        "", "/", "/devis", "/devis/", "/devis/12", "/devis/12/",
    }  # fmt: skip
    assert prefixes_covering("/") == {"", "/"}
