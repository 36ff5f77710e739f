"""The widget's states, reached as a user would, for the axe scans and the screenshots.

Each function takes the widget on a page of the demo (articles loaded) and the Ollama
stand-in, brings the widget to its state and waits until it is there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from playwright.sync_api import expect

from tests.browser.widget import Widget
from tests.ollama_standin import OllamaStandin


@dataclass(frozen=True)
class Words:
    """What a user types and reads in one language."""

    question: str
    answer: str
    no: str
    reason: str
    support: str
    slow: str


WORDS = {
    "fr": Words(
        question="Comment faire un devis ?",
        answer=(
            "Pour préparer un devis :\n\n"
            "1. Ouvrez **Devis** dans le menu.\n"
            "2. Cliquez sur **Nouveau devis** et choisissez le client.\n"
            "3. Ajoutez les lignes : cuvée, quantité et prix.\n\n"
            "Voir [Faire un devis](/help/articles/faire-un-devis/)."
        ),
        no="Non",
        reason="Incomplète",
        support="Contacter le support",
        slow="lent ou indisponible",
    ),
    "en": Words(
        question="How do I make a quote?",
        answer=(
            "To prepare a quote:\n\n"
            "1. Open **Quotes** in the menu.\n"
            "2. Click **New quote** and choose the client.\n"
            "3. Add the lines: wine, quantity and price."
        ),
        no="No",
        reason="Incomplete",
        support="Contact support",
        slow="slow or unavailable",
    ),
}


def empty(widget: Widget, ollama: OllamaStandin, words: Words) -> None:
    widget.open()
    expect(widget.panel.locator(".starters button").first).to_be_visible()


def streaming(widget: Widget, ollama: OllamaStandin, words: Words) -> None:
    """Mid-answer: the caller sets a deadline long enough for slow tokens (see slow_tokens)."""
    ollama.answer = words.answer
    ollama.tokens_per_second = 5
    widget.open().ask(words.question)
    expect(widget.answer.locator("li").first).to_be_visible()
    expect(widget.stop).to_be_visible()


def answered(widget: Widget, ollama: OllamaStandin, words: Words) -> None:
    ollama.answer = words.answer
    widget.open().ask(words.question)
    widget.wait_done()
    expect(widget.last.locator(".sources a").first).to_be_visible()


def degraded(widget: Widget, ollama: OllamaStandin, words: Words) -> None:
    ollama.set_mode("down")
    widget.open().ask(words.question)
    widget.wait_done()
    expect(widget.notice).to_contain_text(words.slow)


def ticket_form(widget: Widget, ollama: OllamaStandin, words: Words) -> None:
    answered(widget, ollama, words)
    widget.last.get_by_role("button", name=words.no, exact=True).click()
    widget.last.get_by_role("button", name=words.reason).click()
    widget.last.get_by_role("button", name=words.support).click()
    expect(widget.view.locator("textarea")).to_be_visible()


def article_view(widget: Widget, ollama: OllamaStandin, words: Words) -> None:
    answered(widget, ollama, words)
    widget.last.locator(".sources a").first.click()
    expect(widget.view.locator(".article")).to_be_visible()


STATES: dict[str, Callable[[Widget, OllamaStandin, Words], None]] = {
    "empty": empty,
    "streaming": streaming,
    "answered": answered,
    "degraded": degraded,
    "ticket": ticket_form,
    "article": article_view,
}


def slow_tokens(settings) -> None:
    """Room for an answer streamed at 5 tokens a second, on a loaded machine too."""
    settings.HELP = {**settings.HELP, "DEADLINE": 3.0, "TIMEOUT": 15.0}
