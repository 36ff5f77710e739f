"""What the widget tells the server about the page: what it shows, never what was typed."""

from __future__ import annotations

import pytest

from tests.browser.widget import Widget

pytestmark = pytest.mark.django_db(transaction=True)

HOST_EXTRAS = """
const extras = document.createElement("div");
extras.innerHTML = `
  <h2>Titre visible</h2>
  <h2 hidden>Titre caché</h2>
  <h2 style="display: none">Titre masqué</h2>
  <div data-help-ignore><h2>Dossier médical de Mme Martin</h2></div>
  <label>Commentaire <textarea>texte tapé dans une zone</textarea></label>
  <label>Client <select><option selected>Château Secret</option></select></label>
  <div contenteditable><h3>Brouillon privé</h3></div>`;
document.querySelector("main").append(extras);
"""


def sent_hints(page) -> list[str]:
    """The ``hints`` field of every question the page sends, as the page sends them."""
    hints: list[str] = []

    def record(request) -> None:
        if request.url.endswith("/help/ask/stream"):
            hints.append(request.post_data_json["hints"])

    page.on("request", record)
    return hints


def test_hints_carry_the_page_and_no_user_data(live_server, ollama, widget: Widget):
    page = widget.page
    sent = sent_hints(page)
    page.goto(f"{live_server.url}/connexion/")
    page.evaluate(HOST_EXTRAS)
    page.locator("#id_username").fill("jean.dupont-secret")
    page.locator("#id_password").fill("motdepasse-tres-secret")

    # About the page itself: its answer is the page's, and the model is given the hints.
    widget.open().ask("Comment me connecter sur cette page ?")
    widget.wait_done()

    prompt = ollama.payloads[-1]["messages"][-1]["content"]
    for text in (sent[0], prompt):
        assert "h1: Connexion" in text
        assert "button: Se connecter" in text
        assert "h2: Titre visible" in text
        assert "label: Commentaire" in text and "label: Client" in text
        for private in (
            "jean.dupont-secret",
            "motdepasse-tres-secret",
            "Titre caché",
            "Titre masqué",
            "Dossier médical",
            "texte tapé",
            "Château Secret",
            "Brouillon privé",
            "Assistant d'aide",  # the widget's own heading
        ):
            assert private not in text, private


def test_hints_are_capped_in_elements_and_characters(live_server, ollama, settings, widget):
    page = widget.page
    sent = sent_hints(page)
    many_headings = """for (let i = 0; i < 80; i++) {
        const h = document.createElement("h3");
        h.textContent = "Rubrique " + i;
        document.querySelector("main").append(h);
    }"""
    settings.HELP = {**settings.HELP, "MAX_HINTS_CHARS": 2000}
    page.goto(f"{live_server.url}/connexion/")
    page.evaluate(many_headings)
    widget.open().ask("Où suis-je ?")
    widget.wait_done()
    assert sent[0].startswith("h1: Connexion\n")
    assert len(sent[0].splitlines()) == 40

    settings.HELP = {**settings.HELP, "MAX_HINTS_CHARS": 60}
    page.reload()
    page.evaluate(many_headings)
    widget.open().ask("Et maintenant ?")
    widget.wait_done()
    assert sent[1].startswith("h1: Connexion\n")
    assert len(sent[1]) <= 60


def test_hints_on_a_logged_in_page_name_the_menu_and_its_active_entry(
    live_server, ollama, logged_in, widget: Widget
):
    page = widget.page
    sent = sent_hints(page)
    page.goto(f"{live_server.url}/devis/")
    widget.open().ask("Comment faire un devis ?")
    widget.wait_done()
    lines = sent[0].splitlines()
    assert lines[:2] == ["h1: Devis", "current: Devis"]
    assert {"nav: Clients", "nav: Stock", "button: Nouveau devis"} <= set(lines)
    assert "vigneron" not in sent[0]  # the user's name in the header is not a hint


def test_hints_follow_a_change_of_path(live_server, ollama, widget: Widget):
    page = widget.page
    sent = sent_hints(page)
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Première question")
    widget.wait_done()
    page.evaluate(
        """() => {
            history.pushState({}, "", "/ailleurs/");
            document.querySelector("h1").textContent = "Autre page";
        }"""
    )
    widget.ask("Seconde question")
    widget.wait_done()
    assert sent[0].startswith("h1: Connexion")
    assert sent[1].startswith("h1: Autre page")
