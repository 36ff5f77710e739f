from __future__ import annotations

import html
import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.utils import translation

from help.search.version import articles_version
from monchai.models import Client, Cuvee, Quote

pytestmark = pytest.mark.django_db

TAG = Template("{% load help_widget %}{% help_widget %}")


def render(request) -> str:
    return TAG.render(Context({"request": request}))


def test_tag_emits_a_deferred_script_with_its_configuration(settings):
    settings.HELP = {**settings.HELP, "WIDGET_POSITION": "bottom-left", "DEADLINE": 2.5}
    html = render(RequestFactory().get("/"))
    assert '<script src="/static/help/widget.js" defer' in html
    assert 'data-position="bottom-left"' in html
    assert 'data-deadline-ms="2500"' in html
    assert f'data-articles-version="{articles_version()}"' in html
    assert "nonce=" not in html


def test_tag_passes_the_csp_nonce_through():
    request = RequestFactory().get("/")
    request.csp_nonce = "abc123"
    assert 'nonce="abc123"' in render(request)


def test_tag_passes_the_api_urls_and_limits(settings):
    settings.HELP = {**settings.HELP, "TIMEOUT": 12, "MAX_HINTS_CHARS": 300}
    html_ = render(RequestFactory().get("/"))
    assert 'data-stream-url="/help/ask/stream"' in html_
    assert 'data-suggest-url="/help/suggest"' in html_
    assert 'data-feedback-url="/help/feedback"' in html_
    assert 'data-articles-url="/help/articles/"' in html_
    assert 'data-timeout-ms="12000"' in html_
    assert 'data-max-hints-chars="300"' in html_
    assert 'data-csrf-cookie="csrftoken"' in html_


def test_tag_passes_the_conversation_urls_and_the_support_page(settings):
    html_ = render(RequestFactory().get("/"))
    assert 'data-starters-url="/help/starters"' in html_
    assert 'data-tickets-url="/help/tickets"' in html_
    assert 'data-support-url=""' in html_
    settings.HELP = {**settings.HELP, "SUPPORT_URL": "https://aide.example/contact?from=widget&x=1"}
    assert 'data-support-url="https://aide.example/contact?from=widget&amp;x=1"' in render(
        RequestFactory().get("/")
    )


def test_tag_says_whether_the_page_is_a_visitors(django_user_model):
    request = RequestFactory().get("/")
    assert 'data-visitor="1"' in render(request)  # no authentication at all: a visitor
    request.user = AnonymousUser()
    assert 'data-visitor="1"' in render(request)
    request.user = django_user_model.objects.create_user("alice", password="pw-alice-123")
    assert "data-visitor" not in render(request)


def labels_in(rendered: str) -> dict[str, str]:
    match = re.search(r'data-labels="([^"]*)"', rendered)
    assert match, "data-labels is missing or its JSON is not escaped"
    return json.loads(html.unescape(match.group(1)))


@pytest.mark.parametrize(
    ("language", "launcher", "helpful", "lang_attribute"),
    [("fr", "Aide", "Utile\u00a0?", "fr"), ("en", "Help", "Helpful?", "en")],
)
def test_tag_passes_the_ui_strings_in_the_page_language(
    language, launcher, helpful, lang_attribute
):
    with translation.override(language):
        rendered = render(RequestFactory().get("/"))
    labels = labels_in(rendered)
    assert labels["launcher"] == launcher
    assert labels["helpful"] == helpful
    assert f'data-lang="{lang_attribute}"' in rendered
    assert "%(seconds)s" in labels["rateLimited"]
    assert "%(keys)s" in labels["shortcut"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "fr",
            {
                "newChat": "Nouvelle conversation",
                "expand": "Agrandir",
                "shrink": "Réduire",
                "upgraded": "Réponse améliorée",
                "why": "Pourquoi\u00a0?",
                "wrong": "Réponse fausse",
                "incomplete": "Incomplète",
                "outdated": "Plus à jour",
                "other": "Autre",
                "support": "Contacter le support",
                "back": "Retour",
                "shortcut": "Raccourci\u00a0: %(keys)s",
            },
        ),
        (
            "en",
            {
                "newChat": "New conversation",
                "expand": "Expand",
                "shrink": "Reduce",
                "upgraded": "Improved answer",
                "why": "Why?",
                "wrong": "Wrong answer",
                "incomplete": "Incomplete",
                "outdated": "Out of date",
                "other": "Other",
                "support": "Contact support",
                "back": "Back",
                "shortcut": "Shortcut: %(keys)s",
            },
        ),
    ],
)
def test_conversation_and_support_labels_are_translated(language, expected):
    with translation.override(language):
        labels = labels_in(render(RequestFactory().get("/")))
    assert {key: labels[key] for key in expected} == expected
    # Every label the widget has is translated: none is left in English on a French page.
    if language == "fr":
        with translation.override("en"):
            english = labels_in(render(RequestFactory().get("/")))
        assert [key for key in labels if labels[key] == english[key]] == []


def test_tag_makes_sure_the_csrf_cookie_is_set():
    request = RequestFactory().get("/")
    render(request)
    assert request.META.get("CSRF_COOKIE_NEEDS_UPDATE") is True


def test_tag_without_the_request_says_what_to_configure():
    with pytest.raises(TemplateSyntaxError, match="context_processors.request"):
        TAG.render(Context({}))


def test_widget_is_on_every_demo_page(client, django_user_model):
    response = client.get("/connexion/")
    assert response.content.count(b"data-help-widget") == 1
    assert "csrftoken" in response.cookies

    call_command("load_demo", stdout=None)
    client.force_login(django_user_model.objects.get(username="demo"))
    customer, cuvee, quote = Client.objects.first(), Cuvee.objects.first(), Quote.objects.first()
    pages = [
        "/",
        "/clients/",
        "/clients/nouveau/",
        f"/clients/{customer.pk}/",
        f"/clients/{customer.pk}/modifier/",
        "/devis/",
        "/devis/nouveau/",
        f"/devis/{quote.pk}/",
        "/stock/",
        "/stock/cuvees/nouvelle/",
        f"/stock/cuvees/{cuvee.pk}/",
        f"/stock/cuvees/{cuvee.pk}/modifier/",
        "/stock/mouvements/",
        "/stock/mouvements/nouveau/",
        "/help/articles/",
        "/help/articles/creer-un-client/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert response.content.count(b"data-help-widget") == 1, page


def scope_in(rendered: str) -> str:
    match = re.search(r'data-scope="([^"]*)"', rendered)
    assert match, "data-scope is missing"
    return match.group(1)


def test_cache_scope_changes_with_the_user_and_on_login_and_logout(client, django_user_model):
    alice = django_user_model.objects.create_user("alice", password="pw-alice-123")
    bob = django_user_model.objects.create_user("bob", password="pw-bob-123")
    visitor = scope_in(client.get("/connexion/").content.decode())

    client.force_login(alice)
    alices = scope_in(client.get("/").content.decode())
    assert scope_in(client.get("/clients/").content.decode()) == alices  # one session
    client.logout()
    after_logout = scope_in(client.get("/connexion/").content.decode())
    client.force_login(bob)
    bobs = scope_in(client.get("/").content.decode())
    client.logout()
    client.force_login(alice)
    alices_next_session = scope_in(client.get("/").content.decode())

    scopes = [alices, after_logout, bobs, alices_next_session]
    assert len(set(scopes)) == len(scopes), scopes
    assert visitor not in {alices, bobs, alices_next_session}


def test_cache_scope_is_a_short_keyed_hash_that_names_no_one(settings, django_user_model):
    user = django_user_model.objects.create_user("alice", password="pw-alice-123")

    def scope(user, session_key: str | None) -> str:
        request = RequestFactory().get("/")
        request.user = user
        request.session = SessionStore(session_key)
        return scope_in(render(request))

    logged_in = scope(user, "k" * 32)
    assert re.fullmatch(r"[0-9a-f]{16}", logged_in)
    assert scope(user, "k" * 32) == logged_in
    # Two visitors' sessions, and a visitor on the same session key, are each their own.
    assert len({logged_in, scope(AnonymousUser(), "k" * 32), scope(AnonymousUser(), "v" * 32)}) == 3
    # Keyed with the site's secret: nobody can work it out from a user id and a guess.
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"
    assert scope(user, "k" * 32) != logged_in


def test_tag_without_a_session_still_gives_a_scope():
    assert re.fullmatch(r"[0-9a-f]{16}", scope_in(render(RequestFactory().get("/"))))
