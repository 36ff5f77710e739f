"""In the browser: the widget in headless Chromium (Playwright), against the same gunicorn.

- Token to screen: the wall-clock time from the model backend sending an answer's first
  token to that text being in the widget's DOM and the next animation frame (one machine,
  one clock). Questions are new to the cache, so each one is a model call.
- A repeat question: asked again on the same page, answered from the widget's own cache
  (sessionStorage): time from Enter to the answer on screen, and requests sent to /help/ask.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, Request, sync_playwright

from benchmarks.backends import ModelBackend
from benchmarks.stats import summary
from benchmarks.workload import Question

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUESTIONS = 5
ANSWER_TIMEOUT_MS = 60_000
QUIET_SECONDS = 2.0  # no token sent for this long: the load scenario's calls are over
QUIET_LIMIT = 120.0

# Notes, in epoch ms, when Enter is pressed in the widget and when the newest answer first
# shows text (DOM mutation, then the next frame).
PROBE = """() => {
  const root = document.querySelector("#help-widget-host").shadowRoot;
  const now = () => performance.timeOrigin + performance.now();
  window.__bench = { submitted: null, dom: null, frame: null };
  root.addEventListener("keydown", (event) => {
    if (event.key === "Enter") window.__bench.submitted = now();
  }, { capture: true });
  new MutationObserver(() => {
    const answers = root.querySelectorAll(".exchange .answer");
    const last = answers[answers.length - 1];
    if (window.__bench.dom !== null || !last || last.querySelector(".typing")) return;
    if (!last.textContent.trim()) return;
    window.__bench.dom = now();
    requestAnimationFrame(() => { window.__bench.frame = now(); });
  }).observe(root, { subtree: true, childList: true, characterData: true });
}"""


def run_browser(
    base_url: str,
    cookies: list[dict[str, Any]],
    backend: ModelBackend,
    questions: list[Question],
    expire_answers: Callable[[], None],
) -> dict[str, Any]:
    # One question per need: two of one need could share an answer (the similar level).
    first_of_need = {}
    for question in questions:
        if question.lang == "fr" and question.asks == 1:
            first_of_need.setdefault(question.intent, question)
    chosen = list(first_of_need.values())[:QUESTIONS]
    _wait_quiet(backend)
    expire_answers()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 800})
            context.add_cookies(cookies)
            page = context.new_page()
            asked = [_ask_new(page, base_url, backend, question) for question in chosen]
            repeat = _ask_again(page, base_url, chosen[0])
        finally:
            browser.close()
    return {
        "questions": [question.text for question in chosen],
        "token_to_screen": summary([a["token_to_frame"] for a in asked], 50, 95),
        "token_to_dom": summary([a["token_to_dom"] for a in asked], 50, 95),
        "enter_to_first_text": summary([a["enter_to_frame"] for a in asked], 50, 95),
        "repeat": repeat,
    }


def _wait_quiet(backend: ModelBackend) -> None:
    """Wait for model calls still running in the background (a stray token would pass for
    the first token of the next answer)."""
    end = time.monotonic() + QUIET_LIMIT
    sent = -1
    while sent != len(backend.token_times) and time.monotonic() < end:
        sent = len(backend.token_times)
        time.sleep(QUIET_SECONDS)


def _open_widget(page: Page, base_url: str, question: Question) -> None:
    page.goto(f"{base_url}{question.path}")
    panel = page.locator("[data-part=panel]")
    if panel.is_hidden():  # the panel stays open from one page to the next
        page.click("[data-part=launcher]")
    panel.wait_for(state="visible")
    page.evaluate(PROBE)


def _submit(page: Page, question: Question) -> None:
    page.fill("#help-q", question.text)
    page.press("#help-q", "Enter")
    page.locator(".exchange").last.locator(".actions").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_function("() => window.__bench.frame !== null")


def _ask_new(
    page: Page, base_url: str, backend: ModelBackend, question: Question
) -> dict[str, float]:
    _open_widget(page, base_url, question)
    backend.token_times.clear()
    _submit(page, question)
    marks = page.evaluate("() => window.__bench")
    if not backend.token_times:
        raise RuntimeError(f"no token left the model for {question.text!r} (a cached answer?)")
    first_token = backend.token_times[0] * 1000
    return {
        "token_to_dom": (marks["dom"] - first_token) / 1000,
        "token_to_frame": (marks["frame"] - first_token) / 1000,
        "enter_to_frame": (marks["frame"] - marks["submitted"]) / 1000,
    }


def _ask_again(page: Page, base_url: str, question: Question) -> dict[str, Any]:
    _open_widget(page, base_url, question)
    sent: list[str] = []

    def note(request: Request) -> None:
        if "/help/ask" in request.url:
            sent.append(request.url)

    page.on("request", note)
    _submit(page, question)
    time.sleep(0.5)  # a request sent late would still be counted
    page.remove_listener("request", note)
    marks = page.evaluate("() => window.__bench")
    return {
        "enter_to_answer_ms": round(marks["frame"] - marks["submitted"], 1),
        "enter_to_dom_ms": round(marks["dom"] - marks["submitted"], 1),
        "requests_to_ask": len(sent),
    }
