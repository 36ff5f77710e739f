"""Asking through the widget: streaming, the client cache, repeats, aborts, feedback."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from help.models import HelpFeedback
from tests.browser.widget import Widget
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER = "Ouvrez **Clients** puis cliquez sur Nouveau client."


def test_tokens_are_shown_as_they_arrive(live_server, ollama, widget: Widget):
    ollama.answer = "Ouvrez Clients, puis cliquez sur Nouveau client et remplissez le nom."
    ollama.tokens_per_second = 8  # 11 tokens: about 1.4 s in all
    widget.page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")

    expect(widget.last.locator(".question")).to_have_text("Comment créer un client ?")
    expect(widget.answer).to_contain_text("Ouvrez")
    partial = widget.answer.inner_text()
    assert "remplissez le nom." not in partial
    expect(widget.stop).to_be_visible()

    expect(widget.answer).to_have_text(ollama.answer)
    expect(widget.stop).to_be_hidden()
    expect(widget.panel.locator("[role=status]")).to_have_text(ollama.answer)


def test_repeated_question_is_answered_from_the_client_cache(live_server, ollama, widget):
    ollama.answer = ANSWER
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    assert len(widget.ask_requests) == 1

    # Same question, folded the same way as the server folds it.
    widget.ask("comment  creer un CLIENT")
    expect(widget.exchanges).to_have_count(2)
    expect(widget.answer).to_have_text("Ouvrez Clients puis cliquez sur Nouveau client.")
    widget.wait_done()

    page.goto(f"{live_server.url}/help/articles/")
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    expect(widget.answer).to_have_text("Ouvrez Clients puis cliquez sur Nouveau client.")
    assert len(widget.ask_requests) == 1
    assert ollama.chat_requests == 1


def test_client_cache_is_dropped_when_the_articles_change(live_server, ollama, widget):
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()

    make_articles()  # bumps the articles version
    page.reload()
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    assert len(widget.ask_requests) == 2


def test_three_quick_enters_make_one_request(live_server, ollama, widget: Widget):
    widget.page.goto(f"{live_server.url}/connexion/")
    widget.open()
    # Three submissions (what Enter does) in one task of the page, so all fall inside the
    # 300 ms repeat guard however loaded the machine is.
    widget.input.evaluate(
        """(input) => {
            for (let i = 0; i < 3; i++) {
                input.value = "Comment faire un devis ?";
                input.form.requestSubmit();
            }
        }"""
    )
    widget.wait_done()
    expect(widget.exchanges).to_have_count(1)
    assert len(widget.ask_requests) == 1


def test_a_new_question_aborts_the_one_in_flight(live_server, ollama, widget: Widget):
    ollama.answer = " ".join(["mot"] * 30)
    ollama.tokens_per_second = 10
    failed: list[str] = []
    page = widget.page
    page.on("requestfailed", lambda request: failed.append(request.post_data_json["question"]))
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Première question")
    expect(widget.answer).to_contain_text("mot")

    ollama.answer = "Deuxième réponse."
    ollama.tokens_per_second = 0
    widget.ask("Seconde question")
    expect(widget.answer).to_have_text("Deuxième réponse.")
    first = widget.exchanges.first
    expect(first.locator(".notice")).to_have_text("Interrompu.")
    assert len(widget.ask_requests) == 2
    # The first request was cancelled by the browser. (Chromium may also report the
    # second, close-delimited stream as aborted once it has been read to its end.)
    assert failed[0] == "Première question"


def test_stop_button_ends_the_stream(live_server, ollama, widget: Widget):
    ollama.answer = " ".join(["mot"] * 30)
    ollama.tokens_per_second = 10
    widget.page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Une question longue")
    expect(widget.answer).to_contain_text("mot")
    widget.stop.click()
    expect(widget.notice).to_have_text("Interrompu.")
    expect(widget.stop).to_be_hidden()
    expect(widget.panel.get_by_role("button", name="Envoyer")).to_be_visible()


def test_slow_model_shows_the_fallback_then_the_upgrade(live_server, ollama, widget: Widget):
    make_articles()
    ollama.answer = ANSWER
    ollama.set_mode("slow_first_token", seconds=1.5)  # the test deadline is 1 s
    widget.page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")

    expect(widget.notice).to_have_text(re.compile("lent ou indisponible", re.I))
    expect(widget.answer).to_contain_text("Nouveau client")
    expect(widget.stop).to_be_hidden()  # the user is no longer kept waiting
    sources = widget.last.locator(".sources a")
    expect(sources.first).to_have_attribute("href", re.compile("/help/articles/"))

    # The model's answer replaces the steps, marked as such.
    expect(widget.notice).to_have_text("Réponse améliorée", timeout=5_000)
    expect(widget.answer).to_have_text("Ouvrez Clients puis cliquez sur Nouveau client.")


def test_hung_server_ends_the_wait_with_a_retry(live_server, ollama, widget: Widget, page: Page):
    # The stream never starts: the client's own limit must end the wait.
    page.route("**/help/ask/stream", lambda route: None)
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    expect(widget.notice).to_have_text("L'assistant n'a pas répondu à temps.", timeout=5_000)
    retry = widget.last.get_by_role("button", name="Réessayer")
    expect(retry).to_be_visible()

    page.unroute("**/help/ask/stream")
    retry.click()
    expect(widget.answer).to_have_text(ollama.answer)
    expect(widget.notice).to_be_hidden()


def test_network_error_offers_a_retry(live_server, ollama, widget: Widget, page: Page):
    page.route("**/help/ask/stream", lambda route: route.abort("connectionreset"))
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    expect(widget.notice).to_have_text("La connexion a été perdue.")
    page.unroute("**/help/ask/stream")
    widget.last.get_by_role("button", name="Réessayer").click()
    expect(widget.answer).to_have_text(ollama.answer)


def test_rate_limit_pauses_the_input(live_server, widget: Widget, page: Page):
    page.route(
        "**/help/ask/stream",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "1"},
            content_type="application/json",
            body='{"error": {"code": "rate_limited", "message": "Slow down."}}',
        ),
    )
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    expect(widget.notice).to_have_text("Trop de questions d'affilée : réessayez dans 1 s.")
    expect(widget.input).to_be_disabled()
    expect(widget.input).to_be_enabled(timeout=3_000)


def test_model_markup_is_shown_as_text_and_runs_nothing(live_server, ollama, widget: Widget):
    ollama.answer = (
        "<img src=x onerror=window.__pwned=1> **Attention** : voir "
        "[x](javascript:window.__pwned=1) et [l'article](/help/articles/creer-un-client/) "
        "ou [ailleurs](https://example.com/help/articles/)."
    )
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Montre-moi une image")
    widget.wait_done()

    expect(widget.answer).to_contain_text("<img src=x onerror=window.__pwned=1>")
    expect(widget.answer.locator("img")).to_have_count(0)
    expect(widget.answer.locator("strong")).to_have_text("Attention")
    links = widget.answer.locator("a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", f"{live_server.url}/help/articles/creer-un-client/")
    expect(widget.answer).to_contain_text("voir x et")
    assert page.evaluate("window.__pwned") is None


def test_feedback_is_stored(live_server, ollama, widget: Widget):
    widget.page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    widget.last.get_by_role("button", name="Oui").click()
    expect(widget.last.locator(".feedback")).to_have_text("Merci pour votre avis.")
    feedback = HelpFeedback.objects.get()
    assert feedback.helpful is True
    assert feedback.query.question == "Comment créer un client ?"


def test_suggestions_appear_while_typing_and_open_the_article(live_server, widget: Widget):
    make_articles()
    page = widget.page
    suggests: list[str] = []
    page.on("request", lambda r: suggests.append(r.url) if "/help/suggest" in r.url else None)
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    widget.input.press_sequentially("créer un cli", delay=20)
    option = widget.panel.get_by_role("option").first
    expect(option).to_contain_text("Créer un client")
    assert len(suggests) == 1  # typing faster than 300 ms a key makes one request
    # Still the article page's link, for those who open it apart.
    expect(option).to_have_attribute("href", re.compile(r"/help/articles/creer-un-client/"))

    option.click()  # in the panel now, not in a new tab
    expect(widget.view.get_by_role("heading", name="Créer un client")).to_be_visible()
    assert page.url == f"{live_server.url}/connexion/"
