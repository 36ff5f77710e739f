"""The header's FR / EN switcher in Chromium: reached and pressed with the keyboard alone, it
reloads the page in English, help widget included, and back in French.

Every run takes the English dashboard's pictures (desktop and phone) into a temporary
folder; the README's copy (desktop) is rewritten on demand:

    DEMO_ENGLISH_SCREENSHOT=docs/demo-english.png pytest tests/browser/test_language_switch.py
"""

from __future__ import annotations

import os
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

from tests.browser.widget import Widget, log_in

pytestmark = pytest.mark.django_db(transaction=True)

TARGET = os.environ.get("DEMO_ENGLISH_SCREENSHOT")
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


def tab_to(page: Page, target: Locator, limit: int = 30) -> int:
    """Press Tab until ``target`` has the focus; the number of presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{target} not reached in {limit} presses of Tab")


def switcher(page: Page) -> Locator:
    """The switcher's group, named in the page's language."""
    return page.locator(".language-switch [role=group]")


def test_keyboard_switch_to_english_and_back(live_server, context, widget: Widget, tmp_path):
    call_command("load_demo", stdout=StringIO())
    log_in(context, live_server.url, get_user_model().objects.get(username="demo"))
    page = widget.page
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/devis/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(switcher(page)).to_have_accessible_name("Langue")
    expect(widget.launcher).to_have_accessible_name("Aide")

    english = switcher(page).get_by_role("button", name="EN English")
    expect(english).not_to_have_attribute("aria-current", "true")
    tab_to(page, english)
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == f"{live_server.url}/devis/"
    expect(page.get_by_role("heading", level=1)).to_have_text("Quotes")
    expect(page.get_by_role("link", name="New quote")).to_be_visible()
    expect(switcher(page)).to_have_accessible_name("Language")
    expect(english).to_have_attribute("aria-current", "true")
    expect(widget.launcher).to_have_accessible_name("Help")
    widget.open()
    expect(page.get_by_role("dialog", name="Help assistant")).to_be_visible()
    expect(page.get_by_role("combobox", name="Your question")).to_be_visible()
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()

    # The choice holds on the next page, and the pictures show it.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    page.mouse.move(600, 500)  # no hover effect in the pictures
    desktop = TARGET or str(tmp_path / "demo-english.png")
    page.screenshot(path=desktop)
    page.set_viewport_size(PHONE)
    expect(switcher(page)).to_be_in_viewport()
    page.screenshot(path=str(tmp_path / "demo-english-phone.png"))
    for picture in (desktop, tmp_path / "demo-english-phone.png"):
        with open(picture, "rb") as file:
            assert file.read(8) == b"\x89PNG\r\n\x1a\n"

    french = switcher(page).get_by_role("button", name="FR Français")
    tab_to(page, french)
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    expect(french).to_have_attribute("aria-current", "true")
    expect(widget.launcher).to_have_accessible_name("Aide")


def test_login_page_switches_to_english(live_server, page: Page):
    page.goto(f"{live_server.url}/connexion/")
    english = switcher(page).get_by_role("button", name="EN English")

    tab_to(page, english)
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
