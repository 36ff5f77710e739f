"""The most asked questions: the counts both warm-up and the starting points read."""

from __future__ import annotations

import pytest

from help.answering.most_asked import most_asked, pages_under
from help.models import HelpArticle, HelpQuery

pytestmark = pytest.mark.django_db


def asked(question: str, times: int, path: str = "/devis/", lang: str = "fr") -> None:
    HelpQuery.objects.bulk_create(
        HelpQuery(question=question, path=path, lang=lang, source="model") for _ in range(times)
    )


def test_min_times_leaves_out_the_rarely_asked_counting_every_spelling():
    asked("Comment faire un devis ?", 1)
    asked("comment faire un devis", 1)
    asked("Une seule fois ?", 1)
    found = most_asked(5, path_prefix="/devis/", lang="fr", min_times=2)
    assert [question.text for question in found] == ["Comment faire un devis ?"]
    assert len(most_asked(5, path_prefix="/devis/", lang="fr")) == 2


def test_pages_under_reads_any_field():
    HelpArticle.objects.create(slug="a", title="A", path_prefix="/devis/nouveau/", body=".")
    HelpArticle.objects.create(slug="b", title="B", path_prefix="/devisx/", body=".")
    found = HelpArticle.objects.filter(pages_under("/devis/", field="path_prefix"))
    assert [article.slug for article in found] == ["a"]
