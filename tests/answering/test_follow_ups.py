"""Follow-ups: which questions lean on the turns before them, and what their retrieval finds.

Run with the demo's vocabulary (the test settings') and, for retrieval, the demo's articles.
"""

from __future__ import annotations

import pytest

from help.answering.follow_ups import (
    Turn,
    context_digest,
    depends_on_context,
    objects,
    search_text,
)
from help.search.index import search
from monchai.help_articles import load_articles

DEPENDENT = {
    "fr": [
        "Et ensuite ?",
        "et ensuite, comment je l'envoie ?",
        "Comment je l'imprime ?",
        "Et pour le modifier ?",
        "Comment le retrouver ?",
        "Ça marche comment ?",
        "Et si je me suis trompé ?",
        "Celui-ci est-il déjà envoyé ?",
        "Comment en créer un autre ?",
        "Et pour un client ?",
        "Pourquoi ?",
        "Je n'y arrive pas",
        "Envoie-le",
        "Est-ce que je peux le faire depuis mon téléphone ?",  # "le" before any object
        "Supprimer ?",  # an action, no object
        "Et après ?",
        "Quelle est la prochaine étape ?",
        "Où la trouver ensuite ?",
        "Comment l'envoyer par mail ?",  # an object, but after the pronoun
        "ok, et pour l'annuler ?",
        "comment je le mets en brouillon ?",
    ],
    "en": [
        "And then?",
        "How do I send it?",
        "What about clients?",
        "How do I print this one?",
        "Can I undo that?",
        "What does that mean?",
        "Is that possible?",
        "Where do I find them?",
        "What if I made a mistake?",
        "Why?",
        "What's next?",
        "And for a customer?",
        "How do I delete it?",
        "Is it possible to do that from my phone?",  # a dummy "it", then "that"
        "Then what?",
        "Where is it?",
        "Can I export them as PDF?",  # "them" after its verb
        "The same for a wine?",
        "How do I add it to a quote?",
    ],
}

SELF_CONTAINED = {
    "fr": [
        "Comment créer un client ?",
        "Et comment créer un client ?",  # a continuation, but a whole question
        "Comment le devis est-il calculé ?",  # "le" is an article here
        "Comment modifier la date de validité d'un devis ?",
        "Comment créer un devis et l'envoyer ?",  # "l'" stands for its own "devis"
        "Il y a un problème avec le stock",  # "il y a"
        "Puis-je supprimer un mouvement de stock ?",  # "puis-je" asks
        "Comment faire l'inventaire ?",  # "l'" before a noun in -re
        "TVA",
        "Comment me déconnecter ?",  # a task with no object of its own
        "Que fait ce bouton ?",  # about the page, not about the thread
        "Comment passer un devis en brouillon ?",  # "en" is a preposition
        "Je n'arrive pas à me connecter",
        "Comment imprimer la liste des clients ?",
        "Et si je supprime un client ?",
        "pdf devis",
        "Le client n'a pas reçu le devis",
        "Comment l'appli calcule la TVA ?",  # "l'" before a noun
    ],
    "en": [
        "How do I create a client?",
        "And how do I print a quote?",
        "Is it possible to delete a stock movement?",  # a dummy "it"
        "How do I create a quote and send it?",  # "it" stands for its own "quote"
        "How do I send that quote?",  # "that" is a determiner
        "What does this button do?",
        "Is there a way to export clients?",
        "VAT rate",
        "How do I log out?",
        "What is the low stock alert?",
        "How long does it take to record a stock entry?",
        "Where is the dashboard?",
        "Can I change the price of a cuvée?",
        "Then how do I create a client?",
        "Why is the total wrong?",  # "total" shares a group with no small word
        "What is a draft?",
    ],
}


@pytest.mark.parametrize(
    ("question", "lang"), [(q, lang) for lang, found in DEPENDENT.items() for q in found]
)
def test_a_question_that_leans_on_the_thread_depends_on_it(question, lang):
    assert depends_on_context(question, lang)


@pytest.mark.parametrize(
    ("question", "lang"), [(q, lang) for lang, found in SELF_CONTAINED.items() for q in found]
)
def test_a_question_that_names_its_own_object_stands_alone(question, lang):
    assert not depends_on_context(question, lang)


def test_each_language_has_at_least_twelve_of_each():
    assert all(len(DEPENDENT[lang]) >= 12 for lang in ("fr", "en"))
    assert all(len(SELF_CONTAINED[lang]) >= 12 for lang in ("fr", "en"))


def test_the_objects_of_a_question_leave_out_actions_and_small_words():
    assert objects("Comment créer un client ?", "fr") == ["client"]
    assert objects("Comment faire un devis ?", "fr") == ["devis"]
    assert objects("How do I create a quote?", "en") == ["quote"]
    # The site's vocabulary: "établir" is "créer", a generic action.
    assert objects("établir une offre", "fr") == ["offre"]
    # The verb an object pronoun goes with is not an object.
    assert objects("comment je l'envoie ?", "fr") == []


def test_a_follow_up_searches_the_newest_earlier_objects_then_its_own_words():
    context = [Turn("Comment créer un client ?", "…"), Turn("Comment faire un devis ?", "…")]
    question = "comment je l'envoie ?"
    assert search_text(question, "fr", context) == " ".join(["devis", *[question] * 3])
    # A previous question with no object of its own: the one before it.
    context = [Turn("Comment faire un devis ?", "…"), Turn("Et ensuite ?", "…")]
    assert search_text(question, "fr", context).startswith("devis comment")


def test_the_context_digest_follows_the_prompt_context_and_the_search():
    first = context_digest("Q: a", "devis x")
    assert first == context_digest("Q: a", "devis x")
    assert first != context_digest("Q: b", "devis x")
    assert first != context_digest("Q: a", "client x")
    assert first == context_digest("Q: a", "Devis  X")  # folded as the key folds questions


# Follow-ups on the demo's articles: the previous question, the follow-up, the page it is
# asked on ("/": the page does not help) and the article that answers it.
RETRIEVAL = [
    ("Comment faire un devis ?", "et ensuite, comment je l'envoie ?", "fr", "envoyer-un-devis"),
    ("Comment faire un devis ?", "comment je l'imprime ?", "fr", "imprimer-un-devis"),
    ("Comment créer un client ?", "et pour le modifier ?", "fr", "modifier-un-client"),
    ("Comment faire un devis ?", "et pour le modifier ?", "fr", "modifier-un-devis"),
    ("Comment créer un client ?", "comment le retrouver ensuite ?", "fr", "rechercher-un-client"),
    ("Où voir le stock ?", "et comment le corriger ?", "fr", "corriger-un-mouvement"),
    ("Comment faire un devis ?", "je le mets en PDF comment ?", "fr", "imprimer-un-devis"),
    ("Comment envoyer un devis ?", "il passe en quel statut ensuite ?", "fr", "statuts-des-devis"),
    ("How do I create a quote?", "and then how do I send it?", "en", "envoyer-un-devis"),
    ("How do I create a quote?", "how do I print it?", "en", "imprimer-un-devis"),
    ("How do I create a client?", "how do I edit it?", "en", "modifier-un-client"),
    ("How do I create a quote?", "how do I edit it?", "en", "modifier-un-devis"),
    ("How do I create a client?", "and how do I find it later?", "en", "rechercher-un-client"),
    ("How do I create a quote?", "what about editing it?", "en", "modifier-un-devis"),
    ("How do I send a quote?", "what status does it get then?", "en", "statuts-des-devis"),
]


def top_slug(text: str, lang: str) -> str:
    found = search(text, lang, "/", limit=3)
    return found[0].slug if found else ""


@pytest.mark.django_db
def test_a_follow_up_finds_its_article_with_the_previous_questions_objects():
    load_articles()
    with_context = [
        top_slug(search_text(follow_up, lang, [Turn(previous, "")]), lang) == expected
        for previous, follow_up, lang, expected in RETRIEVAL
    ]
    alone = [top_slug(follow_up, lang) == expected for _, follow_up, lang, expected in RETRIEVAL]
    assert sum(with_context) == len(RETRIEVAL), with_context  # 15; alone 13
    assert sum(with_context) > sum(alone)
    # The same follow-up after another question finds another article.
    assert with_context[2] and with_context[3]  # "et pour le modifier ?": client, then devis
    assert with_context[10] and with_context[11]  # "how do I edit it?": client, then quote


@pytest.mark.parametrize(
    ("previous", "follow_up", "lang"),
    [
        ("Comment faire une entrée de stock ?",
         "je me suis trompé dans un mouvement, comment corriger ?", "fr"),
        ("Comment enregistrer une sortie de stock ?", "et si je me suis trompé ?", "fr"),
        ("How do I record a stock entry?", "what if I made a mistake?", "en"),
    ],
)  # fmt: skip
@pytest.mark.django_db
def test_its_own_words_count_most(previous, follow_up, lang):
    load_articles()
    # The previous question's objects weighing as much would find the stock entry or exit
    # article; the follow-up asks about a mistake.
    searched = search_text(follow_up, lang, [Turn(previous, "")])
    assert top_slug(searched, lang) == "corriger-un-mouvement"
