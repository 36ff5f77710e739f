"""What a question looks for: alternate questions, the site's vocabulary, words that say
little, the page's section, and weak matches left out."""

from __future__ import annotations

import pytest

from help.models import HelpArticle
from help.search.index import search
from help.search.vocabulary import VocabularyError, build_vocabulary, load_vocabulary

pytestmark = pytest.mark.django_db

VOCABULARY = [
    ["devis", "offre de prix", "cotation", "chiffrer", "quote", "estimate"],
    ["client", "customer"],
    ["stock", "inventaire", "bouteilles restantes", "inventory"],
    ["sortie", "stock out"],
]


@pytest.fixture(autouse=True)
def site_vocabulary(settings):
    settings.HELP = {**settings.HELP, "VOCABULARY": f"{__name__}.VOCABULARY"}


def make_article(slug: str, title: str, body: str, **fields) -> HelpArticle:
    return HelpArticle.objects.create(slug=slug, title=title, body=body, **fields)


def slugs(query: str, lang: str = "fr", path: str = "") -> list[str]:
    return [article.slug for article in search(query, lang, path)]


def test_an_alternate_question_finds_its_article_without_the_articles_words():
    make_article("faire-un-devis", "Faire un devis", "Cliquez sur Nouveau devis.")
    make_article("entree-de-stock", "Entrée de stock", "Enregistrez une livraison reçue.")
    assert slugs("je note une réception de palettes") == []
    make_article(
        "reception",
        "Réceptionner une commande",
        "Ouvrez Stock.",
        questions="je note une réception de palettes\nles palettes sont arrivées",
    )
    assert slugs("comment je note une réception de palettes")[0] == "reception"


def test_alternate_questions_weigh_between_title_and_body():
    in_body = make_article("in-body", "Encore", "Les palettes, et encore du texte.")
    make_article("in-questions", "Autre", "Rien.", questions="les palettes")
    assert slugs("palettes") == ["in-questions", "in-body"]
    in_body.delete()
    make_article("in-title", "Palettes", "Rien.")
    assert slugs("palettes") == ["in-title", "in-questions"]


@pytest.mark.parametrize(
    ("query", "lang"),
    [
        ("je dois chiffrer une commande", "fr"),
        ("une offre de prix pour un caviste", "fr"),
        ("how do I make an estimate", "en"),
    ],
)
def test_the_sites_vocabulary_finds_the_article_named_otherwise(query, lang):
    make_article("faire-un-devis", "Faire un devis", "Cliquez sur Nouveau devis.")
    make_article("faire-un-devis", "Make a quote", "Click New quote.", language="en")
    make_article("materiel", "Matériel", "Les commandes de matériel.")
    assert slugs(query, lang)[0] == "faire-un-devis"


def test_a_words_own_forms_outrank_its_synonyms():
    make_article("devis", "Devis", "Le devis.")
    make_article("cotation", "Cotation", "La cotation.")
    assert slugs("devis") == ["devis", "cotation"]


def test_a_phrase_of_the_vocabulary_counts_as_one():
    make_article("gerer-le-stock", "Gérer le stock", "Le stock de chaque cuvée.")
    make_article("restes", "Restes de repas", "Les restantes du repas.")
    assert slugs("où voir les bouteilles restantes")[0] == "gerer-le-stock"


def test_french_labels_work_in_an_english_question():
    make_article("sortie", "Stock out", "Record a stock out.", language="en")
    make_article("entree", "Stock in", "Record a stock in.", language="en")
    assert slugs("how do I do a Sortie", "en")[0] == "sortie"


def test_words_that_say_little_do_not_pick_the_article():
    make_article("faire-un-devis", "Faire un devis", "Le devis.")
    make_article("sortie", "Enregistrer une sortie", "Une sortie de stock.")
    assert slugs("comment faire une sortie")[0] == "sortie"
    assert slugs("je peux faire une sortie ?")[0] == "sortie"


def test_email_and_e_mail_are_one_word():
    make_article("mot-de-passe", "Changer son adresse e-mail", "Votre e-mail.")
    make_article("autre", "Autre", "Un mail.")
    assert slugs("modifier mon email")[0] == "mot-de-passe"


def test_a_sub_page_of_the_pages_section_gets_the_boost_too():
    make_article("rechercher-un-client", "Rechercher un client", "La liste des clients.",
                 path_prefix="/clients/")  # fmt: skip
    make_article("creer-un-client", "Créer un client", "Ajoutez un client.",
                 path_prefix="/clients/nouveau/")  # fmt: skip
    make_article("faire-un-devis", "Faire un devis", "Ajoutez un client au devis.",
                 path_prefix="/devis/nouveau/")  # fmt: skip
    assert slugs("ajouter un client", path="/clients/")[0] == "creer-un-client"


def test_articles_far_below_the_best_are_left_out():
    make_article("faire-un-devis", "Faire un devis", "Nouveau devis.")
    make_article("envoyer", "Envoyer par e-mail", "Envoyez le PDF du devis au client.")
    assert slugs("faire un devis") == ["faire-un-devis"]


def test_a_changed_vocabulary_changes_the_articles_version(settings):
    from help.search.version import articles_version

    before = articles_version()
    settings.HELP = {**settings.HELP, "VOCABULARY": f"{__name__}.OTHER_VOCABULARY"}
    assert articles_version() != before


OTHER_VOCABULARY = [["devis", "quote"]]


@pytest.mark.parametrize(
    "raw", ["devis", [["devis", 3]], [("a", "b"), "devis"], 42]
)  # fmt: skip
def test_a_malformed_vocabulary_is_refused(raw):
    with pytest.raises(VocabularyError):
        build_vocabulary(raw)


def test_an_unknown_vocabulary_path_is_refused():
    with pytest.raises(VocabularyError):
        load_vocabulary("nowhere.VOCABULARY")
