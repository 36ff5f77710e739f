"""Pictures of each state of the widget on the quotes page, desktop and phone.

Every run takes them into a temporary folder; the copies in docs/ are rewritten on demand:

    HELP_WIDGET_SCREENSHOTS=docs pytest tests/browser/test_widget_screenshots.py
"""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser import states
from tests.browser.widget import DESKTOP, PHONE, Widget, log_in

pytestmark = pytest.mark.django_db(transaction=True)

TARGET = os.environ.get("HELP_WIDGET_SCREENSHOTS")


@pytest.mark.parametrize(("device", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_every_state(
    live_server, ollama, redis_cache, settings, context, tmp_path, device, viewport
):
    call_command("load_demo", stdout=StringIO())
    log_in(context, live_server.url, get_user_model().objects.get(username="demo"))
    states.slow_tokens(settings)
    folder = Path(TARGET) if TARGET else tmp_path
    shots = [(name, drive, "light") for name, drive in states.STATES.items()]
    shots.append(("dark", states.answered, "dark"))
    for name, drive, scheme in shots:
        redis_cache.flush()  # no answer, breaker or rate from the state before
        ollama.set_mode("ok")
        ollama.tokens_per_second = 0
        page = context.new_page()
        page.set_viewport_size(viewport)
        page.emulate_media(color_scheme=scheme)
        widget = Widget(page)
        page.goto(f"{live_server.url}/devis/")
        drive(widget, ollama, states.WORDS["fr"])
        page.mouse.move(viewport["width"] / 3, 10)  # no hover effect in the picture
        picture = folder / f"widget-{name}-{device}.png"
        page.screenshot(path=str(picture))
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if name == "streaming":
            # The model call ends within the test.
            expect(widget.last.locator(".feedback")).to_be_visible(timeout=20_000)
        page.close()
