from __future__ import annotations

import pytest

from help.models import HelpArticle
from help.search.index import MIN_SCORE, search, snippet
from help.search.text import plain_text, words
from help.search.word_forms import stem
from monchai.help_articles import load_articles

pytestmark = pytest.mark.django_db


def make_article(slug: str, title: str, body: str, **fields) -> HelpArticle:
    return HelpArticle.objects.create(slug=slug, title=title, body=body, **fields)


def slugs(query: str, lang: str = "fr", path: str = "") -> list[str]:
    return [article.slug for article in search(query, lang, path)]


@pytest.fixture
def demo_articles() -> None:
    load_articles()


@pytest.mark.parametrize(
    ("forms", "language"),
    [
        (["créer", "créez", "créé", "créée", "créées", "création", "CRÉATION"], "fr"),
        (["modifier", "modifiez", "modifié", "modification"], "fr"),
        (["bouteille", "bouteilles"], "fr"),
        (["total", "totaux"], "fr"),
        (["négatif", "négative", "négatifs"], "fr"),
        (["enregistrer", "enregistrement", "enregistrez"], "fr"),
        (["quote", "quotes", "quoted", "quoting"], "en"),
        (["log", "logged", "logging"], "en"),
        (["entry", "entries"], "en"),
        (["calculate", "calculated", "calculation"], "en"),
    ],
)
def test_word_forms_share_a_stem(forms, language):
    assert len({stem(words(form)[0], language) for form in forms}) == 1


def test_a_word_in_a_title_beats_the_same_word_in_a_body():
    make_article(
        "envoyer-un-devis", "Envoyer un devis", "Imprimez le devis, puis imprimez la copie."
    )
    make_article("imprimer-un-devis", "Imprimer un devis", "Cliquez sur PDF.")
    assert slugs("imprimer")[0] == "imprimer-un-devis"


def test_case_and_accents_do_not_matter():
    make_article("creer-un-client", "Créer un client", "Cliquez sur Nouveau client.")
    make_article("faire-un-devis", "Faire un devis", "Choisissez le client.")
    assert search("CREER CLIENT", "fr") == search("créer client", "fr")
    assert slugs("CREER CLIENT") == ["creer-un-client"]


def test_french_word_forms_find_each_other():
    make_article(
        "faire-un-devis", "Faire un devis", "Cliquez sur Nouveau devis pour créer un devis."
    )
    make_article("gerer-le-stock", "Gérer le stock", "Les bouteilles en stock de chaque cuvée.")
    assert slugs("création d'un devis") == ["faire-un-devis"]


def test_english_word_forms_find_each_other():
    make_article("faire-un-devis", "Create a quote", "Click New quote.", language="en")
    make_article("gerer-le-stock", "Manage the stock", "Bottles in stock.", language="en")
    assert slugs("quotes", "en") == ["faire-un-devis"]


def test_the_current_page_breaks_a_tie():
    body = "Ouvrez la fiche puis cliquez sur Modifier."
    make_article("modifier-un-client", "Modifier un client", body, path_prefix="/clients/")
    make_article("modifier-un-devis", "Modifier un devis", body, path_prefix="/devis/")

    neutral = search("modifier", "fr")
    assert neutral[0].score == neutral[1].score  # a tie, broken by title
    assert [article.slug for article in neutral] == ["modifier-un-client", "modifier-un-devis"]
    assert slugs("modifier", path="/devis/12/") == ["modifier-un-devis", "modifier-un-client"]
    assert slugs("modifier", path="/clients/") == ["modifier-un-client", "modifier-un-devis"]


def test_the_longest_matching_page_prefix_gets_the_biggest_boost():
    body = "Vérifiez le taux de TVA."
    make_article("accueil", "TVA et accueil", body, path_prefix="/")
    make_article("devis", "TVA des devis", body, path_prefix="/devis/")
    make_article("nouveau-devis", "TVA du nouveau devis", body, path_prefix="/devis/nouveau/")

    ranked = search("tva", "fr", path="/devis/nouveau/")
    assert [article.slug for article in ranked] == ["nouveau-devis", "devis", "accueil"]
    assert ranked[0].score > ranked[1].score > ranked[2].score
    # "/" documents the home page only.
    unboosted = {article.slug: article.score for article in search("tva", "fr")}
    assert ranked[2].score == unboosted["accueil"]
    assert slugs("tva", path="/")[0] == "accueil"


def test_the_page_boost_alone_does_not_make_an_article_match():
    make_article("gerer-le-stock", "Gérer le stock", "Les bouteilles.", path_prefix="/stock/")
    make_article("creer-un-client", "Créer un client", "Nouveau client.", path_prefix="/clients/")
    assert slugs("nouveau client", path="/stock/") == ["creer-un-client"]


@pytest.mark.parametrize("query", ["vendanges et météo", "", "   ", "comment le la les ?"])
def test_a_query_without_a_known_word_finds_nothing(query):
    make_article("creer-un-client", "Créer un client", "Cliquez sur Nouveau client.")
    assert search(query, "fr") == []


def test_the_last_word_may_be_unfinished():
    make_article("creer-un-client", "Créer un client", "Cliquez sur Nouveau client.")
    make_article("modifier-un-devis", "Modifier un devis", "Changez les lignes.")
    assert slugs("crea") == ["creer-un-client"]
    assert slugs("comment modi") == ["modifier-un-devis"]
    assert slugs("client li") == ["creer-un-client"]  # too short to stand for "lignes"


def test_the_limit_caps_the_results():
    for number in range(5):
        make_article(f"devis-{number}", f"Devis {number}", "Un devis.")
    assert len(search("devis", "fr")) == 3
    assert len(search("devis", "fr", limit=5)) == 5


def test_a_language_without_articles_falls_back_to_the_other():
    make_article("creer-un-client", "Créer un client", "Nouveau client.")
    assert slugs("client", "en") == ["creer-un-client"]

    make_article("faire-un-devis", "Create a quote", "Click New quote.", language="en")
    assert slugs("client", "en") == []  # English articles exist now: no fallback
    assert [a.language for a in search("quote", "en-gb")] == ["en"]


def test_the_index_follows_edits_and_deletions():
    article = make_article("gerer-le-stock", "Gérer le stock", "Les bouteilles.")
    assert slugs("vendanges") == []

    article.body = "Les bouteilles, après les vendanges."
    article.save()
    assert slugs("vendanges") == ["gerer-le-stock"]

    article.delete()
    assert slugs("bouteilles") == []


def test_results_carry_the_article_fields():
    make_article("creer-un-client", "Créer un client", "Cliquez.", path_prefix="/clients/")
    [article] = search("client", "fr")
    assert (article.slug, article.title, article.language) == (
        "creer-un-client",
        "Créer un client",
        "fr",
    )
    assert article.url == "/help/articles/creer-un-client/?lang=fr"
    assert (article.path_prefix, article.body) == ("/clients/", "Cliquez.")


def test_scores_run_from_zero_to_about_one():
    make_article("creer-un-client", "Créer un client", "Créez le client : saisissez le client.")
    make_article("gerer-le-stock", "Gérer le stock", "Les bouteilles en stock.")
    make_article("faire-un-devis", "Faire un devis", "Choisissez un client.")

    [best] = search("créer client", "fr")
    assert 0.6 < best.score < 1.2
    # "faire-un-devis" shares only the word "client", far below: it is not an answer.
    assert search("créer client", "fr", limit=3) == [best]
    # Half of the question is about something no article mentions.
    assert search("client facturation comptabilité", "fr")[0].score < MIN_SCORE


@pytest.mark.parametrize(
    ("query", "lang", "expected"),
    [
        ("Comment faire un devis ?", "fr", "faire-un-devis"),
        ("comment creer un client", "fr", "creer-un-client"),
        ("crea", "fr", "creer-un-client"),
        ("il manque des bouteilles", "fr", "sortie-de-stock"),
        ("mot de passe oublié", "fr", "se-connecter"),
        ("I can't log in", "en", "se-connecter"),
        ("how to log out", "en", "se-deconnecter"),
        ("low stock", "en", "alerte-stock-bas"),
        ("TVA", "fr", "calcul-des-totaux-et-tva"),
    ],
)
def test_demo_questions_find_their_article(demo_articles, query, lang, expected):
    assert slugs(query, lang)[0] == expected


def test_demo_stock_questions_find_the_stock_movement_articles(demo_articles):
    assert "entree-de-stock" in slugs("how do I add stock", "en")[:2]
    assert {"sortie-de-stock", "alerte-stock-bas"} <= set(slugs("stock négatif"))


def test_snippet_is_the_best_matching_sentence_as_plain_text():
    body = (
        "## Avant de commencer\n\n"
        "Ouvrez la page **Clients**.\n\n"
        "1. Cliquez sur **Nouveau devis** dans la [page Devis](/devis/).\n"
        "2. Choisissez la `cuvée` et la quantité.\n"
    )
    make_article("faire-un-devis", "Faire un devis", body)
    [article] = search("nouveau devis", "fr")
    text = snippet(article, "nouveau devis")
    assert text == "Cliquez sur Nouveau devis dans la page Devis."
    assert snippet(article, "cuvee") == "Choisissez la cuvée et la quantité."


def test_snippet_cuts_a_long_sentence_around_the_matching_word():
    filler = " ".join(["Lorem ipsum dolor sit amet"] * 12)
    make_article(
        "faire-un-devis", "Faire un devis", f"{filler}, puis saisissez la remise {filler}."
    )
    [article] = search("remise", "fr")
    text = snippet(article, "remise", length=80)
    assert len(text) <= 80
    assert "remise" in text and text.startswith("…") and text.endswith("…")


def test_snippet_without_a_match_starts_the_article():
    article = make_article("faire-un-devis", "Faire un devis", "Première phrase. Seconde phrase.")
    [found] = search("devis", "fr")
    assert found.slug == article.slug
    assert snippet(found, "devis") == "Première phrase."


def test_plain_text_strips_markdown_syntax():
    markdown_body = (
        "# Titre\n\n"
        "Un **gras**, un *italique*, du `code` et un [lien](https://example.com).\n\n"
        "* premier\n"
        "- second\n"
        "1. étape\n\n"
        "---\n\n"
        "> citation\n"
    )
    assert plain_text(markdown_body) == (
        "Titre\nUn gras, un italique, du code et un lien.\n- premier\n- second\n1. étape\ncitation"
    )
