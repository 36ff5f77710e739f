"""The help widget as the browser tests see it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import axe_playwright_python
from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Locator, Page, Request, expect

REPEAT_GUARD = 0.35  # seconds: widget.js merges submissions closer than 300 ms
DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}
THREAD_STORE = "help-widget:thread"  # widget.js's sessionStorage key for the conversation
# axe-core as shipped inside the axe-playwright-python wheel: a local file, never a CDN.
AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")


class Widget:
    """The help widget on a Playwright page; locators pierce its open shadow root."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator("[data-part=launcher]")
        self.panel = page.locator("[data-part=panel]")
        self.input = self.panel.get_by_role("combobox")
        self.exchanges = self.panel.locator("article.exchange")
        self.last = self.exchanges.last
        self.answer = self.last.locator(".answer")
        self.notice = self.last.locator(".notice")
        self.stop = self.panel.locator("button.stop")
        self.status = self.panel.locator("[role=status]")
        self.view = self.panel.locator(".view")
        # Every request the page makes to /help/ask and /help/ask/stream.
        self.ask_requests: list[str] = []
        self.last_ask = 0.0
        page.on("request", self._count)

    def _count(self, request: Request) -> None:
        if "/help/ask" in request.url:
            self.ask_requests.append(request.url)

    def open(self) -> Widget:
        """Open the panel, unless it is open already (it stays open across pages)."""
        expect(self.launcher).to_be_visible()
        if self.panel.is_hidden():
            self.launcher.click()
        expect(self.panel).to_be_visible()
        return self

    def ask(self, question: str, *, quick: bool = False) -> None:
        """Type and send ``question``; unless ``quick``, first let the widget's 300 ms
        repeat guard pass, as any person typing a new question would."""
        if not quick:
            wait = REPEAT_GUARD - (time.monotonic() - self.last_ask)
            if wait > 0:
                time.sleep(wait)
        self.input.fill(question)
        self.input.press("Enter")
        self.last_ask = time.monotonic()

    def wait_done(self) -> None:
        """The answer is complete once its feedback buttons are shown."""
        expect(self.last.locator(".feedback")).to_be_visible()

    def focused(self) -> dict[str, Any]:
        """What has the focus: the page's element, and the widget's one inside its shadow root."""
        return self.page.evaluate(
            """() => {
                const host = document.getElementById("help-widget-host");
                const inner = host?.shadowRoot?.activeElement;
                return {
                    page: document.activeElement.tagName,
                    tag: inner?.tagName || null,
                    name: inner && (
                        inner.getAttribute("aria-label")
                        || (inner.tagName === "BUTTON" ? inner.textContent.trim() : null)
                        || inner.getAttribute("role")
                        || inner.tagName
                    ),
                };
            }"""
        )

    def expect_focus_on(self, locator: Locator) -> None:
        expect(locator).to_be_focused()
        assert self.focused()["page"] != "BODY"

    def axe(self) -> list[tuple[str, list[Any]]]:
        """The serious and critical violations axe-core finds in the widget, as it is now."""
        if not self.page.evaluate("() => Boolean(window.axe)"):
            self.page.add_script_tag(path=str(AXE_JS))
        results = self.page.evaluate(
            """() => axe.run(
                { include: [["#help-widget-host"]] },
                { resultTypes: ["violations"] },
            )"""
        )
        return [
            (violation["id"], [node["target"] for node in violation["nodes"]])
            for violation in results["violations"]
            if violation["impact"] in ("serious", "critical")
        ]

    def stored_thread(self) -> dict[str, Any] | None:
        return self.page.evaluate("key => JSON.parse(sessionStorage.getItem(key))", THREAD_STORE)


def log_in(context: BrowserContext, url: str, user) -> None:
    """Give the browser ``user``'s session cookie, as if they had logged in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])
