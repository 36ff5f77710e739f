from __future__ import annotations

import time

import pytest
from django.test import Client, RequestFactory

from help.conf import parse_rate
from help.shared_state.rate_limits import retry_after
from help.views.decorators import api_view

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("rate", "expected"), [("30/m", (30, 60)), ("5/s", (5, 1)), ("10/5m", (10, 300))]
)
def test_rates_are_parsed(rate, expected):
    assert parse_rate(rate) == expected


def ask(client: Client, ip: str):
    return client.post(
        "/help/feedback", {"id": "x", "helpful": True}, content_type="application/json",
        REMOTE_ADDR=ip,
    )  # fmt: skip


def test_limit_answers_429_then_serves_others_then_lets_the_first_back(settings):
    settings.HELP = {**settings.HELP, "RATE_LIMIT": "3/2s"}
    client = Client()
    # Start at the beginning of a window so the burst cannot straddle two windows.
    time.sleep(2 - time.time() % 2)
    assert [ask(client, "10.0.0.1").status_code for _ in range(3)] == [400, 400, 400]
    limited = ask(client, "10.0.0.1")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 2
    assert ask(client, "10.0.0.2").status_code == 400  # another IP is served meanwhile
    time.sleep(int(limited["Retry-After"]) + 0.05)
    assert ask(client, "10.0.0.1").status_code == 400


def test_authenticated_users_are_counted_per_user_not_per_ip(settings, django_user_model):
    settings.HELP = {**settings.HELP, "RATE_LIMIT": "1/h"}
    first, second = Client(), Client()
    first.force_login(django_user_model.objects.create_user("a", password="x"))
    second.force_login(django_user_model.objects.create_user("b", password="x"))
    assert ask(first, "10.0.0.1").status_code == 400
    assert ask(first, "10.0.0.1").status_code == 429
    assert ask(second, "10.0.0.1").status_code == 400


def suggest(client: Client, ip: str):
    return client.get("/help/suggest", {"q": "client"}, REMOTE_ADDR=ip)


def test_suggestions_have_their_own_limit(settings):
    settings.HELP = {**settings.HELP, "RATE_LIMIT": "1/h", "SUGGEST_RATE_LIMIT": "3/h"}
    client = Client()
    assert [suggest(client, "10.0.0.1").status_code for _ in range(3)] == [200, 200, 200]
    limited = suggest(client, "10.0.0.1")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 3600
    assert suggest(client, "10.0.0.2").status_code == 200  # another IP is served meanwhile


def test_suggesting_and_asking_do_not_spend_each_others_budget(settings):
    settings.HELP = {**settings.HELP, "RATE_LIMIT": "2/h", "SUGGEST_RATE_LIMIT": "2/h"}
    client = Client()
    # Suggestions spent first: asking still has its whole budget.
    assert [suggest(client, "10.0.0.1").status_code for _ in range(3)] == [200, 200, 429]
    assert [ask(client, "10.0.0.1").status_code for _ in range(3)] == [400, 400, 429]
    # Questions spent first: suggesting still has its whole budget.
    assert [ask(client, "10.0.0.2").status_code for _ in range(3)] == [400, 400, 429]
    assert [suggest(client, "10.0.0.2").status_code for _ in range(3)] == [200, 200, 429]


def test_each_setting_counts_apart(settings):
    settings.HELP = {**settings.HELP, "RATE_LIMIT": "1/m", "SUGGEST_RATE_LIMIT": "1/m"}
    request = RequestFactory().get("/help/suggest", REMOTE_ADDR="10.0.0.3")
    request.user = None
    now = 600.0  # the start of a window
    assert retry_after(request, now, setting="SUGGEST_RATE_LIMIT") is None
    assert retry_after(request, now) is None  # RATE_LIMIT: its own first request
    assert retry_after(request, now + 20, setting="SUGGEST_RATE_LIMIT") == 40
    assert retry_after(request, now + 20, setting="RATE_LIMIT") == 40


def test_a_view_naming_an_unknown_rate_setting_fails_when_decorated():
    with pytest.raises(ValueError, match="SUGGEST_RATE"):
        api_view(("GET",), rate="SUGGEST_RATE")


def test_nobody_is_limited_while_the_cache_is_down(settings, redis_cache):
    settings.HELP = {**settings.HELP, "RATE_LIMIT": "1/h"}
    redis_cache.stop()
    request = RequestFactory().post("/help/ask", REMOTE_ADDR="10.0.0.9")
    request.user = None
    assert [retry_after(request) for _ in range(3)] == [None, None, None]
