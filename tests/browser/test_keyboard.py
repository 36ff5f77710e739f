"""The widget by keyboard alone: the suggestions' combobox, where the focus goes after each
control (never to <body>), Esc from anywhere on the page, and Tab through a non-modal dialog."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.widget import Widget
from tests.helpers import make_articles


def load_demo() -> None:
    """The demo's 36 articles: enough for several suggestions."""
    call_command("load_demo", stdout=StringIO())


pytestmark = pytest.mark.django_db(transaction=True)


def test_suggestions_are_a_combobox_driven_by_the_keyboard(live_server, ollama, widget: Widget):
    load_demo()
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    combobox = widget.input
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(combobox).to_have_attribute("aria-controls", "help-list")
    listbox = widget.panel.locator("#help-list")

    combobox.press_sequentially("créer un", delay=20)
    options = listbox.get_by_role("option")
    expect(options.first).to_contain_text("Créer un client")
    expect(listbox).to_have_role("listbox")
    expect(listbox).to_have_accessible_name("Articles suggérés")
    expect(combobox).to_have_attribute("aria-expanded", "true")
    count = options.count()
    assert count >= 2
    expect(combobox).not_to_have_attribute("aria-activedescendant", "help-o0")

    page.keyboard.press("ArrowDown")
    expect(combobox).to_have_attribute("aria-activedescendant", "help-o0")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(combobox).to_have_attribute("aria-activedescendant", "help-o1")
    expect(options.first).to_have_attribute("aria-selected", "false")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # past the first: round to the last
    expect(combobox).to_have_attribute("aria-activedescendant", f"help-o{count - 1}")
    expect(combobox).to_be_focused()  # the focus never leaves the field

    page.keyboard.press("Escape")  # the list first...
    expect(listbox).to_be_hidden()
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(combobox).not_to_have_attribute("aria-activedescendant", "help-o0")
    expect(widget.panel).to_be_visible()
    page.keyboard.press("ArrowDown")  # ...which the arrows open again
    expect(listbox).to_be_visible()
    expect(combobox).to_have_attribute("aria-activedescendant", "help-o0")

    page.keyboard.press("Enter")  # opens the highlighted article, in the panel
    expect(widget.view.get_by_role("heading", name="Créer un client")).to_be_focused()
    expect(widget.exchanges).to_have_count(0)  # nothing was asked
    page.keyboard.press("Escape")
    expect(combobox).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")  # ...then the panel
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()


def test_enter_without_a_highlighted_suggestion_asks(live_server, ollama, widget: Widget):
    make_articles()
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    widget.input.press_sequentially("créer un client", delay=20)
    expect(widget.panel.get_by_role("option").first).to_be_visible()
    page.keyboard.press("Enter")
    widget.wait_done()
    expect(widget.last.locator(".question")).to_have_text("créer un client")
    expect(widget.panel.get_by_role("listbox")).to_be_hidden()


def test_suggestions_stay_while_a_question_is_typed(live_server, ollama, logged_in, widget):
    """A question's start ("Comment ") finds nothing: the list found before stays meanwhile."""
    load_demo()
    page = widget.page
    page.goto(f"{live_server.url}/devis/")
    widget.open()
    widget.input.press_sequentially("Comm", delay=20)
    options = widget.panel.get_by_role("option")
    expect(options.first).to_be_visible()
    with page.expect_response(lambda r: "/help/suggest?q=Comment+f" in r.url) as found:
        widget.input.press_sequentially("ent f", delay=20)
    assert found.value.json()["results"] == []
    expect(options.first).to_be_visible()
    widget.input.fill("Co")  # too short to search: no list
    expect(options).to_have_count(0)


def shadow_focus(widget: Widget) -> str:
    focused = widget.focused()
    assert focused["page"] != "BODY", focused
    return focused["name"]


def tab_through(page: Page, widget: Widget, presses: int) -> list[str]:
    names = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        names.append(shadow_focus(widget) if widget.focused()["tag"] else "page")
    return names


def test_focus_never_falls_to_the_body(live_server, ollama, context, widget: Widget):
    make_articles()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open()

    # Stop, pressed by keyboard while the answer streams: the field has the focus.
    ollama.answer = " ".join(["mot"] * 40)
    ollama.tokens_per_second = 8
    widget.ask("Une longue réponse")
    expect(widget.answer).to_contain_text("mot")
    widget.stop.focus()
    page.keyboard.press("Enter")
    expect(widget.notice).to_have_text("Interrompu.")
    widget.expect_focus_on(widget.input)

    # An answer arrives while the user is on Stop: the field again.
    ollama.answer, ollama.tokens_per_second = "Ouvrez Clients.", 0
    widget.ask("Comment créer un client ?")
    widget.wait_done()

    # Oui: the thanks take its place, and Copier the focus.
    widget.last.get_by_role("button", name="Oui").focus()
    page.keyboard.press("Enter")
    expect(widget.last.locator(".feedback")).to_have_text("Merci pour votre avis.")
    copy = widget.last.locator(".actions > button")  # named Copier, then Copié
    widget.expect_focus_on(copy)
    page.keyboard.press("Enter")  # Copier keeps it
    expect(copy).to_have_text("Copié")
    widget.expect_focus_on(copy)
    expect(copy).to_have_text("Copier", timeout=5_000)  # for the next copy

    # Non, a reason, the support form and back.
    widget.ask("Comment faire un devis ?")
    widget.wait_done()
    widget.last.get_by_role("button", name="Non").focus()
    page.keyboard.press("Enter")
    widget.expect_focus_on(widget.last.get_by_role("button", name="Réponse fausse"))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Incomplète
    offer = widget.last.get_by_role("button", name="Contacter le support")
    widget.expect_focus_on(offer)
    page.keyboard.press("Enter")
    widget.expect_focus_on(widget.view.get_by_role("heading", name="Contacter le support"))
    page.keyboard.press("Shift+Tab")
    widget.expect_focus_on(widget.view.get_by_role("button", name="Retour"))
    page.keyboard.press("Enter")
    widget.expect_focus_on(offer)

    # Retry, after a lost connection.
    page.route("**/help/ask/stream", lambda route: route.abort("connectionreset"))
    widget.ask("Une question perdue")
    retry = widget.last.get_by_role("button", name="Réessayer")
    page.unroute("**/help/ask/stream")
    retry.focus()
    page.keyboard.press("Enter")
    widget.wait_done()
    widget.expect_focus_on(widget.input)

    # A new conversation, then the close button.
    widget.panel.get_by_role("button", name="Nouvelle conversation").focus()
    page.keyboard.press("Enter")
    widget.expect_focus_on(widget.input)
    widget.panel.get_by_role("button", name="Fermer").focus()
    page.keyboard.press("Enter")
    widget.expect_focus_on(widget.launcher)


def test_escape_closes_the_panel_from_anywhere_on_the_page(live_server, ollama, widget: Widget):
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    page.locator("#id_username").click()  # the panel stays open beside the page
    expect(widget.panel).to_be_visible()
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()


def test_tab_goes_through_the_panel_then_on_to_the_page(live_server, ollama, widget: Widget):
    """A non-modal dialog: after the launcher come the panel's controls, in order, and after
    them the page again (the browser's own controls, then the page's first link)."""
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    widget.ask("Comment créer un client ?")
    widget.wait_done()
    widget.launcher.focus()
    names = tab_through(page, widget, 10)
    assert names[:9] == [
        "Nouvelle conversation",
        "Agrandir",
        "Fermer",
        "log",  # the thread, to scroll it
        "Oui",
        "Non",
        "Copier",
        "combobox",
        "Envoyer",
    ]
    assert names[9] == "page"  # out of the widget
    page.keyboard.press("Shift+Tab")
    assert shadow_focus(widget) == "Envoyer"
