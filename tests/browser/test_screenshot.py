"""The README's picture of the widget, on the quotes page with the demo's data.

Every run renders it (a rendered answer with its markdown and sources); the README's copy
is rewritten on demand:

    HELP_WIDGET_SCREENSHOT=docs/widget.png pytest tests/browser/test_screenshot.py
"""

from __future__ import annotations

import os
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.browser.widget import Widget, log_in

pytestmark = pytest.mark.django_db(transaction=True)

TARGET = os.environ.get("HELP_WIDGET_SCREENSHOT")

ANSWER = (
    "Pour préparer un devis :\n\n"
    "1. Ouvrez **Devis** dans le menu.\n"
    "2. Cliquez sur **Nouveau devis** et choisissez le client.\n"
    "3. Ajoutez les lignes : cuvée, quantité et prix.\n\n"
    "Voir [Faire un devis](/help/articles/faire-un-devis/)."
)


def test_screenshot_of_the_widget_on_the_quotes_page(
    live_server, ollama, context, widget: Widget, tmp_path
):
    call_command("load_demo", stdout=StringIO())
    log_in(context, live_server.url, get_user_model().objects.get(username="demo"))
    ollama.answer = ANSWER

    page = widget.page
    page.goto(f"{live_server.url}/devis/")
    widget.open().ask("Comment faire un devis ?")
    widget.wait_done()
    widget.input.blur()
    page.mouse.move(400, 600)  # no hover effect in the picture
    target = TARGET or str(tmp_path / "widget.png")
    page.screenshot(path=target)
    with open(target, "rb") as picture:
        assert picture.read(8) == b"\x89PNG\r\n\x1a\n"
    assert page.get_by_role("link", name="Faire un devis").count() >= 1
