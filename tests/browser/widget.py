"""The help widget as the browser tests see it."""

from __future__ import annotations

import time

from django.conf import settings
from django.test import Client
from playwright.sync_api import BrowserContext, Page, Request, expect

REPEAT_GUARD = 0.35  # seconds: widget.js merges submissions closer than 300 ms


class Widget:
    """The help widget on a Playwright page; locators pierce its open shadow root."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = page.locator("[data-part=launcher]")
        self.panel = page.locator("[data-part=panel]")
        self.input = self.panel.get_by_role("textbox")
        self.exchanges = self.panel.locator("article.exchange")
        self.last = self.exchanges.last
        self.answer = self.last.locator(".answer")
        self.notice = self.last.locator(".notice")
        self.stop = self.panel.locator("button.stop")
        # Every request the page makes to /help/ask and /help/ask/stream.
        self.ask_requests: list[str] = []
        self.last_ask = 0.0
        page.on("request", self._count)

    def _count(self, request: Request) -> None:
        if "/help/ask" in request.url:
            self.ask_requests.append(request.url)

    def open(self) -> Widget:
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


def log_in(context: BrowserContext, url: str, user) -> None:
    """Give the browser ``user``'s session cookie, as if they had logged in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": url}])
