from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.utils import timezone

from help.admin.chart import build_chart, nice_ceiling
from help.answering.answer_cache import get_answer
from help.answering.pipeline import Question, Run
from help.models import HelpArticle, HelpFeedback, HelpQuery, HelpTicket
from help.ollama.client import get_client
from help.search.index import search
from help.search.version import articles_version
from help.shared_state import breaker, metrics
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


def act(client: Client, action: str, **fields: str) -> list[tuple[int, str]]:
    response = client.post(URL + "?window=1h", {"action": action, **fields}, follow=True)
    assert response.redirect_chain == [(URL + "?window=1h", 302)]
    return [(message.level, str(message)) for message in response.context["messages"]]


def query(question: str, **fields) -> HelpQuery:
    defaults = {"source": "model", "lang": "fr", "top_score": 0.5}
    return HelpQuery.objects.create(question=question, **{**defaults, **fields})


def section(html: str, name: str) -> str:
    start = html.index(f'id="help-{name}"')
    end = html.find('<div class="module', start)
    return html[start : end if end > 0 else None]


def add_buttons(html: str) -> list[tuple[str, str, str]]:
    """(query id, article id, label) of each "add as an alternate question" form."""
    return re.findall(
        r'<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">\s*'
        r'<input type="hidden" name="action" value="add_question">\s*'
        r'<input type="hidden" name="query" value="([^"]+)">\s*'
        r'<input type="hidden" name="article" value="(\d+)">\s*'
        r'<button type="submit" class="help-learn__add" aria-describedby="[^"]+">([^<]+)</button>',
        html,
    )


def article(slug: str, lang: str = "fr") -> HelpArticle:
    return HelpArticle.objects.get(slug=slug, language=lang)


PDF = "Comment exporter en PDF ?"


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
    for match in ("exact", "exact", "similar"):
        metrics.record_answer("cache", 3.0, "", match)
    metrics.record_answer("model", 900.0, "")
    metrics.record_answer("fallback", 5200.0, "timeout")
    html = admin_client.get(URL).content.decode()
    assert figure(html, "requests") == "5"
    assert figure(html, "hit-rate") == "60 %"
    assert figure(html, "fallback-rate") == "20 %"
    levels = html[html.index('id="help-hit-levels"') :]
    assert re.match(r'id="help-hit-levels">exact 40 % · similar 20 % · curated 0 %', levels)
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


def test_dashboard_shows_each_model_of_the_chain_with_its_share_and_latency(
    admin_client, ollama, settings
):
    settings.HELP = {
        **settings.HELP,
        "OLLAMA_MODELS": ["phi3:mini", "qwen2.5:0.5b"],
        "BREAKER_FAILURES": 1,
    }
    for model, total_ms in (("phi3:mini", 900.0), ("qwen2.5:0.5b", 300.0), ("qwen2.5:0.5b", 500.0)):
        HelpQuery.objects.create(question="q", source="model", model=model, total_ms=total_ms)
    breaker.record_failure("phi3:mini")
    html = admin_client.get(URL).content.decode()
    table = html[html.index('id="help-chain"') :]
    table = table[: table.index("</table>")]
    rows = [re.sub(r"<[^>]+>|\s+", " ", row).split() for row in table.split("<tr>")[2:]]
    assert rows[0][:2] == ["phi3:mini", "installed,"]
    assert "open" in rows[0] and "33 %" in " ".join(rows[0]) and "900 ms" in " ".join(rows[0])
    assert rows[1][:3] == ["qwen2.5:0.5b", "not", "on"]
    assert "67 %" in " ".join(rows[1]) and "300 ms" in " ".join(rows[1])


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
        (messages.ERROR, "Could not load phi3:mini: Ollama is unreachable.")
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


# -- learning from the log -----------------------------------------------------------------


def weak_pdf_question(times: int = 2) -> HelpQuery:
    """A weak question whose answers cited the quote article, then the client one."""
    rows = [
        query(PDF, top_score=0.05, path="/devis/", cited_slugs=" faire-un-devis creer-un-client ")
        for _ in range(times)
    ]
    return rows[-1]


def test_add_buttons_and_messages_are_translated(admin_client, settings):
    settings.LANGUAGE_CODE = "fr"
    make_articles()
    weak = weak_pdf_question()
    quote = article("faire-un-devis")
    html = admin_client.get(URL).content.decode()
    assert "Ajouter comme autre formulation de «\xa0Faire un devis\xa0»" in html
    added = "«\xa0Comment exporter en PDF ?\xa0» a été ajoutée à «\xa0Faire un devis\xa0»."
    assert act(admin_client, "add_question", query=str(weak.id), article=str(quote.pk)) == [
        (messages.SUCCESS, added)
    ]


def test_weak_questions_offer_the_articles_their_answers_cited(admin_client):
    make_articles()
    latest = weak_pdf_question()
    html = admin_client.get(URL).content.decode()
    cited = [("faire-un-devis", "Faire un devis"), ("creer-un-client", "Créer un client")]
    assert add_buttons(section(html, "gaps")) == [
        (str(latest.id), str(article(slug).pk), f"Add as an alternate question of «{title}»")
        for slug, title in cited
    ]
    assert "Create a client" not in html  # the question's language only


def test_unhelpful_answers_offer_the_articles_the_search_finds_when_none_was_cited(admin_client):
    make_articles()
    bad = query("Comment créer un nouveau client ?", answer="Dans le menu Stock.")
    HelpFeedback.objects.create(query=bad, helpful=False)
    html = admin_client.get(URL).content.decode()
    [(query_id, article_id, label), *_] = add_buttons(section(html, "unhelpful"))
    assert (query_id, article_id) == (str(bad.id), str(article("creer-un-client").pk))
    assert label == "Add as an alternate question of «Créer un client»"


def test_add_button_is_described_by_its_question(admin_client):
    make_articles()
    weak_pdf_question()
    html = admin_client.get(URL).content.decode()
    assert re.search(rf'<td id="help-gap-1"><a [^>]*>{re.escape(PDF)}</a></td>', html)
    assert 'aria-describedby="help-gap-1"' in html


def test_adding_a_question_stores_it_and_the_search_then_ranks_the_article_first(admin_client):
    make_articles()
    weak = weak_pdf_question()
    quote = article("faire-un-devis")
    version = articles_version()
    assert search(PDF, "fr", "/devis/") == []
    assert act(admin_client, "add_question", query=str(weak.id), article=str(quote.pk)) == [
        (messages.SUCCESS, "Added «Comment exporter en PDF ?» to «Faire un devis».")
    ]
    quote.refresh_from_db()
    assert quote.questions == PDF
    assert articles_version() != version
    assert search(PDF, "fr", "/devis/")[0].slug == "faire-un-devis"
    entry = LogEntry.objects.get()
    assert (entry.object_id, entry.action_flag) == (str(quote.pk), CHANGE)
    assert entry.get_change_message() == "Changed Alternate questions."


def test_an_added_question_is_shown_as_added_instead_of_its_button(admin_client):
    make_articles()
    weak = weak_pdf_question()
    quote = article("faire-un-devis")
    act(admin_client, "add_question", query=str(weak.id), article=str(quote.pk))
    gaps = section(admin_client.get(URL).content.decode(), "gaps")
    assert "Alternate question of «Faire un devis»" in gaps
    assert [label for *_, label in add_buttons(gaps)] == [
        "Add as an alternate question of «Créer un client»"
    ]


def test_a_question_already_there_is_not_added_twice(admin_client):
    make_articles()
    quote = article("faire-un-devis")
    quote.questions = "Exporter un devis\r\ncomment exporter en pdf\r\n"
    quote.save()
    version = articles_version()
    weak = weak_pdf_question()
    already = "«Comment exporter en PDF ?» is already an alternate question of «Faire un devis»."
    assert act(admin_client, "add_question", query=str(weak.id), article=str(quote.pk)) == [
        (messages.INFO, already)
    ]
    quote.refresh_from_db()
    assert quote.questions == "Exporter un devis\r\ncomment exporter en pdf\r\n"
    assert articles_version() == version
    assert not LogEntry.objects.exists()


def test_a_question_joins_the_existing_ones_on_a_line_of_its_own(admin_client):
    make_articles()
    quote = article("faire-un-devis")
    quote.questions = "Exporter un devis\n\n"
    quote.save()
    weak = query("  Comment\nimprimer\r\n  un   devis ?\n", top_score=0.0)
    act(admin_client, "add_question", query=str(weak.id), article=str(quote.pk))
    act(admin_client, "add_question", query=str(weak.id), article=str(quote.pk))
    quote.refresh_from_db()
    assert quote.questions == "Exporter un devis\nComment imprimer un devis ?"


def test_a_long_question_is_capped(admin_client):
    make_articles()
    weak = query("Comment exporter " + "un très long devis " * 30, top_score=0.0)
    quote = article("faire-un-devis")
    [(level, _)] = act(admin_client, "add_question", query=str(weak.id), article=str(quote.pk))
    assert level == messages.SUCCESS
    quote.refresh_from_db()
    assert len(quote.questions) <= 200
    assert quote.questions.startswith("Comment exporter un très long devis")
    assert "\n" not in quote.questions


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("query", "not-a-uuid", "That question is no longer in the log."),
        ("query", "0b7c6d4e-1f2a-4b3c-9d8e-7f6a5b4c3d2e", "That question is no longer in the log."),
        ("query", "", "That question is no longer in the log."),
        ("article", "abc", "That help article no longer exists."),
        ("article", "999999", "That help article no longer exists."),
        ("article", "", "That help article no longer exists."),
    ],
)
def test_unknown_question_or_article_is_an_error_message(admin_client, field, value, error):
    make_articles()
    ids = {"query": str(weak_pdf_question().id), "article": str(article("faire-un-devis").pk)}
    assert act(admin_client, "add_question", **{**ids, field: value}) == [(messages.ERROR, error)]
    assert not HelpArticle.objects.exclude(questions="").exists()


def test_non_staff_users_cannot_add_questions(client):
    make_articles()
    weak = weak_pdf_question()
    quote = article("faire-un-devis")
    client.force_login(User.objects.create_user("vigneron", password="x"))
    response = client.post(
        URL, {"action": "add_question", "query": str(weak.id), "article": str(quote.pk)}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    quote.refresh_from_db()
    assert quote.questions == ""


def test_adding_questions_needs_the_permission_to_change_articles(client):
    make_articles()
    weak = weak_pdf_question()
    quote = article("faire-un-devis")
    user = User.objects.create_user("equipe", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_helpdashboard"))
    client.force_login(user)
    assert add_buttons(client.get(URL).content.decode()) == []
    assert act(client, "add_question", query=str(weak.id), article=str(quote.pk)) == [
        (messages.ERROR, "You are not allowed to change help articles.")
    ]
    quote.refresh_from_db()
    assert quote.questions == ""
    user.user_permissions.add(Permission.objects.get(codename="change_helparticle"))
    user = User.objects.get(pk=user.pk)  # permissions are cached on the instance
    client.force_login(user)
    assert len(add_buttons(client.get(URL).content.decode())) == 2
    [(level, _)] = act(client, "add_question", query=str(weak.id), article=str(quote.pk))
    assert level == messages.SUCCESS


def test_adding_questions_needs_the_csrf_token(admin_user):
    make_articles()
    weak = weak_pdf_question()
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    data = {"action": "add_question", "query": str(weak.id), "article": "1"}
    assert client.post(URL, data).status_code == 403
    assert not HelpArticle.objects.exclude(questions="").exists()


def test_learning_works_with_redis_stopped_and_ollama_down(admin_client, redis_cache):
    make_articles()
    bad = query("Comment créer un nouveau client ?", answer="Dans le menu Stock.")
    HelpFeedback.objects.create(query=bad, helpful=False)
    redis_cache.stop()
    response = admin_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert figure(html, "cache-state") == figure(html, "ollama-state") == "down"
    [(query_id, article_id, _), *_] = add_buttons(section(html, "unhelpful"))
    assert act(admin_client, "add_question", query=query_id, article=article_id) == [
        (messages.SUCCESS, "Added «Comment créer un nouveau client ?» to «Créer un client».")
    ]
    assert article("creer-un-client").questions == "Comment créer un nouveau client ?"


def test_tickets_are_counted_per_article_their_answers_cited(admin_client):
    make_articles()
    both = query(
        "Comment faire un devis pour un client ?", cited_slugs=" faire-un-devis creer-un-client "
    )
    one = query("Comment faire un devis ?", cited_slugs=" faire-un-devis ")
    gone = query("Comment archiver ?", cited_slugs=" article-supprime ")
    for linked in (both, one, one, gone, None):
        HelpTicket.objects.create(message="Pas assez", email="a@example.com", query=linked)
    old = HelpTicket.objects.create(message="Ancien", query=one, status="closed")
    HelpTicket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    html = section(admin_client.get(URL).content.decode(), "tickets")
    assert figure(html, "tickets-opened") == "5"
    assert figure(html, "tickets-waiting") == "5"
    rows = re.findall(
        r'id="help-ticket-article-\d+">(?:<a [^>]*>)?([^<]*)(?:</a>)?</td>.*?'
        r'id="help-ticket-count-\d+">(\d+)<',
        html,
        re.S,
    )
    # Most tickets first, then by slug; an article since deleted is named by its slug.
    assert rows == [("Faire un devis", "3"), ("article-supprime", "1"), ("Créer un client", "1")]
    week = section(admin_client.get(URL, {"window": "7d"}).content.decode(), "tickets")
    assert figure(week, "tickets-opened") == "6"
    assert "?status__exact=new" in week


def test_unhelpful_answers_show_the_reason_given(admin_client):
    stale = query("Où sont mes factures ?", answer="Dans le menu Stock.")
    HelpFeedback.objects.create(query=stale, helpful=False, reason="outdated", comment="Ancien")
    HelpFeedback.objects.create(query=query("Et mes devis ?"), helpful=False, reason="wrong")
    unhelpful = section(admin_client.get(URL).content.decode(), "unhelpful")
    assert "<td>out of date: Ancien</td>" in unhelpful
    assert "<td>wrong</td>" in unhelpful
