"""The panel's layout: its own scroll under a maximum height, "Agrandir", a full-screen sheet
on a phone with the page held still behind it, a corner on the left, dark mode, and answers
shown from their start without moving what the user reads."""

from __future__ import annotations

import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.widget import DESKTOP, PHONE, Widget
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

LONG = "\n\n".join(
    f"Paragraphe {n} : une explication assez longue pour la ligne." for n in range(30)
)
TALL_PAGE = """() => {
    const filler = document.createElement("div");
    filler.style.height = "4000px";
    document.querySelector("main").append(filler);
}"""


def box(locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None
    return found


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def scroll_state(widget: Widget) -> dict[str, Any]:
    return widget.panel.locator(".log").evaluate(
        "log => ({top: log.scrollTop, height: log.scrollHeight, client: log.clientHeight})"
    )


def test_the_panel_keeps_to_a_maximum_height_and_leaves_the_pages_buttons_in_view(
    live_server, ollama, logged_in, widget: Widget
):
    page = widget.page
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/devis/")
    ollama.answer = LONG
    widget.open().ask("Comment faire un devis ?")
    widget.wait_done()
    panel = box(widget.panel)
    assert panel["height"] <= 32 * 16 + 2
    state = scroll_state(widget)
    assert state["height"] > state["client"]  # the thread scrolls on its own
    action = box(page.get_by_role("link", name="Nouveau devis"))
    assert action["y"] + action["height"] < panel["y"]  # the button the answer speaks of

    grow = widget.panel.get_by_role("button", name="Agrandir")
    expect(grow).to_have_attribute("title", "Agrandir")
    grow.click()
    shrink = widget.panel.get_by_role("button", name="Réduire")
    expect(shrink).to_be_focused()
    big = box(widget.panel)
    assert big["height"] > panel["height"] + 100 and big["width"] > panel["width"] + 100
    assert big["y"] >= 0 and big["x"] >= 0
    page.reload()  # kept for the tab
    expect(widget.panel.get_by_role("button", name="Réduire")).to_be_visible()
    widget.panel.get_by_role("button", name="Réduire").click()
    expect(widget.panel.get_by_role("button", name="Agrandir")).to_be_visible()
    assert box(widget.panel)["height"] <= 32 * 16 + 2


def test_on_a_phone_the_panel_is_a_full_screen_sheet_and_the_page_holds_still(
    live_server, ollama, widget: Widget
):
    page = widget.page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/connexion/")
    page.evaluate(TALL_PAGE)
    widget.open()
    assert box(widget.panel) == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
    expect(widget.panel.get_by_role("button", name="Agrandir")).to_be_hidden()  # it is all
    assert page.evaluate("getComputedStyle(document.documentElement).overflow") == "hidden"
    page.mouse.move(200, 300)
    page.mouse.wheel(0, 800)
    page.keyboard.press("PageDown")
    assert page.evaluate("window.scrollY") == 0
    # The page under the sheet is out of reach: Tab goes round the widget's controls.
    reached = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        focused = widget.focused()
        assert focused["tag"] or focused["page"] == "BODY", focused  # BODY: the browser's
        reached.add(focused["name"])
    assert {"Fermer", "combobox", "Envoyer"} <= reached

    widget.panel.get_by_role("button", name="Fermer").click()
    assert page.evaluate("getComputedStyle(document.documentElement).overflow") == "visible"
    page.mouse.wheel(0, 800)
    page.wait_for_function("() => window.scrollY > 0")
    page.locator("#id_username").focus()
    expect(page.locator("#id_username")).to_be_focused()  # no longer inert


def test_the_sheet_comes_back_open_on_the_next_page(live_server, ollama, widget: Widget):
    page = widget.page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    page.goto(f"{live_server.url}/help/articles/")
    expect(widget.panel).to_be_visible()
    assert page.evaluate("getComputedStyle(document.documentElement).overflow") == "hidden"


def test_the_widget_can_sit_on_the_left(live_server, ollama, settings, widget: Widget):
    settings.HELP = {**settings.HELP, "WIDGET_POSITION": "bottom-left"}
    page = widget.page
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    launcher, panel = box(widget.launcher), box(widget.panel)
    assert launcher["x"] < 40 and panel["x"] < 40
    assert panel["x"] + panel["width"] < DESKTOP["width"] / 2
    assert panel["y"] + panel["height"] < launcher["y"]


def test_dark_mode_follows_the_system(live_server, ollama, widget: Widget):
    page = widget.page
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    expect(widget.panel).to_have_css("background-color", "rgb(29, 25, 27)")
    expect(widget.panel).to_have_css("color", "rgb(241, 233, 236)")
    page.emulate_media(color_scheme="light")
    expect(widget.panel).to_have_css("background-color", "rgb(255, 253, 251)")


def test_copier_copies_the_text_without_markdown_and_resets(live_server, ollama, context, widget):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    ollama.answer = (
        "Pour créer un client :\n\n1. Ouvrez **Clients**.\n2. Cliquez sur `Nouveau client`."
    )
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    copy = widget.last.locator(".actions > button")
    expect(copy).to_have_text("Copier")
    copy.click()
    expect(copy).to_have_text("Copié")
    assert page.evaluate("navigator.clipboard.readText()") == (
        "Pour créer un client :\n1. Ouvrez Clients.\n2. Cliquez sur Nouveau client."
    )
    expect(copy).to_have_text("Copier", timeout=4_000)


def test_a_new_answer_is_shown_from_its_start(live_server, ollama, widget: Widget):
    page = widget.page
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/connexion/")
    ollama.answer = LONG
    widget.open().ask("Première question")
    widget.wait_done()
    widget.ask("Seconde question")
    widget.wait_done()
    question = box(widget.last.locator(".question"))
    log = box(widget.panel.locator(".log"))
    assert log["y"] <= question["y"] <= log["y"] + 40  # its question at the top...
    state = scroll_state(widget)
    assert state["top"] + state["client"] < state["height"] - 100  # ...not scrolled to its end


def test_an_upgrade_is_marked_and_does_not_move_what_the_user_reads(
    live_server, ollama, settings, widget: Widget
):
    make_articles()
    settings.HELP = {**settings.HELP, "TIMEOUT": 15.0}
    gate = threading.Event()

    def answer(payload: dict[str, Any]) -> str:
        if "créer un client" in payload["messages"][-1]["content"]:
            gate.wait(12)  # after the deadline: the fallback first
            return "Ouvrez **Clients**."  # much shorter than the fallback's steps
        return LONG

    ollama.answer = answer
    page = widget.page
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    first = widget.exchanges.first
    expect(first.locator(".notice")).to_contain_text("lent ou indisponible")
    widget.ask("Comment faire un devis ?")
    widget.wait_done()
    second = widget.exchanges.nth(1)
    # The user reads the second answer, the first one above, out of view.
    second.evaluate("node => (node.parentNode.scrollTop = node.offsetTop + 40)")
    before = box(second.locator(".answer"))["y"]

    gate.set()
    expect(first.locator(".notice")).to_have_text("Réponse améliorée")
    expect(first.locator(".answer")).to_have_text("Ouvrez Clients.")
    assert abs(box(second.locator(".answer"))["y"] - before) <= 1


def suggestions_fit(page: Page, widget: Widget) -> None:
    widget.open()
    widget.input.press_sequentially("Comment ajouter", delay=20)
    options = widget.panel.get_by_role("option")
    expect(options.nth(2)).to_be_visible()
    listbox = box(widget.panel.locator(".suggestions"))
    for index in range(3):
        assert inside(box(options.nth(index)), listbox), index
    assert inside(listbox, box(widget.panel))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_three_suggestions_or_more_fit_uncut(live_server, ollama, logged_in, widget, viewport):
    call_command("load_demo", stdout=StringIO())
    page = widget.page
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/devis/")
    suggestions_fit(page, widget)
