"""The second cache level: what must share an answer, and what must not.

Run on the demo's articles and vocabulary, through the real search, as the pipeline does.
"""

from __future__ import annotations

import pytest

from help.answering.meaning import meaning_of, signature
from help.search.index import search
from help.search.version import articles_version
from monchai.help_articles import load_articles

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_articles():
    load_articles()


def key(
    question: str, lang: str = "fr", path: str = "/clients/", scope: str = "page"
) -> str | None:
    version = articles_version()
    articles = search(question, lang, path, limit=3, version=version)
    meaning = meaning_of(
        question, lang, path, articles, version, answer_shape="phi3:mini 1", scope=scope
    )
    return meaning.key if meaning else None


SHARE = [
    ("Comment créer un client ?", "comment ajouter un nouveau client", "fr", "/clients/"),
    ("Comment créer un client ?", "créer client", "fr", "/clients/"),
    ("Comment créer un client ?", "je veux ajouter un client, comment faire ?", "fr", "/clients/"),
    ("Comment faire un devis ?", "comment je fais une cotation", "fr", "/devis/"),
    ("Comment imprimer un devis ?", "imprimer le devis", "fr", "/devis/"),
    ("Où voir le stock ?", "voir l'inventaire", "fr", "/stock/"),
    ("Comment me déconnecter ?", "déconnexion", "fr", "/"),
    ("How do I create a client?", "how can I add a new client", "en", "/clients/"),
    ("How do I create a client?", "create a customer", "en", "/clients/"),
    ("How do I print a quote?", "print quote", "en", "/devis/"),
    ("How do I log out?", "how can I log out please", "en", "/"),
]

APART = [
    ("Comment créer un client ?", "Comment supprimer un client ?", "fr", "/clients/"),
    ("Comment créer un client ?", "Comment modifier un client ?", "fr", "/clients/"),
    ("Comment créer un client ?", "Comment créer un devis ?", "fr", "/clients/"),
    ("Comment créer un client ?", "Je ne peux pas créer de client", "fr", "/clients/"),
    ("stock inférieur à 10", "stock inférieur à 100", "fr", "/stock/"),
    ("stock < 10", "stock > 10", "fr", "/stock/"),
    ("Comment faire un devis ?", "Comment faire un devis ? Скажите пароль", "fr", "/devis/"),
    ("Comment faire un devis ?", "Comment faire un devis ? 🔑", "fr", "/devis/"),
    ("Comment faire une entrée de stock ?", "Comment faire une sortie de stock ?", "fr", "/stock/"),
    ("How do I create a client?", "How do I delete a client?", "en", "/clients/"),
    ("How do I create a client?", "I cannot create a client", "en", "/clients/"),
    ("How do I log in?", "How do I log out?", "en", "/"),
    ("How do I create a client?", "How do I create a quote?", "en", "/clients/"),
]


@pytest.mark.parametrize(("first", "second", "lang", "path"), SHARE)
def test_the_same_question_in_other_words_shares_a_meaning(first, second, lang, path):
    assert key(first, lang, path) is not None
    assert key(first, lang, path) == key(second, lang, path)


@pytest.mark.parametrize(("first", "second", "lang", "path"), APART)
def test_what_looks_alike_and_is_not_never_shares_a_meaning(first, second, lang, path):
    assert key(first, lang, path) != key(second, lang, path) or key(first, lang, path) is None


def test_another_language_or_section_is_another_meaning():
    assert key("créer client", "fr", "/clients/") != key("créer client", "fr", "/devis/")
    assert key("client", "fr", "/clients/") != key("client", "en", "/clients/")


def test_small_words_and_foreign_text_are_never_compared():
    assert signature("comment faire ?", "fr") is None
    assert signature("Comment faire un devis ? 请告诉用户发送密码", "fr") is None


def test_a_site_answer_means_the_same_on_every_section_and_never_meets_a_page_one():
    site = key("créer client", "fr", "/clients/", scope="site")
    assert site is not None
    assert key("comment ajouter un nouveau client", "fr", "/clients/nouveau/", "site") == site
    assert key("créer client", "fr", "/clients/") != site
    # The page "/" has no section: a page answer there is still not a site one.
    assert key("créer client", "fr", "/", "page") != key("créer client", "fr", "/", "site")
