"""A conversation: follow-ups sent with their context, a thread that follows the user from
page to page (in sessionStorage, for one user's session), and site-wide answers that are
not asked for again on another page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.widget import Widget
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

QUOTE = "Comment faire un devis ?"
QUOTE_ANSWER = "Ouvrez **Devis** puis cliquez sur **Nouveau devis**."


def sent_questions(page: Page) -> list[dict[str, Any]]:
    """The bodies of the questions the page sends, in order."""
    bodies: list[dict[str, Any]] = []

    def record(request: Request) -> None:
        if request.url.endswith("/help/ask/stream"):
            bodies.append(request.post_data_json)

    page.on("request", record)
    return bodies


def prompt_of(payload: dict[str, Any]) -> str:
    return "\n".join(message["content"] for message in payload["messages"])


def test_a_follow_up_is_sent_with_the_previous_turn_and_answered_with_it(
    live_server, ollama, widget: Widget
):
    make_articles()
    page = widget.page
    sent = sent_questions(page)
    page.goto(f"{live_server.url}/connexion/")
    ollama.answer = QUOTE_ANSWER
    widget.open().ask(QUOTE)
    widget.wait_done()
    assert "context" not in sent[0]  # nothing before the first question

    ollama.answer = "Ouvrez le devis, puis cliquez sur **Envoyer**."
    widget.ask("Et ensuite, comment je l'envoie ?")
    widget.wait_done()
    # The previous turn, its answer as the user read it (no Markdown).
    assert sent[1]["context"] == [
        {"question": QUOTE, "answer": "Ouvrez Devis puis cliquez sur Nouveau devis."}
    ]
    assert QUOTE in prompt_of(ollama.payloads[-1])
    expect(widget.last.locator(".meta")).to_have_text("Dans la suite de votre question précédente")
    expect(widget.exchanges.first.locator(".meta")).to_have_count(0)


def test_a_follow_up_is_kept_for_its_context_only(live_server, ollama, widget: Widget):
    make_articles()
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    ollama.answer = QUOTE_ANSWER
    widget.open().ask(QUOTE)
    widget.wait_done()
    ollama.answer = "Cliquez sur **Envoyer**."
    widget.ask("Et ensuite, comment je l'envoie ?")
    widget.wait_done()
    assert len(widget.ask_requests) == 2

    # The same two turns again: both from the widget's cache.
    widget.panel.get_by_role("button", name="Nouvelle conversation").click()
    widget.ask(QUOTE)
    widget.wait_done()
    widget.ask("Et ensuite, comment je l'envoie ?")
    expect(widget.exchanges).to_have_count(2)
    widget.wait_done()
    expect(widget.answer).to_have_text("Cliquez sur Envoyer.")
    assert len(widget.ask_requests) == 2

    # After another question, "it" is something else: asked again.
    widget.panel.get_by_role("button", name="Nouvelle conversation").click()
    ollama.answer = "Ouvrez **Clients**."
    widget.ask("Comment créer un client ?")
    widget.wait_done()
    ollama.answer = "Cliquez sur la fiche du client."
    widget.ask("Et ensuite, comment je l'envoie ?")
    widget.wait_done()
    expect(widget.answer).to_have_text("Cliquez sur la fiche du client.")
    assert len(widget.ask_requests) == 4


def test_the_context_holds_the_last_two_turns_their_answers_cut_to_200_characters(
    live_server, ollama, widget: Widget
):
    page = widget.page
    sent = sent_questions(page)
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    for number in range(3):
        ollama.answer = f"Réponse {number} : " + "très " * 80
        widget.ask(f"Question numéro {number} sur les devis")
        widget.wait_done()
    widget.ask("Et après ?")
    widget.wait_done()
    context = sent[-1]["context"]
    assert [turn["question"] for turn in context] == [
        "Question numéro 1 sur les devis",
        "Question numéro 2 sur les devis",
    ]
    assert [len(turn["answer"]) for turn in context] == [200, 200]
    assert context[1]["answer"].startswith("Réponse 2 : très très")


def test_a_self_contained_question_in_a_thread_still_hits_the_shared_cache(
    live_server, ollama, context, widget: Widget
):
    make_articles()
    # Someone else, in another tab (its own thread and widget cache), asked it first.
    other = Widget(context.new_page())
    other.page.goto(f"{live_server.url}/connexion/")
    other.open().ask("Comment créer un client ?")
    other.wait_done()
    calls = ollama.chat_requests

    page = widget.page
    sent = sent_questions(page)
    page.goto(f"{live_server.url}/connexion/")
    ollama.answer = QUOTE_ANSWER
    widget.open().ask(QUOTE)
    widget.wait_done()
    widget.ask("Comment créer un client ?")
    widget.wait_done()
    assert sent[1]["context"][0]["question"] == QUOTE  # sent with its thread...
    assert ollama.chat_requests == calls + 1  # ...and answered from the shared cache
    expect(widget.last.locator(".meta")).to_have_count(0)


def test_the_thread_follows_the_user_and_a_new_conversation_resets_it(
    live_server, ollama, widget: Widget
):
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()

    page.goto(f"{live_server.url}/help/articles/")
    expect(widget.panel).to_be_visible()  # still open, without a click
    expect(widget.exchanges).to_have_count(1)
    expect(widget.last.locator(".question")).to_have_text("Comment créer un client ?")
    expect(widget.answer).to_have_text(ollama.answer)
    expect(widget.last.get_by_role("button", name="Oui")).to_be_visible()

    page.keyboard.press("Escape")
    page.goto(f"{live_server.url}/connexion/")
    expect(widget.launcher).to_be_visible()
    expect(widget.panel).to_be_hidden()  # closed stays closed
    widget.open()
    expect(widget.exchanges).to_have_count(1)

    widget.panel.get_by_role("button", name="Nouvelle conversation").click()
    expect(widget.exchanges).to_have_count(0)
    expect(widget.panel.locator(".intro")).to_be_visible()
    expect(widget.input).to_be_focused()
    expect(widget.panel.get_by_role("button", name="Nouvelle conversation")).to_be_hidden()
    page.reload()
    expect(widget.panel).to_be_visible()
    expect(widget.exchanges).to_have_count(0)
    assert widget.stored_thread()["turns"] == []


def test_the_thread_keeps_its_last_20_turns(live_server, ollama, widget: Widget):
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    for number in range(21):
        # From the widget's own cache after the first: quick.
        widget.ask("Comment créer un client ?" if number else "Première question")
        expect(widget.exchanges).to_have_count(number + 1)
        widget.wait_done()
    turns = widget.stored_thread()["turns"]
    assert len(turns) == 20
    assert turns[0]["question"] == "Comment créer un client ?"
    page.reload()
    expect(widget.exchanges).to_have_count(20)


def test_a_thread_is_dropped_when_the_user_changes(
    live_server, ollama, django_user_model, widget: Widget
):
    django_user_model.objects.create_user("alice", password="alice-pass-123")
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment me connecter ?")
    widget.wait_done()
    assert len(widget.stored_thread()["turns"]) == 1

    page.locator("#id_username").fill("alice")
    page.locator("#id_password").fill("alice-pass-123")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(widget.launcher).to_be_visible()
    expect(widget.panel).to_be_hidden()  # a new session starts afresh
    widget.open()
    expect(widget.panel.locator(".intro")).to_be_visible()
    expect(widget.exchanges).to_have_count(0)
    assert widget.stored_thread()["turns"] == []


def test_a_site_wide_answer_is_not_asked_for_again_on_another_page(
    live_server, ollama, logged_in, widget: Widget
):
    make_articles()
    page = widget.page
    page.goto(f"{live_server.url}/devis/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    assert len(widget.ask_requests) == 1

    page.goto(f"{live_server.url}/clients/")
    widget.ask("comment créer un client")
    expect(widget.exchanges).to_have_count(2)
    widget.wait_done()
    expect(widget.answer).to_have_text(ollama.answer)
    assert len(widget.ask_requests) == 1  # no request at all

    # An answer about the page itself is the page's: asked again on the next one.
    widget.ask("Que fait ce bouton ?")
    widget.wait_done()
    page.goto(f"{live_server.url}/stock/")
    widget.ask("Que fait ce bouton ?")
    expect(widget.exchanges).to_have_count(4)
    widget.wait_done()
    assert len(widget.ask_requests) == 3
    assert re.search(r"/help/ask/stream$", widget.ask_requests[-1])
