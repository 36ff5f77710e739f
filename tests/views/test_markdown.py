from __future__ import annotations

from help.views.markdown import render_markdown


def test_markdown_structure_is_rendered():
    html = render_markdown("Intro\n\n1. **Ouvrez** la page\n2. Cliquez `Enregistrer`")
    assert "<ol>" in html
    assert "<strong>Ouvrez</strong>" in html
    assert "<code>Enregistrer</code>" in html


def test_raw_html_is_shown_as_text_not_markup():
    html = render_markdown('Voir <script>alert("x")</script> et <img src=x onerror=alert(1)>')
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_lose_their_href():
    html = render_markdown("[clic](javascript:alert(1)) [ok](/help/articles/faire-un-devis/)")
    assert "javascript:" not in html
    assert 'href="/help/articles/faire-un-devis/"' in html
