from __future__ import annotations

import pytest

from help.models import HelpArticle
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db


def test_article_page_renders_in_french_by_default(client):
    make_articles()
    response = client.get("/help/articles/creer-un-client/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Créer un client</h1>" in html
    assert "<strong>Nouveau client</strong>" in html
    assert "Tous les articles d'aide" in html


def test_article_page_renders_in_english_when_asked(client):
    make_articles()
    html = client.get("/help/articles/creer-un-client/", {"lang": "en"}).content.decode()
    assert "<h1>Create a client</h1>" in html
    assert "All help articles" in html


def test_article_missing_in_a_language_falls_back_to_the_other(client):
    make_articles()
    html = client.get("/help/articles/faire-un-devis/", {"lang": "en"}).content.decode()
    assert "<h1>Faire un devis</h1>" in html


def test_article_body_html_is_escaped(client):
    HelpArticle.objects.create(
        slug="piege",
        language="fr",
        title="<b>Piège</b>",
        body='<script>alert("x")</script>\n\n[lien](javascript:alert(1))',
    )
    html = client.get("/help/articles/piege/").content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;Piège&lt;/b&gt;" in html
    assert "javascript:alert" not in html


def test_unknown_article_is_404(client):
    assert client.get("/help/articles/inconnu/").status_code == 404


def test_article_index_lists_the_language_articles(client):
    make_articles()
    html = client.get("/help/articles/", {"lang": "en"}).content.decode()
    assert "Create a client" in html
    assert "Faire un devis" not in html


def test_the_index_searches_the_articles(client):
    make_articles()
    html = client.get("/help/articles/", {"q": "nouveau client", "lang": "fr"}).content.decode()
    assert 'value="nouveau client"' in html
    assert "Créer un client" in html
    assert "Faire un devis" not in html


def test_an_english_search_on_a_french_index_finds_english_articles(client):
    make_articles()
    html = client.get("/help/articles/", {"q": "how do I create a client", "lang": "fr"})
    assert "Create a client" in html.content.decode()


def test_a_search_without_match_says_so(client):
    make_articles()
    html = client.get("/help/articles/", {"q": "météo", "lang": "en"}).content.decode()
    assert "No article matches your search." in html


def test_a_hostile_search_is_escaped(client):
    make_articles()
    html = client.get("/help/articles/", {"q": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)" not in html


def test_the_panel_gives_an_article_in_the_asked_language(client):
    make_articles()
    response = client.get("/help/articles/creer-un-client/panel", {"lang": "fr"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=60"
    body = response.json()
    assert set(body) == {"title", "url", "lang", "html"}
    assert (body["title"], body["url"], body["lang"]) == (
        "Créer un client", "/help/articles/creer-un-client/?lang=fr", "fr",
    )  # fmt: skip
    assert "<strong>Nouveau client</strong>" in body["html"]
    english = client.get("/help/articles/creer-un-client/panel", {"lang": "en"}).json()
    assert (english["title"], english["lang"]) == ("Create a client", "en")
    assert english["url"] == "/help/articles/creer-un-client/?lang=en"
    # Only in French: the French article, saying so by its language.
    assert client.get("/help/articles/faire-un-devis/panel", {"lang": "en"}).json()["lang"] == "fr"


def test_the_panel_html_is_sanitised(client):
    HelpArticle.objects.create(
        slug="piege",
        language="fr",
        title="<b>Piège</b>",
        body='<script>alert("x")</script>\n\n[lien](javascript:alert(1)) <img src=x onerror=a()>',
    )
    body = client.get("/help/articles/piege/panel").json()
    assert "<script" not in body["html"] and "<img" not in body["html"]
    assert "javascript:" not in body["html"]
    assert "&lt;script&gt;" in body["html"]
    assert body["title"] == "<b>Piège</b>"  # JSON text: the widget sets it as text


def test_an_unknown_article_in_the_panel_is_a_404_json_error(client):
    response = client.get("/help/articles/inconnu/panel")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.post("/help/articles/inconnu/panel").status_code == 405
