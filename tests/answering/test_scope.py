"""An answer's scope: questions about the page, and articles no page can reorder."""

from __future__ import annotations

import pytest

from help.answering.scope import MAX_BOOST, page_independent, refers_to_page
from help.search.index import MIN_SCORE, RELATIVE_FLOOR, ScoredArticle

ABOUT_THE_PAGE = [
    "Que fait ce bouton ?",
    "Que dois-je mettre dans ce champ ?",
    "À quoi sert cette page ?",
    "Comment lire cet écran ?",
    "Je peux faire quoi ici ?",
    "C'est quoi ce chiffre en haut ?",
    "Comment remplir ce formulaire ?",
    "Qu'est-ce qui s'affiche sur la page ?",
    "What does this button do?",
    "What goes in this field?",
    "What is this page for?",
    "What can I do here?",
    "How do I read this screen?",
    "What is shown on the screen?",
    "Explain the current page",
]
NOT_ABOUT_THE_PAGE = [
    "Comment créer un client ?",
    "Où est la page des clients ?",  # names another page
    "Comment ajouter un bouton de paiement ?",  # no demonstrative
    "Combien de temps ça prend ?",
    "Comment imprimer ce devis ?",  # a thing of the app, not of the screen
    "How do I create a quote?",
    "Where is the clients page?",
    "Is there a button to print a quote?",
    "Why is that quote still a draft?",
    "Comment choisir la date ?",
]


@pytest.mark.parametrize("question", ABOUT_THE_PAGE)
def test_a_question_about_the_page_refers_to_it(question):
    assert refers_to_page(question)


@pytest.mark.parametrize("question", NOT_ABOUT_THE_PAGE)
def test_a_question_about_the_app_does_not(question):
    assert not refers_to_page(question)


def scored(*scores: float) -> list[ScoredArticle]:
    return [
        ScoredArticle(f"a{at}", "Titre", "fr", f"/a{at}/", "/", "", score)
        for at, score in enumerate(scores)
    ]


def test_an_article_no_boost_can_overtake_makes_the_answer_site_wide():
    assert page_independent([])
    assert page_independent(scored(0.5))
    assert page_independent(scored(1.0, 0.99 / MAX_BOOST, 0.1))
    assert not page_independent(scored(1.0, 1.0 / MAX_BOOST))
    assert not page_independent(scored(0.8, 0.7))


def test_a_weak_best_article_keeps_the_page():
    weak = MIN_SCORE * MAX_BOOST
    assert not page_independent(scored(weak * 0.99))
    assert not page_independent(scored(weak * 0.99, 0.01))
    assert page_independent(scored(weak))


def test_articles_the_search_leaves_out_are_too_far_for_any_boost():
    # An article alone in the results had the others under the relative floor.
    assert RELATIVE_FLOOR * MAX_BOOST < 1
