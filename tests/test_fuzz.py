"""Hostile input against every endpoint: never a 5xx, every API error a JSON body with a code.

Bounded: a fixed number of examples per endpoint, no shrinking deadline.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

NASTY_STRINGS = [
    "",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202eevil\u202c",
    "zero\u200bwidth\u200d",
    "مرحبا كيف أنشئ عميلا",
    "\ufeff\ufffe",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE help_helpquery; --",
    "{{ settings.SECRET_KEY }}",
    "%s%s%s%n",
    "../../etc/passwd",
    "x" * 1_000_000,
]
strings = st.one_of(st.sampled_from(NASTY_STRINGS), st.text(max_size=300))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | strings,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(strings, children, max_size=4)
    ),
    max_leaves=12,
)
fields = st.fixed_dictionaries(
    {},
    optional={
        "question": json_values,
        "path": json_values,
        "hints": json_values,
        "lang": st.one_of(st.sampled_from(["fr", "en", "de", "", "FR"]), json_values),
        "id": json_values,
        "helpful": json_values,
        "comment": json_values,
        "reason": json_values,
        "message": json_values,
        "email": json_values,
        "answer_id": json_values,
        "thread": json_values,
    },
)


# Well-formed bodies with hostile text, so the input gets past parsing into the pipeline.
plausible = st.fixed_dictionaries(
    {"question": strings},
    optional={
        "path": strings,
        "hints": strings,
        "lang": st.sampled_from(["fr", "en"]),
        "helpful": st.booleans(),
        "comment": strings,
        "id": strings,
        "reason": st.sampled_from(["wrong", "incomplete", "outdated", "other"]),
        "message": strings,
        "email": st.sampled_from(["a@example.com", "a@example.com\r\nBcc: b@example.com"]),
        "thread": st.lists(st.fixed_dictionaries({"question": strings, "answer": strings})),
    },
)


def encode(value: object) -> bytes:
    # Lone surrogates survive as JSON escapes, as a hostile client would send them.
    return json.dumps(value, ensure_ascii=True).encode()


bodies = st.one_of(
    plausible.map(encode),
    fields.map(encode),
    json_values.map(encode),
    st.binary(max_size=2000),
    st.integers(1, 3000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.just(b'{"question": "' + b"q" * 2_000_000 + b'"}'),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=latin-1",
        "text/plain",
        "",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=zz",
        "multipart/form-data",
    ]
)
headers = st.dictionaries(
    st.sampled_from(
        ["HTTP_X_CSRFTOKEN", "HTTP_AUTHORIZATION", "HTTP_ACCEPT_LANGUAGE", "HTTP_COOKIE"]
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=200),
    max_size=3,
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    settings.HELP = {**settings.HELP, "RATE_LIMIT": "1000000/m", "TICKET_RATE_LIMIT": "1000000/m"}


def assert_safe(response, api: bool = True) -> None:
    assert response.status_code < 500
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"Traceback" not in body
    assert django_settings.SECRET_KEY.encode() not in body
    if api and response.status_code >= 400:
        error = json.loads(body)["error"]
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["message"], str) and error["message"]


@pytest.mark.parametrize(
    "url", ["/help/ask", "/help/ask/stream", "/help/feedback", "/help/tickets"]
)
@pytest.mark.parametrize("enforce_csrf", [False, True])
@FUZZ
@given(body=bodies, content_type=content_types, extra=headers)
def test_post_endpoints_survive_any_body(url, enforce_csrf, body, content_type, extra):
    client = Client(enforce_csrf_checks=enforce_csrf)
    response = client.generic("POST", url, body, content_type=content_type, **extra)
    assert_safe(response)


@pytest.mark.parametrize(
    "url", ["/help/suggest", "/help/starters", "/help/health", "/help/metrics"]
)
@FUZZ
@given(params=st.dictionaries(st.sampled_from(["q", "lang", "path", "x"]), strings, max_size=3),
       extra=headers)  # fmt: skip
def test_get_endpoints_survive_any_query(url, params, extra):
    params = {key: value.encode("utf-8", "surrogatepass") for key, value in params.items()}
    assert_safe(Client().get(url, params, **extra))


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
@pytest.mark.parametrize(
    "url", ["/help/ask", "/help/ask/stream", "/help/feedback", "/help/tickets"]
)
def test_other_methods_get_a_json_405(url, method):
    response = Client().generic(method, url)
    assert response.status_code == 405
    if method != "HEAD":
        assert json.loads(response.content)["error"]["code"] == "method_not_allowed"


@FUZZ
@given(slug=strings)
def test_article_pages_survive_any_slug(slug):
    path = quote(slug.encode("utf-8", "surrogatepass"), safe="")
    response = Client().get(f"/help/articles/{path}/")
    assert_safe(response, api=False)


@FUZZ
@given(slug=strings, lang=strings)
def test_the_article_panel_survives_any_slug(slug, lang):
    path = quote(slug.encode("utf-8", "surrogatepass"), safe="")
    params = {"lang": lang.encode("utf-8", "surrogatepass")}
    response = Client().get(f"/help/articles/{path}/panel", params)
    # A slug the URL pattern refuses gets Django's own 404 page; the view's errors are JSON.
    assert_safe(response, api="json" in response["Content-Type"])
