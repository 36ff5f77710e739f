from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from help.admin.chart import build_chart, nice_ceiling
from help.answering.answer_cache import get_answer
from help.answering.pipeline import Question, Run
from help.models import HelpFeedback, HelpQuery
from help.ollama.client import get_client
from help.shared_state import metrics
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db

URL = "/admin/help/helpdashboard/"
QUESTION = Question("Comment créer un client ?", "fr", "/clients/")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def figure(html: str, name: str) -> str:
    match = re.search(rf'id="help-{name}">([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1).strip()


def act(client: Client, action: str) -> list[tuple[int, str]]:
    response = client.post(URL + "?window=1h", {"action": action}, follow=True)
    assert response.redirect_chain == [(URL + "?window=1h", 302)]
    return [(message.level, str(message)) for message in response.context["messages"]]


def query(question: str, **fields) -> HelpQuery:
    defaults = {"source": "model", "lang": "fr", "top_score": 0.5}
    return HelpQuery.objects.create(question=question, **{**defaults, **fields})


# -- figures -------------------------------------------------------------------------------


def test_dashboard_shows_the_pipelines_answers(admin_client, ollama):
    make_articles()
    assert Run.start(QUESTION, stream=False).result()["source"] == "model"
    assert Run.start(QUESTION, stream=False).result()["source"] == "cache"
    html = admin_client.get(URL).content.decode()
    assert figure(html, "requests") == "2"
    assert figure(html, "hit-rate") == "50 %"
    assert figure(html, "fallback-rate") == "0 %"
    assert figure(html, "ollama-state") == "up"
    assert figure(html, "breaker") == "closed"


def test_dashboard_shows_rates_latencies_and_errors_of_the_window(admin_client):
    for _ in range(3):
        metrics.record_answer("cache", 3.0, "")
    metrics.record_answer("model", 900.0, "")
    metrics.record_answer("fallback", 5200.0, "timeout")
    html = admin_client.get(URL).content.decode()
    assert figure(html, "requests") == "5"
    assert figure(html, "hit-rate") == "60 %"
    assert figure(html, "fallback-rate") == "20 %"
    latency = html[html.index('id="help-latency"') :]
    assert re.search(r"cache</th>\s*<td[^>]*>3</td>\s*<td[^>]*>5 ms</td>", latency)
    assert re.search(r"model</th>\s*<td[^>]*>1</td>\s*<td[^>]*>1 s</td>", latency)
    errors = html[html.index('id="help-errors"') :]
    assert re.search(r"<code>timeout</code></th><td[^>]*>1</td>", errors)


def test_window_selector_changes_the_window(admin_client):
    metrics.record_answer("model", 800.0, "")
    metrics.record_answer("model", 800.0, "", now=time.time() - 3 * 3600)
    metrics.record_answer("model", 800.0, "", now=time.time() - 3 * 24 * 3600)
    counts = {
        window: figure(admin_client.get(URL, {"window": window}).content.decode(), "requests")
        for window in ("1h", "24h", "7d")
    }
    assert counts == {"1h": "1", "24h": "2", "7d": "3"}
    html = admin_client.get(URL, {"window": "1h"}).content.decode()
    assert '<a href="?window=1h" aria-current="page">' in html


def test_unknown_window_falls_back_to_24_hours(admin_client):
    html = admin_client.get(URL, {"window": "1y"}).content.decode()
    assert '<a href="?window=24h" aria-current="page">' in html


def test_coverage_gaps_are_frequent_questions_without_a_good_article(admin_client):
    for _ in range(3):
        query("Comment exporter en PDF ?", top_score=0.05, path="/devis/")
    query("Comment exporter en PDF ?", source="cache", top_score=0.0)
    query("Comment créer un client ?", top_score=0.9)
    query("Question ancienne", top_score=0.0, created_at=timezone.now() - timedelta(days=2))
    query("Seulement en cache", source="cache", top_score=0.0)
    html = admin_client.get(URL).content.decode()
    gaps = html[html.index('id="help-gaps"') : html.index('id="help-unhelpful"')]
    assert re.search(r"Comment exporter en PDF \?</a></td>.*?<td[^>]*>4</td>", gaps, re.S)
    assert "<code>/devis/</code>" in gaps
    for absent in ("Comment créer un client", "Question ancienne", "Seulement en cache"):
        assert absent not in gaps


def test_unhelpful_answers_are_listed_with_question_and_answer(admin_client):
    bad = query("Où sont mes factures ?", answer="Dans le menu Stock.")
    good = query("Comment créer un client ?", answer="Ouvrez Clients.")
    HelpFeedback.objects.create(query=bad, helpful=False, comment="Faux : c'est Devis.")
    HelpFeedback.objects.create(query=good, helpful=True)
    html = admin_client.get(URL).content.decode()
    unhelpful = html[html.index('id="help-unhelpful"') :]
    assert "Où sont mes factures ?" in unhelpful
    assert "Dans le menu Stock." in unhelpful
    assert "Faux : c&#x27;est Devis." in unhelpful
    assert "Ouvrez Clients." not in unhelpful
    assert "1 of 2 answers rated in this window were marked unhelpful." in unhelpful


def test_dashboard_shows_ollamas_loaded_models_and_their_expiry(admin_client, ollama):
    get_client().load(timeout=5)
    html = admin_client.get(URL).content.decode()
    section = html[html.index('id="help-ollama"') : html.index('id="help-actions"')]
    assert '<strong class="help-good">loaded</strong>' in section
    assert re.search(r"<td><code>phi3:mini</code></td>.*?\(in \d+", section, re.S)


def test_chart_draws_requests_and_p95_without_localised_numbers(admin_client, settings):
    settings.LANGUAGE_CODE = "fr"  # French writes 12,5: never inside SVG attributes
    now = time.time()
    for minutes_ago in (0, 1, 2, 30):
        metrics.record_answer("model", 900.0, "", now=now - minutes_ago * 60)
    html = admin_client.get(URL, {"window": "1h"}).content.decode()
    svg = html[html.index('<svg class="help-chart"') :]
    svg = svg[: svg.index("</svg>")]
    assert svg.count("<rect") == 4
    assert svg.count("<polyline") == 1  # the three adjacent minutes
    assert svg.count("<circle") == 1  # the lone one
    assert not re.search(r' (?:x|y|cx|cy|width|height)="[^"]*,', svg)


def test_chart_scale_rounds_up_to_a_readable_number():
    assert [nice_ceiling(value) for value in (0, 3, 7, 11, 140, 2000)] == [2, 5, 10, 20, 200, 2000]


def test_chart_of_an_empty_window_has_no_bars():
    chart = build_chart([(60 * index, metrics.Window()) for index in range(60)])
    assert chart.bars == chart.lines == chart.dots == []


# -- access --------------------------------------------------------------------------------


def test_dashboard_is_listed_on_the_admin_index(admin_client):
    assert f'href="{URL}"' in admin_client.get("/admin/").content.decode()


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_logged_in_non_staff_users_are_sent_to_the_admin_login(client):
    client.force_login(User.objects.create_user("vigneron", password="x"))
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.post(URL, {"action": "clear_cache"}).status_code == 302


def test_staff_needs_the_dashboard_view_permission(client):
    user = User.objects.create_user("equipe", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_helpdashboard"))
    assert client.get(URL).status_code == 200


def test_actions_need_the_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(URL, {"action": "clear_cache"}).status_code == 403


# -- services down -------------------------------------------------------------------------


def test_dashboard_renders_with_ollama_down(admin_client):
    html = admin_client.get(URL).content.decode()
    assert figure(html, "ollama-state") == "down"
    assert "Ollama is unavailable (unreachable)" in html


def test_dashboard_renders_with_redis_stopped(admin_client, redis_cache):
    query("Où sont mes factures ?", top_score=0.0)
    redis_cache.stop()
    response = admin_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert figure(html, "cache-state") == "down"
    assert figure(html, "requests") == "–"
    assert "Metrics unavailable" in html
    assert "Où sont mes factures ?" in html  # the lists come from the database


# -- actions -------------------------------------------------------------------------------


def test_clear_cache_forgets_cached_answers(admin_client, ollama):
    make_articles()
    run = Run.start(QUESTION, stream=False)
    run.result()
    assert get_answer(run.key) is not None
    assert act(admin_client, "clear_cache") == [(messages.SUCCESS, "Cleared 1 cached answer.")]
    assert get_answer(run.key) is None


def test_clear_cache_with_redis_stopped_is_an_error_message(admin_client, redis_cache):
    redis_cache.stop()
    assert act(admin_client, "clear_cache") == [
        (messages.ERROR, "The cache is unavailable; nothing was cleared.")
    ]


def test_warm_model_loads_it_in_ollama(admin_client, ollama):
    [(level, text)] = act(admin_client, "warm_model")
    assert level == messages.SUCCESS
    assert re.match(r"phi3:mini loaded in \d+\.\d s; it stays loaded until ", text)
    assert ollama.counters.loads == 1
    assert ollama.loaded.is_loaded("phi3:mini")


def test_warm_model_with_ollama_down_is_an_error_message(admin_client):
    assert act(admin_client, "warm_model") == [
        (messages.ERROR, "Could not load the model: Ollama is unreachable.")
    ]


def test_pre_answer_puts_the_most_asked_questions_in_the_cache(admin_client, ollama):
    make_articles()
    for _ in range(2):
        query(QUESTION.text, path=QUESTION.path)
    [(level, text)] = act(admin_client, "pre_answer")
    assert level == messages.SUCCESS
    assert text.startswith("Pre-answered 1 question: 1 by the model, 0 already cached")
    assert Run.start(QUESTION, stream=False).result()["source"] == "cache"


def test_pre_answer_with_redis_stopped_is_an_error_message(admin_client, redis_cache):
    redis_cache.stop()
    assert act(admin_client, "pre_answer") == [
        (messages.ERROR, "The cache is unavailable; answers cannot be stored.")
    ]


def test_unknown_action_is_an_error_message(admin_client):
    assert act(admin_client, "drop_tables") == [(messages.ERROR, "Unknown action.")]
