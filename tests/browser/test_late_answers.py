"""Late answers: a stream that ends with its answer "pending" is followed by polls of
data-answer-url with back-off, and a ready answer replaces the fallback as an upgrade.

End to end first (the server ends the stream after UPGRADE_WAIT, the model answers later);
then the widget's side alone, with routes that speak the contract, to pin down its polls.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Route, expect

from tests.browser.widget import Widget
from tests.conftest import TEST_DEADLINE
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER_ID = "0c6f1a52-4d7e-4a59-9d1e-3f5b0c1d2e3f"
FALLBACK = "L'assistant est lent ou indisponible.\n\n1. Ouvrez **Clients**."


def pending_stream(route: Route) -> None:
    events = [
        {"event": "start", "id": ANSWER_ID, "sources": [], "follow_up": False, "scope": "site"},
        {"event": "fallback", "answer": FALLBACK, "sources": []},
        {
            "event": "done",
            "answer": FALLBACK,
            "source": "fallback",
            "degraded": True,
            "match": "",
            "pending": True,
            "timings": {},
        },
    ]
    body = "".join(json.dumps(event) + "\n" for event in events)
    route.fulfill(status=200, content_type="application/x-ndjson", body=body)


def test_a_stream_ended_before_the_model_answered_still_gets_its_upgrade(
    live_server, ollama, settings, widget: Widget
):
    settings.HELP = {**settings.HELP, "UPGRADE_WAIT": 0.5}
    ollama.set_mode("slow_first_token", seconds=TEST_DEADLINE + 1.5)
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    make_articles()
    with page.expect_request("**/help/answers/*", timeout=8_000):
        widget.open().ask("Comment créer un client ?")
        expect(widget.notice).to_contain_text("L'assistant est lent ou indisponible")
    # The widget polls only after a stream that ended with its answer pending.
    expect(widget.notice).to_have_text("Réponse améliorée", timeout=8_000)
    expect(widget.answer).to_have_text("Ouvrez Clients puis cliquez sur Nouveau client.")


def test_a_pending_answer_is_polled_for_and_shown_as_an_upgrade(live_server, widget: Widget):
    page = widget.page
    polls: list[str] = []

    def answer(route: Route) -> None:
        polls.append(route.request.url)
        ready = len(polls) > 1
        body = {"ready": True, "answer": "La réponse **du modèle**.", "source": "model"}
        route.fulfill(status=200, json=body if ready else {"ready": False})

    page.route("**/help/ask/stream", pending_stream)
    page.route("**/help/answers/*", answer)
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    expect(widget.notice).to_have_text("L'assistant est lent ou indisponible.")

    expect(widget.notice).to_have_text("Réponse améliorée", timeout=8_000)
    expect(widget.answer).to_have_text("La réponse du modèle.")
    expect(widget.status).to_have_text("Réponse améliorée La réponse du modèle.")
    assert polls == [f"{live_server.url}/help/answers/{ANSWER_ID}"] * 2

    # Kept like any model answer: asked again, it comes from the widget's cache.
    widget.ask("Comment créer un client ?")
    expect(widget.exchanges).to_have_count(2)
    expect(widget.answer).to_have_text("La réponse du modèle.")
    assert len(widget.ask_requests) == 1


def test_an_answer_that_will_not_come_ends_the_polls(live_server, widget: Widget):
    page = widget.page
    polls: list[str] = []

    def gone(route: Route) -> None:
        polls.append(route.request.url)
        route.fulfill(status=404, json={"error": {"code": "not_found", "message": "No."}})

    page.route("**/help/ask/stream", pending_stream)
    page.route("**/help/answers/*", gone)
    page.goto(f"{live_server.url}/connexion/")
    with page.expect_request("**/help/answers/*", timeout=8_000):
        widget.open().ask("Comment créer un client ?")
    page.wait_for_timeout(3_000)  # the next poll would be due 2 s after the first
    assert len(polls) == 1
    expect(widget.notice).to_have_text("L'assistant est lent ou indisponible.")
