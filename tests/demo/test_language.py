"""The demo in English: the header's FR / EN switcher posts to Django's set_language, whose
cookie then puts every page, the help widget and the help articles in English; French stays
the default and comes back word for word."""

from __future__ import annotations

import ast
import gettext
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse
from pytest_django.asserts import assertContains, assertInHTML, assertNotContains

from help.models import HelpArticle
from monchai.models import Client, Cuvee, Quote

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES"


class Switcher(HTMLParser):
    """The language switcher's form, as a browser would submit it."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.form: dict[str, str] | None = None
        self.inputs: dict[str, str] = {}
        self.buttons: list[dict[str, str | None]] = []
        self.group_label: str | None = None
        self._inside = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and "language-switch" in (attributes.get("class") or ""):
            self.form = {key: value or "" for key, value in attributes.items()}
            self._inside = True
        elif self._inside and tag == "input":
            self.inputs[attributes["name"] or ""] = attributes.get("value") or ""
        elif self._inside and tag == "div" and attributes.get("role") == "group":
            self.group_label = attributes.get("aria-label")
        elif self._inside and tag == "button":
            self.buttons.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def switch_to(client: HttpClient, page_html: str, language: str):
    """Press the switcher's ``language`` button on a rendered page, following the redirect."""
    switcher = Switcher(page_html)
    assert switcher.form is not None, "no language switcher on the page"
    data = {**switcher.inputs, "language": language}
    return client.post(switcher.form["action"], data, follow=True)


class WidgetTag(HTMLParser):
    """The help widget's script tag: its language and labels, from its data attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.attributes: dict[str, str | None] = {}
        self.feed(html)
        self.lang = self.attributes["data-lang"]
        self.labels: dict[str, str] = json.loads(self.attributes["data-labels"] or "{}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and "data-help-widget" in dict(attrs):
            self.attributes = dict(attrs)


def without_tokens(html: str) -> str:
    """The page with its per-response CSRF token masks blanked out."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)


@pytest.fixture
def pages(customer: Client, cuvee: Cuvee, make_quote: Callable[..., Quote]) -> list[str]:
    quote = make_quote()
    return [
        reverse("dashboard"),
        reverse("clients:list"),
        reverse("clients:detail", args=[customer.pk]),
        reverse("clients:create"),
        reverse("quotes:list"),
        reverse("quotes:detail", args=[quote.pk]),
        reverse("quotes:update", args=[quote.pk]),
        reverse("stock:list"),
        reverse("stock:cuvee_detail", args=[cuvee.pk]),
        reverse("stock:cuvee_update", args=[cuvee.pk]),
        reverse("stock:movements"),
        reverse("stock:movement_create"),
    ]


def test_switcher_is_a_labelled_post_form_to_set_language_back_to_this_page(
    logged_in: HttpClient,
) -> None:
    content = logged_in.get(f"{reverse('clients:list')}?q=reims").content.decode()

    switcher = Switcher(content)
    assert switcher.form == {
        "class": "language-switch",
        "method": "post",
        "action": reverse("set_language"),
    }
    assert switcher.inputs["csrfmiddlewaretoken"]
    assert switcher.inputs["next"] == f"{reverse('clients:list')}?q=reims"
    assert switcher.group_label == "Langue"
    assert [(b["type"], b["name"], b["value"], b["lang"]) for b in switcher.buttons] == [
        ("submit", "language", "fr", "fr"),
        ("submit", "language", "en", "en"),
    ]
    assert [b.get("aria-current") for b in switcher.buttons] == ["true", None]
    assertInHTML(
        '<button type="submit" class="language-switch__option" name="language" value="en" '
        'lang="en">EN<span class="visually-hidden"> English</span></button>',
        content,
    )


def test_pages_are_french_by_default(logged_in: HttpClient) -> None:
    response = logged_in.get(reverse("quotes:list"))

    assertContains(response, '<html lang="fr">')
    assertContains(response, "Nouveau devis")
    assert WidgetTag(response.content.decode()).lang == "fr"


def test_switching_to_english_shows_the_next_page_in_english(logged_in: HttpClient) -> None:
    french = logged_in.get(reverse("quotes:list"))

    response = switch_to(logged_in, french.content.decode(), "en")

    assert response.redirect_chain == [(reverse("quotes:list"), 302)]
    assertContains(response, '<html lang="en">')
    assertContains(response, "New quote")
    assertNotContains(response, "Nouveau devis")
    assertContains(response, 'aria-current="page">Quotes</a>')
    widget = WidgetTag(response.content.decode())
    assert (widget.lang, widget.labels["launcher"], widget.labels["title"]) == (
        "en",
        "Help",
        "Help assistant",
    )
    assert Switcher(response.content.decode()).buttons[1].get("aria-current") == "true"


def test_english_persists_across_pages(logged_in: HttpClient, pages: list[str]) -> None:
    switch_to(logged_in, logged_in.get(reverse("dashboard")).content.decode(), "en")
    english_and_french = {
        reverse("dashboard"): ("Latest quotes", "Derniers devis"),
        reverse("clients:list"): ("Search for a client", "Rechercher un client"),
        reverse("stock:list"): ("Bottles in stock", "Bouteilles en stock"),
        reverse("stock:movement_create"): ("An entry adds bottles", "Une entrée ajoute"),
    }

    for url in pages:
        response = logged_in.get(url)
        assertContains(response, '<html lang="en">')
        assertContains(response, "Skip to content")
        assertNotContains(response, "Aller au contenu")
        if url in english_and_french:
            english, french = english_and_french[url]
            assertContains(response, english)
            assertNotContains(response, french)


def test_models_forms_and_messages_speak_english(logged_in: HttpClient, cuvee: Cuvee) -> None:
    home = logged_in.get(reverse("dashboard")).content.decode()
    switch_to(logged_in, home, "en")

    form = logged_in.get(reverse("stock:movement_create"))
    created = logged_in.post(
        reverse("stock:movement_create"),
        {"cuvee": cuvee.pk, "kind": "in", "quantity": 1, "reason": "Bottling"},
        follow=True,
    )

    assertContains(form, "For example: bottling, cellar-door sale, breakage.")
    assertContains(form, "Entry</label>")
    assertContains(form, "Exit</label>")
    assertContains(created, "Entry of 1 bottle recorded. Stock of Les Coteaux 2022: 101 bottles.")


def test_switching_back_to_french_restores_the_french_pages_exactly(
    logged_in: HttpClient, pages: list[str]
) -> None:
    before = {url: without_tokens(logged_in.get(url).content.decode()) for url in pages}

    english = switch_to(logged_in, logged_in.get(pages[0]).content.decode(), "en")
    french = switch_to(logged_in, english.content.decode(), "fr")

    assertContains(french, '<html lang="fr">')
    after = {url: without_tokens(logged_in.get(url).content.decode()) for url in pages}
    assert after == before


def test_login_page_has_the_switcher_and_speaks_english(db: None) -> None:
    client = HttpClient(enforce_csrf_checks=True)  # the switcher's own token must do
    login = f"{reverse('login')}?next=%2Fdevis%2F"
    page = client.get(login).content.decode()
    assert Switcher(page).inputs["next"] == login

    response = switch_to(client, page, "en")

    assert response.redirect_chain == [(login, 302)]
    assertContains(response, '<html lang="en">')
    assertContains(response, "Log in to manage your clients, your quotes and your stock.")
    assertNotContains(response, "Se connecter")
    fields = response.context["form"].fields
    assert (fields["username"].label, fields["password"].label) == ("Username", "Password")


def test_help_articles_follow_the_chosen_language(logged_in: HttpClient) -> None:
    for language, title in (("fr", "Créer un client"), ("en", "Create a client")):
        HelpArticle.objects.create(
            title=title, slug="creer-un-client", language=language, body=title
        )
    url = reverse("help:article", args=["creer-un-client"])
    french = logged_in.get(f"{url}?lang=fr")  # as the widget's source links have it

    article = switch_to(logged_in, french.content.decode(), "en")
    index = logged_in.get(reverse("help:article_index"))

    assertContains(french, "Créer un client")
    assert article.redirect_chain == [(url, 302)]  # the choice outranks ?lang=
    for response in (index, article):
        assertContains(response, '<html lang="en">')
        assertContains(response, "Create a client")
        assertNotContains(response, "Créer un client")


def po_entries(path: Path) -> list[dict[str, str]]:
    """The .po file's entries (header left out) as {"msgctxt", "msgid", "msgstr[0]", ...}."""
    entries, entry, field = [], {}, ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if match := re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line):
            field, entry[match[1]] = match[1], ast.literal_eval(match[2])
        elif line.startswith('"') and field:
            entry[field] += ast.literal_eval(line)
        elif line.startswith("#,"):
            entry["flags"] = line
        elif not line.strip() and entry:
            entries.append(entry)
            entry, field = {}, ""
    return [e for e in entries if e.get("msgid")]


def test_french_catalog_is_complete_and_compiled() -> None:
    """Every msgid has its French text (a missing one would show English on a French page),
    and the committed .mo matches the .po, since a fresh machine may have no gettext."""
    entries = po_entries(CATALOG / "django.po")
    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog  # type: ignore[attr-defined]

    assert len(entries) > 100
    for entry in entries:
        assert "fuzzy" not in entry.get("flags", ""), entry
        key = f"{entry['msgctxt']}\x04{entry['msgid']}" if "msgctxt" in entry else entry["msgid"]
        if "msgid_plural" in entry:
            forms = [entry["msgstr[0]"], entry["msgstr[1]"]]
            assert all(forms), entry
            assert [compiled[(key, n)] for n in range(2)] == forms
        else:
            assert entry["msgstr"], entry
            assert compiled[key] == entry["msgstr"]
