"""Tickets and starting points over HTTP: validation, CSRF, rate limits, mail."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core import mail
from django.test import Client

from help.models import HelpCuratedAnswer, HelpQuery, HelpTicket
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db

SUPPORT = "support@monchai.example"
THREAD = [
    {"question": "Comment faire un devis ?", "answer": "Ouvrez **Devis** puis Nouveau devis."},
    {"question": "Et ensuite, comment je l'envoie ?", "answer": "Cliquez sur Envoyer."},
]


@pytest.fixture
def support_email(settings):
    settings.HELP = {**settings.HELP, "SUPPORT_EMAIL": SUPPORT}


def post_ticket(client: Client, **fields):
    return client.post("/help/tickets", fields, content_type="application/json")


def post_raw(client: Client, body: str | bytes, content_type: str = "application/json"):
    return client.generic("POST", "/help/tickets", body, content_type=content_type)


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_a_visitor_opens_a_ticket_that_is_stored_and_mailed(client, support_email):
    query = HelpQuery.objects.create(question="Comment faire un devis ?", source="model")
    response = post_ticket(
        client,
        message="La réponse ne parle pas des devis signés.",
        email="jeanne@example.com",
        answer_id=str(query.pk),
        path="/devis/12/?tab=lignes",
        lang="fr",
        thread=THREAD,
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    ticket = HelpTicket.objects.get()
    assert response.json() == {"id": ticket.pk, "status": "new"}
    assert (ticket.status, ticket.email, ticket.path, ticket.lang) == (
        "new", "jeanne@example.com", "/devis/12/", "fr",
    )  # fmt: skip
    assert ticket.message == "La réponse ne parle pas des devis signés."
    assert ticket.thread == THREAD
    assert ticket.query == query
    assert ticket.user is None
    [sent] = mail.outbox
    assert sent.to == [SUPPORT]
    assert sent.reply_to == ["jeanne@example.com"]
    assert f"n° {ticket.pk} " in sent.subject and "/devis/12/" in sent.subject
    expected = ["devis signés", "jeanne@example.com", "/devis/12/", "Langue : fr", str(query.pk),
                "Q : Et ensuite, comment je l'envoie ?", "R : Cliquez sur Envoyer."]  # fmt: skip
    for text in expected:
        assert text in sent.body


def test_a_signed_in_user_is_answered_at_the_account_address(
    client, django_user_model, support_email
):
    user = django_user_model.objects.create_user("anne", "anne@monchai.example", "pw")
    client.force_login(user)
    response = post_ticket(client, message="Aidez-moi", email="someone-else@example.com")
    assert response.status_code == 201
    ticket = HelpTicket.objects.get()
    assert (ticket.user, ticket.email) == (user, "anne@monchai.example")
    assert mail.outbox[0].reply_to == ["anne@monchai.example"]
    assert "utilisateur anne" in mail.outbox[0].body


def test_a_signed_in_user_without_an_address_needs_none(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("paul", "", "pw"))
    assert post_ticket(client, message="Aidez-moi").status_code == 201
    assert HelpTicket.objects.get().email == ""


def test_a_visitor_without_an_email_is_refused(client):
    assert_error(post_ticket(client, message="Aidez-moi"), 400, "invalid_field")
    assert_error(post_ticket(client, message="Aidez-moi", email="  "), 400, "invalid_field")
    assert not HelpTicket.objects.exists()


@pytest.mark.parametrize(
    "email",
    ["jeanne", "jeanne@", "@example.com", "a@b", "jeanne@example.com\nBcc: x@evil.example",
     "jeanne@exa mple.com", "x" * 250 + "@example.com", 42, ["a@example.com"]],
)  # fmt: skip
def test_a_bad_email_is_refused(client, email):
    assert_error(post_ticket(client, message="Aidez-moi", email=email), 400, "invalid_field")
    assert not HelpTicket.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "invalid_json"),
        ('["a list"]', "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        ('{"email": "a@example.com"}', "invalid_field"),
        ('{"email": "a@example.com", "message": "   "}', "invalid_field"),
        ('{"email": "a@example.com", "message": 12}', "invalid_field"),
        ('{"email": "a@example.com", "message": "' + "x" * 4001 + '"}', "invalid_field"),
        ('{"email": "a@example.com", "message": "ok", "lang": "de"}', "invalid_field"),
        ('{"email": "a@example.com", "message": "ok", "path": ["/"]}', "invalid_field"),
        ('{"email": "a@example.com", "message": "ok", "answer_id": "nope"}', "invalid_field"),
        ('{"email": "a@example.com", "message": "ok", "thread": "Q/A"}', "invalid_field"),
        ('{"email": "a@example.com", "message": "ok", "thread": ["Q"]}', "invalid_field"),
        ('{"email": "a@example.com", "message": "ok", "thread": [{"question": "q"}]}',
         "invalid_field"),
        ('{"email": "a@example.com", "message": "ok", '
         '"thread": [{"question": "q", "answer": 3}]}', "invalid_field"),
        ('{"email": "a@example.com", "message": "\\ud800"}', "invalid_field"),
    ],
)  # fmt: skip
def test_malformed_tickets_get_a_400_with_their_code(client, body, code):
    assert_error(post_raw(client, body), 400, code)
    assert not HelpTicket.objects.exists()


def test_an_oversized_ticket_is_413_and_a_form_body_415(client):
    body = json.dumps({"email": "a@example.com", "message": "ok", "path": "/" + "p" * 20_000})
    assert_error(post_raw(client, body), 413, "payload_too_large")
    assert_error(post_raw(client, "message=ok", "application/x-www-form-urlencoded"), 415,
                 "unsupported_media_type")  # fmt: skip
    response = client.get("/help/tickets")
    assert_error(response, 405, "method_not_allowed")
    assert response["Allow"] == "POST"


def test_a_thread_has_at_most_20_turns_each_cut_to_its_limit(client):
    turn = {"question": "q", "answer": "a"}
    too_many = post_ticket(client, message="ok", email="a@example.com", thread=[turn] * 21)
    assert_error(too_many, 400, "invalid_field")
    long_turn = {"question": "Comment " + "x" * 600, "answer": "Réponse " * 400}
    response = post_ticket(
        client, message="ok", email="a@example.com", thread=[turn] * 19 + [long_turn]
    )
    assert response.status_code == 201
    stored = HelpTicket.objects.get().thread
    assert len(stored) == 20
    assert len(stored[-1]["question"]) == 500 and stored[-1]["question"].endswith("…")
    assert len(stored[-1]["answer"]) <= 2000 and stored[-1]["answer"].endswith("…")


def test_nul_characters_are_stripped_and_the_subject_stays_one_line(client, support_email):
    response = post_ticket(
        client,
        message="Bonjour\x00 !",
        email="a@example.com",
        path="/devis/\r\nBcc: victim@example.com\x00",
        thread=[{"question": "q\x00", "answer": "a"}],
    )
    assert response.status_code == 201
    ticket = HelpTicket.objects.get()
    assert ticket.message == "Bonjour !"
    assert ticket.thread == [{"question": "q", "answer": "a"}]
    [sent] = mail.outbox
    assert "\n" not in sent.subject and "\r" not in sent.subject
    message = sent.message()
    assert message["Bcc"] is None
    assert sent.recipients() == [SUPPORT]


def test_an_unknown_answer_id_is_simply_not_linked(client):
    response = post_ticket(client, message="ok", email="a@example.com", answer_id=str(uuid.uuid4()))
    assert response.status_code == 201
    assert HelpTicket.objects.get().query is None


def test_tickets_need_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    refused = post_ticket(client, message="ok", email="a@example.com")
    assert_error(refused, 403, "csrf_failed")
    assert not HelpTicket.objects.exists()
    token = client.get("/connexion/").cookies["csrftoken"].value
    response = client.post(
        "/help/tickets", {"message": "ok", "email": "a@example.com"},
        content_type="application/json", HTTP_X_CSRFTOKEN=token,
    )  # fmt: skip
    assert response.status_code == 201


def test_tickets_past_their_own_limit_are_429_with_retry_after(client, settings):
    settings.HELP = {**settings.HELP, "TICKET_RATE_LIMIT": "2/h"}
    # A ticket refused for a mistyped address spends nothing of the ticket budget.
    assert post_ticket(client, message="ok", email="a@example").status_code == 400
    statuses = [post_ticket(client, message="ok", email="a@example.com").status_code
                for _ in range(2)]  # fmt: skip
    assert statuses == [201, 201]
    limited = post_ticket(client, message="ok", email="a@example.com")
    assert_error(limited, 429, "rate_limited")
    assert 1 <= int(limited["Retry-After"]) <= 3600
    assert HelpTicket.objects.count() == 2


def test_ticket_requests_also_count_against_the_post_rate_limit(client, settings):
    settings.HELP = {**settings.HELP, "RATE_LIMIT": "2/h"}
    assert post_ticket(client, message="", email="a@example.com").status_code == 400
    assert post_ticket(client, message="ok", email="a@example.com").status_code == 201
    assert_error(post_ticket(client, message="ok", email="a@example.com"), 429, "rate_limited")


def test_without_a_support_email_the_ticket_is_stored_and_nothing_is_mailed(client):
    assert post_ticket(client, message="ok", email="a@example.com").status_code == 201
    assert HelpTicket.objects.count() == 1
    assert mail.outbox == []


def test_a_mail_failure_loses_no_ticket(client, settings, support_email, caplog):
    settings.EMAIL_BACKEND = "tests.helpers.RefusingMailBackend"
    response = post_ticket(client, message="ok", email="a@example.com")
    assert response.status_code == 201
    ticket = HelpTicket.objects.get()
    assert response.json()["id"] == ticket.pk
    assert any(
        f"ticket {ticket.pk} stored but not mailed" in r.getMessage() for r in caplog.records
    )


def test_the_permission_callback_applies_to_tickets(client, settings):
    settings.HELP = {**settings.HELP, "PERMISSION": "help.permissions.authenticated_only"}
    assert_error(post_ticket(client, message="ok", email="a@example.com"), 403, "forbidden")


# --- starting points ------------------------------------------------------------------


def test_starters_answer_questions_for_the_page_and_may_be_cached_a_minute(client):
    make_articles()
    HelpCuratedAnswer.objects.create(
        question="Comment envoyer un devis ?", language="fr", path_prefix="/devis/", answer="."
    )
    response = client.get("/help/starters", {"path": "/devis/nouveau/", "lang": "fr"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, max-age=60"
    assert response.json() == {"questions": ["Comment envoyer un devis ?", "Faire un devis"]}


def test_starters_on_an_empty_site_are_an_empty_list(client):
    response = client.get("/help/starters", {"path": "/clients/", "lang": "en"})
    assert response.json() == {"questions": []}


@pytest.mark.parametrize(
    "params",
    [
        {"path": "/" + "x" * 500},
        {"path": "javascript:alert(1)"},
        {"path": "https://evil.example/"},
        {"path": "/devis/\nSet-Cookie: x=1"},
        {"path": "/devis/\x07"},
        {"path": "/devis/", "lang": "de"},
    ],
)
def test_hostile_starter_requests_are_400(client, params):
    assert_error(client.get("/help/starters", params), 400, "invalid_field")


def test_a_path_with_nul_or_a_query_string_is_read_as_its_page(client):
    make_articles()
    for path in ("/devis/\x00", "/devis/?q=<script>", "/devis/#top"):
        response = client.get("/help/starters", {"path": path, "lang": "fr"})
        assert response.json() == {"questions": ["Faire un devis"]}


def test_starters_past_the_suggest_limit_are_429(client, settings):
    settings.HELP = {**settings.HELP, "SUGGEST_RATE_LIMIT": "2/h"}
    assert [client.get("/help/starters", {"path": "/"}).status_code for _ in range(2)] == [200, 200]
    limited = client.get("/help/starters", {"path": "/"})
    assert_error(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) >= 1
