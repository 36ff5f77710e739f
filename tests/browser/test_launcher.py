from __future__ import annotations

from playwright.sync_api import Page, expect


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
