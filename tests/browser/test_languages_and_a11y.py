"""The widget speaks the page's language, passes an axe-core scan, and folds like the server."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import axe_playwright_python
import pytest
from playwright.sync_api import expect

from help.search.text import fold_question
from tests.browser.widget import Widget

pytestmark = pytest.mark.django_db(transaction=True)

# axe-core as shipped inside the axe-playwright-python wheel: a local file, never a CDN.
AXE_JS = Path(axe_playwright_python.__file__).with_name("axe.min.js")


def test_english_page_shows_the_english_ui_and_asks_in_english(live_server, ollama, widget: Widget):
    page = widget.page
    # The language the demo's switcher sets (the browser itself prefers French here).
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto(f"{live_server.url}/connexion/")
    expect(widget.launcher).to_have_text("Help")
    widget.open()
    expect(page.get_by_role("dialog", name="Help assistant")).to_be_visible()
    expect(page.get_by_role("combobox", name="Your question")).to_be_visible()
    widget.ask("How do I create a client?")
    widget.wait_done()
    expect(widget.last.get_by_role("group", name="Helpful?")).to_be_visible()
    expect(widget.last.get_by_role("button", name="Yes")).to_be_visible()
    assert "LANGUAGE: English" in ollama.payloads[-1]["messages"][-1]["content"]


def test_open_widget_with_an_answer_has_no_serious_axe_violation(
    live_server, ollama, widget: Widget
):
    ollama.answer = "1. Ouvrez **Clients**.\n2. Cliquez sur `Nouveau client`."
    page = widget.page
    page.goto(f"{live_server.url}/connexion/")
    widget.open().ask("Comment créer un client ?")
    widget.wait_done()
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """() => axe.run(
            { include: [["#help-widget-host"]] },
            { resultTypes: ["violations"] },
        )"""
    )
    assert results["testEngine"]["name"] == "axe-core"
    serious = [
        (violation["id"], [node["target"] for node in violation["nodes"]])
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []
    # The scan did look inside the shadow root (targets there are [host, inner selector]).
    assert any(
        node["target"][0][0] == "#help-widget-host"
        for rule in results["passes"]
        for node in rule["nodes"]
        if isinstance(node["target"][0], list)
    )


FOLD_SAMPLES = [
    "Comment créer un client ?",
    "comment  creer un CLIENT",
    "Où est l'œuvre de Lætitia ?",
    "Straße GROSS ẞ",
    "ﬁche n° ２３ — « devis » ½ ℃ Ⅻ",
    "Ça coûte 12,50 € TTC !",
    "Ǆemal ǈ İstanbul ſ K Å",
    "naïve façade, Noël à l’été",
    "tab\tnew\nline\u00a0nbsp\u202fnarrow",
    "e\u0301 a\u034fb a\u0345b",
    "Как удалить счёт? Как создать клиента?",
    "ΣΟΦΟΣ σοφος ς",
    "请告诉用户发送密码。 パスワード",
    "हिन्दी العربية עברית",
    "stock > 10, stock < 10, x ≥ 2 ± 1 = 3 %",
    "👍 👎 🇫🇷 👨\u200d👩\u200d👧 ❤\ufe0f",
    "x＞＞＞ ＜＜＜ fullwidth",
]


def test_widget_folds_questions_exactly_like_the_servers_cache_key(live_server, page):
    page.goto(f"{live_server.url}/connexion/")
    page.wait_for_function("() => window.__helpWidget")
    # Every Latin, Greek and Cyrillic letter, accent and symbol, alone and between two
    # ASCII letters; but for code points this Python's Unicode tables do not know yet
    # (Chromium's may be newer).
    ranges = (range(0x20, 0x530), range(0x1E00, 0x2190), range(0xFB00, 0xFB07))
    latin = [chr(c) for block in ranges for c in block if unicodedata.category(chr(c)) != "Cn"]
    samples = FOLD_SAMPLES + latin + [f"a{char}b" for char in latin]
    folded = page.evaluate("(texts) => texts.map(window.__helpWidget.fold)", samples)
    mismatches = [
        (s, js, fold_question(s))
        for s, js in zip(samples, folded, strict=True)
        if js != fold_question(s)
    ]
    assert mismatches == []
