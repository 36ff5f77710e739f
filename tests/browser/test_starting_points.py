"""The empty state: questions to start with for the page, in its language, and the shortcut."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.widget import Widget
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)


def test_starting_points_for_the_page_are_offered_and_asked_by_keyboard(
    live_server, ollama, logged_in, widget: Widget
):
    make_articles()
    page = widget.page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/help/starters" in r.url else None)
    page.goto(f"{live_server.url}/clients/nouveau/")
    expect(widget.launcher).to_have_attribute("title", "Raccourci\u00a0: Alt+Shift+H")
    assert asked == []  # asked for when the panel opens, not on every page view

    widget.open()
    starters = widget.panel.get_by_role("list", name="Questions suggérées")
    expect(starters.get_by_role("button")).to_have_text(["Créer un client"])
    expect(widget.panel.locator(".intro .hint")).to_have_text("Raccourci\u00a0: Alt+Shift+H")
    assert asked == [f"{live_server.url}/help/starters?path=%2Fclients%2Fnouveau%2F&lang=fr"]

    expect(widget.input).to_be_focused()
    page.keyboard.press("Shift+Tab")  # back from the field to the last starting point
    expect(starters.get_by_role("button", name="Créer un client")).to_be_focused()
    page.keyboard.press("Enter")
    expect(widget.last.locator(".question")).to_have_text("Créer un client")
    widget.wait_done()
    expect(widget.input).to_be_focused()
    expect(starters).to_have_count(0)


def test_starting_points_are_in_the_pages_language(live_server, ollama, logged_in, widget):
    make_articles()
    page = widget.page
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/clients/nouveau/")
    widget.open()
    starters = widget.panel.get_by_role("list", name="Suggested questions")
    expect(starters.get_by_role("button")).to_have_text(["Create a client"])
    expect(widget.panel.locator(".intro .hint")).to_have_text("Shortcut: Alt+Shift+H")


def test_a_page_without_starting_points_shows_the_intro_alone(live_server, ollama, widget):
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")  # no article, no question asked here yet
    widget.open()
    expect(widget.panel.locator(".intro")).to_contain_text("Posez une question sur cette page.")
    expect(widget.panel.get_by_role("list")).to_have_count(0)
