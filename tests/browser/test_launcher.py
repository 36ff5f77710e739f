"""Opening and closing the widget, by mouse and keyboard, at desktop and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.browser.widget import Widget

pytestmark = pytest.mark.django_db(transaction=True)


def test_launcher_on_login_page_opens_and_closes_the_panel(live_server, page: Page):
    page.goto(f"{live_server.url}/connexion/")
    launcher = page.locator("[data-part=launcher]")
    panel = page.locator("[data-part=panel]")
    expect(launcher).to_be_visible()
    expect(panel).to_be_hidden()

    launcher.click()
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("role", "dialog")
    expect(launcher).to_have_attribute("aria-expanded", "true")

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()


def test_shortcut_opens_the_labelled_dialog_and_escape_returns_focus(live_server, widget: Widget):
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    expect(widget.launcher).to_have_attribute("aria-keyshortcuts", "Alt+Shift+H")
    page.locator("#id_username").focus()

    page.keyboard.press("Alt+Shift+H")
    expect(page.get_by_role("dialog", name="Assistant d'aide")).to_be_visible()
    expect(page.get_by_role("combobox", name="Votre question")).to_be_focused()

    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()

    page.keyboard.press("Alt+Shift+H")
    expect(widget.panel).to_be_visible()
    page.keyboard.press("Alt+Shift+H")
    expect(widget.panel).to_be_hidden()


def test_shortcut_setting_is_followed(live_server, settings, widget: Widget):
    settings.HELP = {**settings.HELP, "WIDGET_SHORTCUT": "Ctrl+Alt+K"}
    widget.page.goto(f"{live_server.url}/connexion/")
    widget.page.keyboard.press("Alt+Shift+H")
    expect(widget.panel).to_be_hidden()
    widget.page.keyboard.press("Control+Alt+K")
    expect(widget.panel).to_be_visible()


def test_panel_fits_a_360px_screen(live_server, widget: Widget):
    page = widget.page
    page.set_viewport_size({"width": 360, "height": 640})
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    box = widget.panel.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert box["y"] >= 0 and box["y"] + box["height"] <= 640
    send = widget.panel.get_by_role("button", name="Envoyer")
    expect(send).to_be_visible()
    send_box = send.bounding_box()
    assert send_box is not None and send_box["x"] + send_box["width"] <= 360


def test_widget_works_under_a_strict_content_security_policy(live_server, ollama, widget):
    """No inline script or style: the widget runs under a CSP that forbids both."""
    page = widget.page
    policy = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'"

    def with_policy(route):
        response = route.fetch()
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": policy}
        )

    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text))
    page.route(f"{live_server.url}/connexion/", with_policy)
    page.goto(f"{live_server.url}/connexion/")
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.__inline = 1")  # the policy is in force
    violations.clear()
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    expect(widget.panel.locator(".head")).to_have_css("background-color", "rgb(109, 26, 54)")
    assert [text for text in violations if "Content Security Policy" in text] == []
