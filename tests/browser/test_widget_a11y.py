"""axe-core finds no serious or critical violation in any state of the widget, in French and
in English, and in dark mode."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser import states
from tests.browser.widget import Widget, log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_serious_axe_violation_in_any_state(
    live_server, ollama, redis_cache, settings, context, lang
):
    call_command("load_demo", stdout=StringIO())
    log_in(context, live_server.url, get_user_model().objects.get(username="demo"))
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    states.slow_tokens(settings)
    runs = [(name, drive, "light") for name, drive in states.STATES.items()]
    runs += [
        ("dark " + name, states.STATES[name], "dark") for name in ("empty", "degraded", "ticket")
    ]
    found = {}
    for name, drive, scheme in runs:
        redis_cache.flush()
        ollama.set_mode("ok")
        ollama.tokens_per_second = 0
        page = context.new_page()
        page.emulate_media(color_scheme=scheme)
        widget = Widget(page)
        page.goto(f"{live_server.url}/devis/")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        drive(widget, ollama, states.WORDS[lang])
        found[name] = widget.axe()
        if name == "streaming":
            expect(widget.last.locator(".feedback")).to_be_visible(timeout=20_000)
        page.close()
    assert found == {name: [] for name, _, _ in runs}
