from __future__ import annotations

import pytest

from help.models import HelpArticle
from help.search.languages import normalise_language
from help.search.version import articles_version
from help.views.articles import article_in_language

pytestmark = pytest.mark.django_db


def make_article(slug: str = "creer-un-client", language: str = "fr", **fields) -> HelpArticle:
    defaults = {"title": f"{slug} ({language})", "body": "Corps", "path_prefix": "/clients/"}
    return HelpArticle.objects.create(slug=slug, language=language, **{**defaults, **fields})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("fr", "fr"), ("en-gb", "en"), ("EN", "en"), ("de", "fr"), (None, "fr"), ("", "fr")],
)
def test_language_codes_are_normalised_to_fr_or_en(value, expected):
    assert normalise_language(value) == expected


def test_articles_version_changes_when_an_article_is_edited_added_or_deleted():
    article = make_article()
    first = articles_version()
    assert articles_version() == first  # stable while nothing changes

    article.body = "Nouveau corps"
    article.save()
    second = articles_version()
    assert second != first

    other = make_article(slug="faire-un-devis")
    third = articles_version()
    assert third not in {first, second}

    other.delete()
    # The same articles as before the addition: the same version, so their answers still serve.
    assert articles_version() == second


def test_articles_version_survives_a_cache_outage(redis_cache):
    make_article()
    expected = articles_version()
    redis_cache.stop()
    assert articles_version() == expected


def test_article_in_language_falls_back_to_the_other_language():
    french = make_article(language="fr")
    english = make_article(language="en")
    assert article_in_language("creer-un-client", "en") == english
    english.delete()
    assert article_in_language("creer-un-client", "en") == french
    assert article_in_language("absent", "fr") is None
