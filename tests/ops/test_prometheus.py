from __future__ import annotations

import pytest
from django.test import Client

from help.shared_state import breaker, metrics

pytestmark = pytest.mark.django_db


def test_staff_reads_the_prometheus_exposition(client, django_user_model):
    metrics.record_answer("cache", 3.0, "", "similar")
    metrics.record_answer("model", 1500.0, "")
    metrics.record_answer("fallback", 5001.0, "unreachable")
    staff = django_user_model.objects.create_user("ops", password="x", is_staff=True)
    client.force_login(staff)
    response = client.get("/help/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    body = response.content.decode()
    assert 'help_answers_total{source="cache"} 1' in body
    assert 'help_cache_hits_total{level="similar"} 1' in body
    assert 'help_cache_hits_total{level="exact"} 0' in body
    assert 'help_model_errors_total{kind="unreachable"} 1' in body
    assert 'help_answer_seconds_bucket{source="model",le="2"} 1' in body
    assert 'help_answer_seconds_bucket{source="model",le="1"} 0' in body
    assert 'help_answer_seconds_count{source="fallback"} 1' in body
    assert 'help_answer_seconds_sum{source="model"} 1.5' in body
    assert 'help_breaker_state{model="phi3:mini",state="closed"} 1' in body
    assert "help_cache_up 1" in body


def test_the_metrics_token_opens_the_endpoint(settings):
    settings.HELP = {**settings.HELP, "METRICS_TOKEN": "s3cret-token"}
    response = Client().get("/help/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert b"help_answers_total" in response.content


@pytest.mark.parametrize(
    "authorization", ["", "Bearer wrong", "Basic s3cret-token", "Bearer s3cret-token-x", "Bearer é"]
)
def test_metrics_are_forbidden_without_staff_or_the_token(settings, authorization):
    settings.HELP = {**settings.HELP, "METRICS_TOKEN": "s3cret-token"}
    response = Client().get("/help/metrics", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_an_unset_token_never_matches(settings):
    settings.HELP = {**settings.HELP, "METRICS_TOKEN": ""}
    assert Client().get("/help/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_non_staff_user_is_forbidden(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("vigneron", password="x"))
    assert client.get("/help/metrics").status_code == 403


def test_each_model_of_the_chain_has_its_answers_and_breaker(client, django_user_model, settings):
    settings.HELP = {
        **settings.HELP,
        "OLLAMA_MODELS": ["phi3:mini", 'odd"name'],
        "BREAKER_FAILURES": 1,
    }
    metrics.record_answer("model", 900.0, "", model='odd"name')
    metrics.record_answer("cache", 2.0, "", "exact", model="phi3:mini")  # not written now
    breaker.record_failure('odd"name')
    client.force_login(django_user_model.objects.create_user("ops", password="x", is_staff=True))
    body = client.get("/help/metrics").content.decode()
    assert 'help_model_answers_total{model="phi3:mini"} 0' in body
    assert 'help_model_answers_total{model="odd\\"name"} 1' in body
    assert 'help_breaker_state{model="odd\\"name",state="open"} 1' in body
    assert 'help_breaker_state{model="phi3:mini",state="closed"} 1' in body
