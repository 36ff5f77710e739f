"""The widget's own cache belongs to one user's session, and page hints leave table data out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Request, expect

from monchai.models import Client
from tests.browser.widget import Widget
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "Comment créer un client ?"
CACHE_STORE = "help-widget:answers"  # widget.js's sessionStorage key


def log_in_with_the_form(page: Page, url: str, username: str, password: str) -> None:
    page.goto(f"{url}/connexion/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(f"{url}/")


def log_out(page: Page, url: str) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(re.compile(re.escape(f"{url}/connexion/")))


def stored_answers(page: Page) -> str | None:
    return page.evaluate("key => sessionStorage.getItem(key)", CACHE_STORE)


def test_next_user_in_the_same_tab_never_gets_the_last_ones_cached_answer(
    live_server, ollama, redis_cache, django_user_model, widget: Widget
):
    make_articles()
    django_user_model.objects.create_user("alice", password="alice-pass-123")
    django_user_model.objects.create_user("bob", password="bob-pass-123")
    page, url = widget.page, live_server.url

    ollama.answer = "Pour Alice : écrivez à contact@cave-secrete.fr."
    log_in_with_the_form(page, url, "alice", "alice-pass-123")
    widget.open().ask(QUESTION)
    widget.wait_done()
    expect(widget.answer).to_have_text(ollama.answer)
    # Asked again by alice: from the widget's cache, with no request.
    widget.ask(QUESTION)
    expect(widget.exchanges).to_have_count(2)
    expect(widget.answer).to_have_text("Pour Alice : écrivez à contact@cave-secrete.fr.")
    assert len(widget.ask_requests) == 1
    assert "cave-secrete" in stored_answers(page)

    log_out(page, url)
    # Emptied as the first page after the logout loads, before anything is asked.
    assert stored_answers(page) is None

    # The server's answer cache is shared by design (its key holds what the model saw, the
    # hints included); emptied here so that bob's answer can be told from alice's.
    redis_cache.flush()
    ollama.answer = "Pour Bob : ouvrez Clients puis Nouveau client."
    log_in_with_the_form(page, url, "bob", "bob-pass-123")
    widget.open().ask(QUESTION)
    widget.wait_done()

    assert len(widget.ask_requests) == 2
    expect(widget.answer).to_have_text("Pour Bob : ouvrez Clients puis Nouveau client.")
    expect(widget.panel).not_to_contain_text("cave-secrete")
    assert "cave-secrete" not in stored_answers(page)
    assert ollama.chat_requests == 2


def test_logging_in_empties_a_visitors_cache(live_server, ollama, django_user_model, widget):
    django_user_model.objects.create_user("alice", password="alice-pass-123")
    page, url = widget.page, live_server.url
    page.goto(f"{url}/connexion/")
    widget.open().ask("Comment me connecter ?")
    widget.wait_done()
    assert stored_answers(page) is not None

    log_in_with_the_form(page, url, "alice", "alice-pass-123")
    assert stored_answers(page) is None


TABLE_EXTRAS = """
const table = document.querySelector("main table");
table.querySelector("thead tr").insertAdjacentHTML(
  "beforeend", '<th scope="col"><button type="submit">Trier par ville</button></th>');
table.querySelector("tbody tr td").insertAdjacentHTML(
  "beforeend", ' <button type="submit">Relancer Cave des Chartrons</button>');
table.querySelector("tbody").insertAdjacentHTML(
  "beforeend",
  `<tr><th scope="row"><label>Client vedette</label></th>
     <td><a class="button--primary" href="#">Château Secret</a></td>
     <td><label>Note sur Domaine Caché</label></td></tr>`);
table.insertAdjacentHTML(
  "beforeend",
  '<tfoot><tr><td><button type="submit">Relancer Maison Pied</button></td></tr></tfoot>');
"""


def test_hints_leave_out_the_cells_of_data_tables(live_server, ollama, logged_in, widget):
    Client.objects.create(
        name="Cave des Chartrons", email="cave@chartrons.example", city="Bordeaux"
    )
    page = widget.page
    sent: list[str] = []

    def record(request: Request) -> None:
        if request.url.endswith("/help/ask/stream"):
            sent.append(request.post_data_json["hints"])

    page.on("request", record)
    page.goto(f"{live_server.url}/clients/")
    expect(page.locator("main table")).to_contain_text("Cave des Chartrons")
    page.evaluate(TABLE_EXTRAS)

    widget.open().ask("Comment relancer un client depuis cette page ?")
    widget.wait_done()

    prompt = ollama.payloads[-1]["messages"][-1]["content"]
    for text in (sent[0], prompt):
        assert "h1: Clients" in text
        assert "button: Nouveau client" in text
        assert "button: Trier par ville" in text  # a column header describes the page
        assert "label: Client vedette" in text  # so does a row header
        for data in ("Chartrons", "chartrons", "Château Secret", "Domaine Caché", "Maison Pied"):
            assert data not in text, data
