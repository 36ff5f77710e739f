"""A curated answer in the widget: marked "verified" in words, from the server and the
widget's own cache alike; any other answer is not."""

from __future__ import annotations

import json
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import Route, expect

from help.models import HelpCuratedAnswer
from tests.browser.widget import Widget
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")
ANSWER = "1. Ouvrez **Clients**.\n2. Cliquez sur **Nouveau client**."


def curate(question: str, language: str, answer: str) -> HelpCuratedAnswer:
    articles = {(a.slug, a.language): a for a in make_articles()}
    curated = HelpCuratedAnswer.objects.create(question=question, language=language, answer=answer)
    curated.articles.set([articles["creer-un-client", language]])
    return curated


def test_a_curated_answer_is_marked_verified(live_server, widget: Widget):
    curate("Comment créer un client ?", "fr", ANSWER)
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("comment ajouter un nouveau client")  # the same meaning, other words
    widget.wait_done()

    expect(widget.answer.locator("li")).to_have_text(
        ["Ouvrez Clients.", "Cliquez sur Nouveau client."]
    )
    marker = widget.last.locator(".verified")
    expect(marker).to_have_text("✓ Réponse vérifiée")
    # Said in words to assistive technology; the check mark itself is hidden from it.
    expect(marker).to_match_aria_snapshot("- paragraph: Réponse vérifiée")
    expect(widget.notice).to_be_hidden()
    expect(widget.last.locator(".sources a")).to_have_text(["Créer un client"])

    # Asked again: from the widget's own cache, still marked.
    widget.ask("Comment ajouter un nouveau client ?")
    expect(widget.exchanges).to_have_count(2)
    widget.wait_done()
    expect(widget.last.locator(".verified")).to_have_text("✓ Réponse vérifiée")
    assert len(widget.ask_requests) == 1

    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """() => axe.run(
            { include: [["#help-widget-host"]] },
            { resultTypes: ["violations"] },
        )"""
    )
    assert [v["id"] for v in results["violations"] if v["impact"] in ("serious", "critical")] == []


def test_the_marker_is_in_english_on_an_english_page(live_server, widget: Widget):
    curate("How do I create a client?", "en", "Open **Clients**, then **New client**.")
    page = widget.page
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("How do I create a client?")
    widget.wait_done()
    expect(widget.last.locator(".verified")).to_have_text("✓ Verified answer")


def test_a_model_answer_is_not_marked(live_server, ollama, widget: Widget):
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    expect(widget.answer).to_have_text(ollama.answer)
    expect(widget.panel.locator(".verified")).to_have_count(0)


def test_the_widget_marks_what_the_server_calls_curated(live_server, widget: Widget):
    """The widget's side alone, whatever the pipeline: a done event with match "curated"."""

    def curated_stream(route: Route) -> None:
        events = [
            {"event": "start", "id": "0c6f1a52-4d7e-4a59-9d1e-3f5b0c1d2e3f", "sources": []},
            {
                "event": "done",
                "answer": "Une réponse vérifiée.",
                "source": "cache",
                "match": "curated",
                "degraded": False,
                "timings": {},
            },
        ]
        body = "".join(json.dumps(event) + "\n" for event in events)
        route.fulfill(status=200, content_type="application/x-ndjson", body=body)

    page = widget.page
    page.route("**/help/ask/stream", curated_stream)
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Une question")
    widget.wait_done()
    expect(widget.answer).to_have_text("Une réponse vérifiée.")
    expect(widget.last.locator(".verified")).to_have_text("✓ Réponse vérifiée")
