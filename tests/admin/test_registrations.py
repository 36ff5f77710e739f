from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from help.models import HelpFeedback, HelpQuery
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db

ARTICLES = "/admin/help/helparticle/"
QUERIES = "/admin/help/helpquery/"
FEEDBACK = "/admin/help/helpfeedback/"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def query(question: str, **fields) -> HelpQuery:
    defaults = {"source": "model", "lang": "fr", "answer": "Une réponse."}
    return HelpQuery.objects.create(question=question, **{**defaults, **fields})


def listed(html: str) -> list[str]:
    """The questions in a changelist's result table."""
    return re.findall(r'<td class="field-short_question">([^<]*)</td>', html)


# -- articles ------------------------------------------------------------------------------


def test_article_changelist_searches_and_filters_by_language(admin_client):
    make_articles()
    html = admin_client.get(ARTICLES, {"q": "client", "language__exact": "en"}).content.decode()
    assert "Create a client" in html
    assert "Créer un client" not in html
    assert "Faire un devis" not in html


def test_article_change_page_previews_the_rendered_article(admin_client):
    article = make_articles()[0]
    html = admin_client.get(f"{ARTICLES}{article.pk}/change/").content.decode()
    preview = html[html.index('class="help-admin-preview"') :]
    assert "<li>Ouvrez <strong>Clients</strong>.</li>" in preview
    assert "help/admin.css" in html


def test_article_add_page_has_no_preview(admin_client):
    html = admin_client.get(f"{ARTICLES}add/").content.decode()
    assert "help-admin-preview" not in html
    assert 'name="_save"' in html


def test_article_change_page_lists_the_questions_that_cited_it(admin_client):
    french, english, quote = make_articles()
    cited = query("Comment ajouter un client ?", cited_slugs=" creer-un-client faire-un-devis ")
    query("How do I add a client?", lang="en", cited_slugs=" creer-un-client ")
    query("Comment faire un devis ?", cited_slugs=" faire-un-devis ")
    query("Comment créer un client pro ?", cited_slugs=" creer-un-client-pro ")
    html = admin_client.get(f"{ARTICLES}{french.pk}/change/").content.decode()
    table = html[html.index("help-cited-by") :]
    assert f'href="{QUERIES}{cited.pk}/change/"' in table
    assert "Comment ajouter un client ?" in table
    for other in ("How do I add a client?", "Comment faire un devis ?", "client pro"):
        assert other not in table


def test_article_change_page_shows_only_the_latest_citing_questions(admin_client):
    article = make_articles()[0]
    for index in range(25):
        query(f"Question {index}", cited_slugs=" creer-un-client ")
    html = admin_client.get(f"{ARTICLES}{article.pk}/change/").content.decode()
    assert html.count(f'href="{QUERIES}') >= 20
    assert "The latest 20 of 25." in html


# -- the question log ----------------------------------------------------------------------


def test_query_log_cannot_be_added_changed_or_deleted(admin_client):
    row = query("Comment créer un client ?")
    assert admin_client.get(f"{QUERIES}add/").status_code == 403
    changelist = admin_client.get(QUERIES).content.decode()
    assert f"{QUERIES}add/" not in changelist
    assert 'value="delete_selected"' not in changelist  # nothing deleted from the log
    page = admin_client.get(f"{QUERIES}{row.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Comment créer un client ?" in html
    assert 'name="_save"' not in html
    assert "/delete/" not in html
    assert admin_client.post(f"{QUERIES}{row.pk}/change/", {"question": "x"}).status_code == 403
    assert admin_client.post(f"{QUERIES}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert HelpQuery.objects.get(pk=row.pk).question == "Comment créer un client ?"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Q timeout", "Q cache", "Q model en"]),
        ({"source__exact": "cache"}, ["Q cache"]),
        ({"degraded__exact": "1"}, ["Q timeout"]),
        ({"error_kind": "timeout"}, ["Q timeout"]),
        ({"error_kind": "-"}, ["Q cache", "Q model en"]),
        ({"path": "/devis/"}, ["Q cache"]),
        ({"lang__exact": "en"}, ["Q model en"]),
        ({"q": "timeout"}, ["Q timeout"]),
    ],
)
def test_query_log_filters(admin_client, params, expected):
    now = timezone.now()
    query("Q model en", lang="en", path="/clients/", created_at=now - timedelta(minutes=3))
    query("Q cache", source="cache", path="/devis/", created_at=now - timedelta(minutes=2))
    query(
        "Q timeout",
        source="fallback",
        degraded=True,
        error_kind="timeout",
        path="/clients/",
        created_at=now - timedelta(minutes=1),
    )
    response = admin_client.get(QUERIES, params)
    assert response.status_code == 200
    assert listed(response.content.decode()) == expected


def test_query_log_filter_sidebar_and_date_hierarchy_render(admin_client):
    query("Une question", error_kind="", path="")
    query("Une autre", error_kind="timeout", path="/clients/")
    year = timezone.localtime().year
    response = admin_client.get(QUERIES, {"created_at__year": year})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"?created_at__month={timezone.localtime().month}&amp;created_at__year={year}" in html
    assert "error_kind=timeout" in html
    assert "error_kind=-" in html and "(none)" in html
    assert "path=%2Fclients%2F" in html


def test_query_page_shows_cited_articles_timings_and_feedback(admin_client):
    article = make_articles()[0]
    row = query(
        "Comment créer un client ?",
        cited_slugs=" creer-un-client ",
        timings={"retrieval_ms": 1.25, "total_ms": 812.0},
    )
    HelpFeedback.objects.create(query=row, helpful=False, comment="Trop vague.")
    html = admin_client.get(f"{QUERIES}{row.pk}/change/").content.decode()
    assert f'href="/admin/help/helparticle/{article.pk}/change/"' in html
    assert "<tr><th>retrieval</th><td>1.2</td></tr>" in html
    assert "Trop vague." in html


def test_staff_with_the_view_permission_reads_the_log(client):
    row = query("Comment créer un client ?")
    user = User.objects.create_user("equipe", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(QUERIES).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_helpquery"))
    assert listed(client.get(QUERIES).content.decode()) == ["Comment créer un client ?"]
    assert client.get(f"{QUERIES}{row.pk}/change/").status_code == 200


def test_changelist_links_the_dashboard(admin_client):
    html = admin_client.get(QUERIES).content.decode()
    assert 'href="/admin/help/helpdashboard/"' in html


# -- feedback ------------------------------------------------------------------------------


def test_feedback_is_listed_with_its_question_and_answer(admin_client):
    bad = query("Où sont mes factures ?", answer="Dans le menu Stock.")
    good = query("Comment créer un client ?", answer="Ouvrez Clients.")
    HelpFeedback.objects.create(query=bad, helpful=False, comment="Faux.")
    HelpFeedback.objects.create(query=good, helpful=True)
    html = admin_client.get(FEEDBACK, {"helpful__exact": "0"}).content.decode()
    assert "Où sont mes factures ?" in html
    assert "Dans le menu Stock." in html
    assert "Faux." in html
    assert "Ouvrez Clients." not in html


def test_feedback_is_read_only(admin_client):
    feedback = HelpFeedback.objects.create(query=query("Une question"), helpful=True)
    assert admin_client.get(f"{FEEDBACK}add/").status_code == 403
    html = admin_client.get(f"{FEEDBACK}{feedback.pk}/change/").content.decode()
    assert "Une réponse." in html
    assert 'name="_save"' not in html


def test_feedback_lists_why_an_answer_was_not_helpful_and_filters_on_it(admin_client):
    wrong = query("Où sont mes factures ?", answer="Dans le menu Stock.")
    dated = query("Comment exporter ?", answer="Menu Export.")
    HelpFeedback.objects.create(query=wrong, helpful=False, reason="wrong")
    HelpFeedback.objects.create(query=dated, helpful=False, reason="outdated")
    html = admin_client.get(FEEDBACK, {"reason__exact": "outdated"}).content.decode()
    assert "Comment exporter ?" in html
    assert "Où sont mes factures ?" not in html
