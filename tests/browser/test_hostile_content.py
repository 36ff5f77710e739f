"""Markup planted in articles or in the host page stays inert text in the widget."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from help.models import HelpArticle
from tests.browser.widget import Widget

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = "<img src=x onerror=window.__pwned=1>"


@pytest.fixture
def hostile_article() -> HelpArticle:
    return HelpArticle.objects.create(
        slug="piege",
        language="fr",
        title=f"Créer un client {PAYLOAD}",
        body=f"<script>window.__pwned=1</script>\n\n1. Ouvrez **Clients** {PAYLOAD}.",
        path_prefix="/clients/",
    )


def test_article_markup_in_suggestions_and_sources_runs_nothing(
    live_server, ollama, widget: Widget, hostile_article
):
    ollama.set_mode("down")  # the fallback quotes the article's own steps
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    widget.input.press_sequentially("créer un cli", delay=20)
    expect(widget.panel.locator(".suggestions")).to_contain_text(PAYLOAD)

    widget.ask("Comment créer un client ?")
    widget.wait_done()
    expect(widget.answer).to_contain_text(PAYLOAD)
    expect(widget.panel.locator("img")).to_have_count(0)
    expect(widget.panel.locator("script")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None


def test_page_markup_sent_as_hints_and_echoed_back_runs_nothing(
    live_server, ollama, widget: Widget, hostile_article
):
    # The article page shows the hostile title as its h1: the widget's hints carry it to
    # the model, which here repeats its whole prompt back.
    ollama.answer = lambda request: request["messages"][-1]["content"]
    page = widget.page
    page.goto(f"{live_server.url}/help/articles/piege/")
    widget.open().ask("Que dit cette page ?")
    widget.wait_done()
    expect(widget.answer).to_contain_text("Créer un client")
    expect(widget.panel.locator("img")).to_have_count(0)
    assert "PAGE>>>" in ollama.payloads[-1]["messages"][-1]["content"]
    assert page.evaluate("window.__pwned") is None
