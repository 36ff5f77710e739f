"""Articles open inside the panel, with a way back; the links stay the article pages for
those who open them apart."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from help.models import HelpArticle
from tests.browser.widget import Widget
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_source_opens_in_the_panel_and_retour_comes_back(live_server, ollama, widget: Widget):
    make_articles()
    page = widget.page
    panels: list[str] = []
    page.on(
        "request",
        lambda r: panels.append(r.url) if r.url.split("?")[0].endswith("/panel") else None,
    )
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    source = widget.last.locator(".sources").get_by_role("link", name="Créer un client")
    expect(source).to_have_attribute(
        "href", re.compile(r"/help/articles/creer-un-client/\?lang=fr$")
    )

    source.click()
    heading = widget.view.get_by_role("heading", name="Créer un client", level=3)
    expect(heading).to_be_focused()
    expect(widget.view.locator(".article li")).to_have_text(
        [
            "Ouvrez Clients.",
            "Cliquez sur Nouveau client.",
            "Remplissez le nom.",
            "Cliquez sur Enregistrer.",
        ]
    )
    expect(widget.exchanges.first).to_be_hidden()
    expect(widget.input).to_be_hidden()
    assert page.url == f"{live_server.url}/connexion/"
    assert panels == [f"{live_server.url}/help/articles/creer-un-client/panel?lang=fr"]

    widget.view.get_by_role("button", name="Retour").click()
    expect(widget.view).to_be_hidden()
    expect(source).to_be_focused()

    # By keyboard: Enter on the link opens it, Esc comes back, a second Esc closes the panel.
    page.keyboard.press("Enter")
    expect(heading).to_be_focused()
    page.keyboard.press("Escape")
    expect(source).to_be_focused()
    expect(widget.panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()


def test_a_modified_click_opens_the_article_page_apart(live_server, ollama, widget: Widget):
    make_articles()
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    with page.context.expect_page() as opened:
        widget.last.locator(".sources a").first.click(modifiers=["Control"])
    opened.value.wait_for_load_state()
    assert "/help/articles/creer-un-client/" in opened.value.url
    expect(widget.view).to_be_hidden()


def test_an_article_in_the_panel_keeps_its_links_and_runs_nothing(
    live_server, ollama, widget: Widget
):
    make_articles()
    HelpArticle.objects.create(
        slug="envoyer-un-devis",
        language="fr",
        title="Envoyer un devis <img src=x onerror=window.__pwned=1>",
        path_prefix="/devis/",
        body=(
            "D'abord [faites le devis](/help/articles/faire-un-devis/), puis envoyez-le.\n\n"
            "<script>window.__pwned=1</script> [piège](javascript:window.__pwned=1) "
            "[ailleurs](https://example.com/aide)"
        ),
    )
    ollama.answer = "Voir [Envoyer un devis](/help/articles/envoyer-un-devis/)."
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment envoyer un devis ?")
    widget.wait_done()
    widget.answer.get_by_role("link", name="Envoyer un devis").click()

    article = widget.view.locator(".article")
    expect(widget.view.locator("h3")).to_have_text(
        "Envoyer un devis <img src=x onerror=window.__pwned=1>"
    )
    expect(article).to_contain_text("<script>window.__pwned=1</script>")
    expect(widget.panel.locator("img, script")).to_have_count(0)
    hrefs = article.locator("a").evaluate_all("links => links.map(link => link.href)")
    assert hrefs == [f"{live_server.url}/help/articles/faire-un-devis/", "https://example.com/aide"]

    # An article's link to another article opens that one in the panel too.
    article.get_by_role("link", name="faites le devis").click()
    expect(widget.view.get_by_role("heading", name="Faire un devis")).to_be_focused()
    assert page.evaluate("window.__pwned") is None
    assert page.url == f"{live_server.url}/connexion/"


def test_an_article_the_panel_cannot_show_opens_as_a_page(live_server, ollama, widget: Widget):
    ollama.answer = "Voir [l'article](/help/articles/disparu/)."
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Où est l'article ?")
    widget.wait_done()
    widget.answer.get_by_role("link", name="l'article").click()
    expect(page).to_have_url(f"{live_server.url}/help/articles/disparu/")
