from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid

import pytest
from django.db import connection
from django.test import Client

from help.models import HelpFeedback, HelpQuery
from help.ops.health import probe_memo
from tests.helpers import ask, ask_stream, make_articles

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/help/ask", "/help/ask/stream"]


def post(client: Client, url: str, body: bytes | str, content_type: str = "application/json"):
    return client.generic("POST", url, body, content_type=content_type)


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert response.has_header("Server-Timing")


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "invalid_json"),
        ('["a list"]', "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        ("{}", "empty_question"),
        ('{"question": "   "}', "empty_question"),
        ('{"question": "' + "x" * 501 + '"}', "question_too_long"),
        ('{"question": 42}', "invalid_field"),
        ('{"question": "ok", "lang": "de"}', "invalid_field"),
        ('{"question": "ok", "path": ["/"]}', "invalid_field"),
        ('{"question": "ok", "hints": "' + "h" * 4001 + '"}', "invalid_field"),
        ("[" * 5000 + "]" * 5000, "invalid_json"),
    ],
)
def test_malformed_questions_get_a_400_with_their_code(client, url, body, code):
    assert_error(post(client, url, body), 400, code)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_non_json_content_type_is_415(client, url):
    assert_error(post(client, url, "question=hi", "application/x-www-form-urlencoded"), 415,
                 "unsupported_media_type")  # fmt: skip


@pytest.mark.parametrize("url", ENDPOINTS)
def test_oversized_body_is_413(client, url):
    body = json.dumps({"question": "x", "hints": "h" * 20_000})
    assert_error(post(client, url, body), 413, "payload_too_large")


@pytest.mark.parametrize("url", [*ENDPOINTS, "/help/feedback"])
def test_get_on_a_post_endpoint_is_405_json(client, url):
    response = client.get(url)
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("url", [*ENDPOINTS, "/help/feedback"])
def test_post_without_csrf_token_is_403_csrf_failed(url):
    client = Client(enforce_csrf_checks=True)
    assert_error(post(client, url, '{"question": "ok"}'), 403, "csrf_failed")


def test_post_with_the_cookie_and_header_passes_csrf(ollama):
    client = Client(enforce_csrf_checks=True)
    client.get("/help/articles/")  # any page with the widget would set it too
    token = client.get("/connexion/").cookies["csrftoken"].value
    response = client.post(
        "/help/ask", {"question": "Bonjour"}, content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )  # fmt: skip
    assert response.status_code == 200


def test_permission_callback_can_restrict_askers(client, settings):
    settings.HELP = {**settings.HELP, "PERMISSION": "help.permissions.authenticated_only"}
    assert_error(post(client, "/help/ask", '{"question": "ok"}'), 403, "forbidden")


def test_ask_answers_with_the_contract_fields(client, ollama):
    make_articles()
    status, body = ask(client, "Comment créer un client ?", path="/clients/", lang="fr")
    assert status == 200
    assert set(body) == {
        "id", "answer", "source", "degraded", "match", "model", "pending", "scope", "follow_up",
        "sources", "timings",
    }  # fmt: skip
    assert body["match"] == ""  # the model's answer; a cached one says which level
    assert ask(client, "Comment créer un client ?", path="/clients/")[1]["match"] == "exact"
    assert body["sources"][0] == {
        "title": "Créer un client",
        "url": "/help/articles/creer-un-client/?lang=fr",
    }
    assert body["timings"]["total_ms"] > 0
    assert HelpQuery.objects.filter(pk=body["id"]).exists()


def test_responses_carry_server_timing_with_the_stages(client, ollama):
    response = client.post(
        "/help/ask", {"question": "Comment créer un client ?"}, content_type="application/json"
    )
    timing = response["Server-Timing"]
    for stage in ("cache;dur=", "retrieval;dur=", "prompt;dur=", "total;dur="):
        assert stage in timing


def test_stream_is_ndjson_unbuffered_and_not_cached(client, ollama):
    response = client.post(
        "/help/ask/stream", {"question": "Bonjour"}, content_type="application/json"
    )
    assert response["X-Accel-Buffering"] == "no"
    assert response["Cache-Control"] == "no-store"
    assert "cache;dur=" in response["Server-Timing"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert json.loads(lines[0])["event"] == "start"
    assert json.loads(lines[-1])["event"] == "done"


def test_suggest_returns_matching_articles_with_snippets(client):
    make_articles()
    body = client.get("/help/suggest", {"q": "nouveau client", "lang": "fr"}).json()
    assert body["results"][0]["title"] == "Créer un client"
    assert body["results"][0]["url"] == "/help/articles/creer-un-client/?lang=fr"
    assert "client" in body["results"][0]["snippet"].lower()


def test_suggest_with_empty_or_too_long_query(client):
    assert client.get("/help/suggest", {"q": ""}).json() == {"results": []}
    assert_error(client.get("/help/suggest", {"q": "x" * 501}), 400, "question_too_long")


def test_feedback_is_stored_for_an_answer(client, ollama):
    _, body = ask(client, "Bonjour")
    response = client.post(
        "/help/feedback",
        {"id": body["id"], "helpful": False, "comment": "Pas clair"},
        content_type="application/json",
    )
    assert response.status_code == 204
    feedback = HelpFeedback.objects.get()
    assert (str(feedback.query_id), feedback.helpful, feedback.comment) == (
        body["id"],
        False,
        "Pas clair",
    )


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"id": "not-a-uuid", "helpful": True}, 400, "invalid_field"),
        ({"id": "7d5b1a6e-8d7c-4f61-9b1e-2a4c3b5d6e7f", "helpful": True}, 404, "not_found"),
        ({"id": "7d5b1a6e-8d7c-4f61-9b1e-2a4c3b5d6e7f", "helpful": "yes"}, 400, "invalid_field"),
        ({"helpful": True}, 400, "invalid_field"),
    ],
)
def test_bad_feedback_is_refused_with_its_code(client, body, status, code):
    response = client.post("/help/feedback", body, content_type="application/json")
    assert_error(response, status, code)


def give_feedback(client: Client, answer_id: str):
    body = {"id": answer_id, "helpful": True}
    return client.post("/help/feedback", body, content_type="application/json")


@pytest.mark.django_db(transaction=True)
def test_feedback_on_an_answer_whose_row_is_still_queued_lands(client, ollama):
    # Another connection holds SQLite's write lock: the row waits in the question log.
    lock = sqlite3.connect(
        connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False
    )
    lock.execute("BEGIN IMMEDIATE")
    try:
        _, body = ask(client, "Bonjour")
        assert not HelpQuery.objects.filter(pk=body["id"]).exists()
        release = threading.Timer(0.3, lock.execute, ("ROLLBACK",))
        release.start()
        response = give_feedback(client, body["id"])
        release.join()
    finally:
        lock.close()
    assert response.status_code == 204
    assert str(HelpFeedback.objects.get().query_id) == body["id"]


@pytest.mark.django_db(transaction=True)
def test_feedback_waits_for_a_row_another_process_is_writing(client):
    answer_id = uuid.uuid4()

    def other_process() -> None:
        HelpQuery.objects.create(id=answer_id, question="Bonjour", source="cache")
        connection.close()

    writer = threading.Timer(0.3, other_process)
    writer.start()
    response = give_feedback(client, str(answer_id))
    writer.join()
    assert response.status_code == 204
    assert HelpFeedback.objects.get().query_id == answer_id


def test_feedback_on_an_unknown_answer_is_refused_within_about_a_second(client):
    started = time.monotonic()
    assert_error(give_feedback(client, str(uuid.uuid4())), 404, "not_found")
    assert 1.0 <= time.monotonic() - started < 2.5


FULL_HEALTH = {
    "status": "ok",
    "cache": "up",
    "ollama": "up",
    "model": "phi3:mini",
    "model_available": True,
    "model_loaded": False,
    "breaker": "closed",
    "models": [{"name": "phi3:mini", "available": True, "loaded": False, "breaker": "closed"}],
    "error": "",
}


@pytest.fixture
def fresh_probe():
    probe_memo.forget()  # no Ollama probe remembered from an earlier test
    yield
    probe_memo.forget()


def test_staff_get_every_part_of_health(admin_client, ollama, fresh_probe):
    assert admin_client.get("/help/health").json() == FULL_HEALTH


def test_the_metrics_token_gets_every_part_of_health(ollama, fresh_probe, settings):
    settings.HELP = {**settings.HELP, "METRICS_TOKEN": "s3cret-token"}
    response = Client().get("/help/health", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.json() == FULL_HEALTH


@pytest.mark.parametrize("authorization", ["", "Bearer wrong", "Bearer "])
def test_anonymous_health_is_only_the_status(ollama, fresh_probe, settings, authorization):
    settings.HELP = {**settings.HELP, "METRICS_TOKEN": "s3cret-token"}
    response = Client().get("/help/health", HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_non_staff_users_get_only_the_health_status(client, django_user_model, ollama, fresh_probe):
    client.force_login(django_user_model.objects.create_user("visitor", password="x"))
    assert client.get("/help/health").json() == {"status": "ok"}


def test_health_without_ollama_is_degraded_not_an_error(client, admin_client, fresh_probe):
    response = client.get("/help/health")
    assert (response.status_code, response.json()) == (200, {"status": "degraded"})
    report = admin_client.get("/help/health").json()
    assert (report["status"], report["ollama"]) == ("degraded", "down")


def test_health_is_never_rate_limited(client, settings):
    settings.HELP = {**settings.HELP, "RATE_LIMIT": "1/h", "SUGGEST_RATE_LIMIT": "1/h"}
    assert [client.get("/help/health").status_code for _ in range(3)] == [200, 200, 200]


def test_suggest_past_its_limit_is_429_with_retry_after(client, settings):
    settings.HELP = {**settings.HELP, "SUGGEST_RATE_LIMIT": "2/h"}
    assert [client.get("/help/suggest", {"q": "client"}).status_code for _ in range(2)] == [
        200,
        200,
    ]
    limited = client.get("/help/suggest", {"q": "client"})
    assert_error(limited, 429, "rate_limited")
    assert 1 <= int(limited["Retry-After"]) <= 3600


@pytest.mark.parametrize("reason", ["wrong", "incomplete", "outdated", "other"])
def test_unhelpful_feedback_may_say_why(client, reason):
    query = HelpQuery.objects.create(question="Bonjour", source="cache")
    body = {"id": str(query.pk), "helpful": False, "reason": reason}
    assert client.post("/help/feedback", body, content_type="application/json").status_code == 204
    assert HelpFeedback.objects.get().reason == reason


@pytest.mark.parametrize(
    ("helpful", "reason"),
    [(False, "faux"), (False, ""), (False, 3), (False, ["wrong"]), (True, "wrong")],
)
def test_a_reason_outside_the_list_or_on_a_helpful_answer_is_refused(client, helpful, reason):
    query = HelpQuery.objects.create(question="Bonjour", source="cache")
    body = {"id": str(query.pk), "helpful": helpful, "reason": reason}
    response = client.post("/help/feedback", body, content_type="application/json")
    assert_error(response, 400, "invalid_field")
    assert not HelpFeedback.objects.exists()


# -- follow-ups and scope (contract items 1 and 2) -------------------------------------------

TURN = {"question": "Comment faire un devis ?", "answer": "Ouvrez Devis."}


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize(
    "context",
    [
        "Comment faire un devis ?",
        {"question": "a", "answer": "b"},
        [TURN, TURN, TURN],  # more than two turns
        ["Comment faire un devis ?"],
        [{"question": "Comment faire un devis ?"}],
        [{"answer": "Ouvrez Devis."}],
        [{"question": 42, "answer": "Ouvrez Devis."}],
        [{"question": "Comment faire un devis ?", "answer": None}],
        [{"question": "x" * 501, "answer": ""}],
    ],
)
def test_a_malformed_context_is_refused(client, url, context):
    body = json.dumps({"question": "Et ensuite ?", "context": context})
    assert_error(post(client, url, body), 400, "invalid_field")


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_context_with_a_lone_surrogate_is_refused(client, url):
    body = '{"question": "Et ensuite ?", "context": [{"question": "\\ud800", "answer": ""}]}'
    assert_error(post(client, url, body), 400, "invalid_field")


def test_the_context_is_parsed_into_turns_answers_cut_to_their_start(rf):
    from help.views.api import parse_question

    body = {
        "question": "Et ensuite ?",
        "context": [
            {"question": "  Comment faire un devis ?\x00 ", "answer": "Ouvrez Devis. " * 50},
            {"question": "", "answer": ""},
        ],
    }
    request = rf.post("/help/ask", json.dumps(body), content_type="application/json")
    first, second = parse_question(request).context
    assert first.question == "Comment faire un devis ?"
    assert first.answer == ("Ouvrez Devis. " * 50)[:200]
    assert (second.question, second.answer) == ("", "")
    request = rf.post("/help/ask", '{"question": "Bonjour"}', content_type="application/json")
    assert parse_question(request).context == ()


def test_the_endpoints_say_whether_the_context_was_used_and_the_answer_s_scope(client, ollama):
    make_articles()
    status, body = ask(client, "Comment créer un client ?", path="/clients/", context=[TURN])
    assert status == 200
    assert (body["follow_up"], body["scope"]) == (False, "site")
    events = ask_stream(client, "Et ensuite ?", path="/devis/", context=[TURN])
    assert (events[0]["follow_up"], events[0]["scope"]) == (True, events[-1]["scope"])
    assert events[-1]["follow_up"] is True
    assert "Q: Comment faire un devis ?" in ollama.payloads[-1]["messages"][-1]["content"]


class _CutOffBody:
    """A request body whose sender stopped halfway (a trickled, then dropped upload)."""

    def read(self, *args: object) -> bytes:
        raise OSError("the client went away")

    readline = read


def test_a_body_that_never_arrives_whole_is_a_400_not_a_500(client):
    response = client.post(
        "/help/ask",
        content_type="application/json",
        CONTENT_LENGTH="40",
        **{"wsgi.input": _CutOffBody()},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "incomplete_body"
