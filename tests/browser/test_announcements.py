"""What screen readers hear: one polite live region, plain text (the rendered answer, not
its Markdown), once an answer, and the waiting, degraded and interrupted states."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.widget import Widget
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

MARKDOWN = "Pour créer un client :\n\n1. Ouvrez **Clients**.\n2. Cliquez sur `Nouveau client`."
SPOKEN = "Pour créer un client :\nOuvrez Clients.\nCliquez sur Nouveau client."

RECORD = """() => {
    const status = document.getElementById("help-widget-host").shadowRoot
        .querySelector("[role=status]");
    window.__said = [];
    new MutationObserver(() => window.__said.push(status.textContent))
        .observe(status, { childList: true, characterData: true, subtree: true });
}"""


def test_one_live_region_says_the_wait_then_the_answer_once_in_plain_text(
    live_server, ollama, widget: Widget
):
    ollama.answer = MARKDOWN
    ollama.tokens_per_second = 10
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open()
    expect(widget.panel.locator("[aria-live=polite], [role=status], [role=alert]")).to_have_count(1)
    expect(widget.panel.get_by_role("log")).to_have_attribute("aria-live", "off")
    page.evaluate(RECORD)

    widget.ask("Comment créer un client ?")
    expect(widget.status).to_have_text("L'assistant rédige sa réponse…")
    widget.wait_done()
    expect(widget.status).to_have_text(SPOKEN)
    said = page.evaluate("window.__said")
    assert said == ["L'assistant rédige sa réponse…", SPOKEN]  # not token by token
    assert not re.search(r"\*\*|`|^\d+\.", said[-1], re.M)

    # From the widget's own cache: said once too.
    widget.ask("Comment créer un client ?")
    expect(widget.exchanges).to_have_count(2)
    widget.wait_done()
    assert page.evaluate("window.__said")[2:] == [SPOKEN]


def test_a_degraded_answer_is_said_with_its_notice_once(live_server, ollama, widget: Widget):
    make_articles()
    ollama.set_mode("down")
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    notice = widget.notice.inner_text()
    assert "lent ou indisponible" in notice
    # The server's word on it is the notice: not repeated as the answer's first sentence.
    expect(widget.answer).not_to_contain_text("lent ou indisponible")
    expect(widget.answer.locator("li").first).to_have_text("Ouvrez Clients.")
    spoken = widget.status.inner_text()
    assert spoken.startswith(notice)
    assert spoken.count("lent ou indisponible") == 1
    assert "Ouvrez Clients." in spoken and "**" not in spoken


def test_an_interruption_and_an_upgrade_are_said(live_server, ollama, widget: Widget):
    make_articles()
    ollama.answer = " ".join(["mot"] * 30)
    ollama.tokens_per_second = 10
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Une question longue")
    expect(widget.answer).to_contain_text("mot")
    widget.stop.click()
    expect(widget.status).to_have_text("Interrompu.")

    ollama.answer = "Ouvrez **Clients** puis **Nouveau client**."
    ollama.tokens_per_second = 0
    ollama.set_mode("slow_first_token", seconds=1.5)  # the test deadline is 1 s
    widget.ask("Comment créer un client ?")
    expect(widget.status).to_contain_text("lent ou indisponible")
    expect(widget.status).to_have_text(
        "Réponse améliorée Ouvrez Clients puis Nouveau client.", timeout=5_000
    )
