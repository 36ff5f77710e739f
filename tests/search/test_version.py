from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from help.models import HelpArticle
from help.search.version import (
    VERSION_KEY,
    VERSION_TTL,
    articles_version,
    compute_articles_version,
)
from help.search.vocabulary import vocabulary
from help.shared_state.safe_cache import safe_cache
from help.views.articles import article_in_language

pytestmark = pytest.mark.django_db


def make_article(slug: str = "creer-un-client", language: str = "fr", **fields) -> HelpArticle:
    defaults = {"title": f"{slug} ({language})", "body": "Corps", "path_prefix": "/clients/"}
    return HelpArticle.objects.create(slug=slug, language=language, **{**defaults, **fields})


@pytest.mark.django_db(transaction=True)
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


@pytest.mark.django_db(transaction=True)
def test_an_edit_is_seen_even_when_a_request_reads_during_its_transaction():
    article = make_article()
    before = articles_version()
    safe_cache.delete(VERSION_KEY)  # as after an expiry: the next reader recomputes
    edited, read = threading.Event(), threading.Event()

    def reader() -> None:
        edited.wait(5)
        try:
            assert articles_version() == before  # the edit is not committed yet
        finally:
            connection.close()
            read.set()

    thread = threading.Thread(target=reader)
    thread.start()
    with transaction.atomic():
        article.body = "Nouveau corps"
        article.save()
        edited.set()
        assert read.wait(5)
    thread.join()
    after = articles_version()
    assert after != before
    assert after == compute_articles_version() + vocabulary().digest


def test_a_lost_bump_heals_when_the_stored_version_expires(settings, monkeypatch):
    make_article()
    stale = articles_version()
    HelpArticle.objects.update(body="Changed behind the signals' back")
    HelpArticle.objects.filter().update(updated_at=timezone.now())
    assert articles_version() == stale
    assert 0 < safe_cache.backend.ttl(VERSION_KEY) <= VERSION_TTL
    safe_cache.delete(VERSION_KEY)  # what the expiry does
    assert articles_version() != stale


def test_article_in_language_falls_back_to_the_other_language():
    french = make_article(language="fr")
    english = make_article(language="en")
    assert article_in_language("creer-un-client", "en") == english
    english.delete()
    assert article_in_language("creer-un-client", "en") == french
    assert article_in_language("absent", "fr") is None
