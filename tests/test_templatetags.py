from __future__ import annotations

import html
import json
import re

import pytest
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
