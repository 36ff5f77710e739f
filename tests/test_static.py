from __future__ import annotations

import gzip
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "help" / "static" / "help"
BUDGET_BYTES = 14 * 1024


def test_widget_script_and_styles_fit_in_14_kb_gzipped():
    size = sum(
        len(gzip.compress((STATIC / name).read_bytes(), compresslevel=9))
        for name in ("widget.js", "widget.css")
    )
    assert size <= BUDGET_BYTES, f"{size} bytes gzipped"


def test_widget_never_parses_text_as_html():
    code = [
        line
        for line in (STATIC / "widget.js").read_text().splitlines()
        if not line.strip().startswith("//")
    ]
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert not [line for line in code if sink in line], sink
    # One exception: an article's sanitised HTML, parsed into an inert document whose nodes
    # are rebuilt from known tags only (tests/browser/test_panel_articles.py tries it).
    parsed = [line.strip() for line in code if "parseFromString" in line]
    assert parsed == ['const body = new DOMParser().parseFromString(data.html, "text/html").body;']
