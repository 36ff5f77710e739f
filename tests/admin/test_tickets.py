"""Support tickets in the admin: listed with their status, read with their conversation,
marked answered or closed."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import LogEntry

from help.models import HelpQuery, HelpTicket

pytestmark = pytest.mark.django_db

TICKETS = "/admin/help/helpticket/"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def ticket(message: str = "Aidez-moi", **fields) -> HelpTicket:
    return HelpTicket.objects.create(message=message, **{"email": "a@example.com", **fields})


def listed(html: str) -> list[str]:
    return re.findall(r'<td class="field-short_message"><a [^>]*>([^<]*)</a>', html)


def test_a_ticket_sent_from_the_widget_is_listed_with_its_status(client, admin_client):
    body = {"message": "Le devis ne part pas", "email": "jeanne@example.com", "path": "/devis/"}
    assert client.post("/help/tickets", body, content_type="application/json").status_code == 201
    html = admin_client.get(TICKETS).content.decode()
    assert listed(html) == ["Le devis ne part pas"]
    assert "jeanne@example.com" in html
    assert '<td class="field-status">new</td>' in html


def test_the_status_filter_lists_the_new_tickets(admin_client):
    ticket("Nouveau")
    ticket("Répondu", status="answered")
    ticket("Fermé", status="closed")
    assert listed(admin_client.get(TICKETS, {"status__exact": "new"}).content.decode()) == [
        "Nouveau"
    ]
    assert listed(admin_client.get(TICKETS, {"status__exact": "closed"}).content.decode()) == [
        "Fermé"
    ]
    assert len(listed(admin_client.get(TICKETS).content.decode())) == 3


def test_a_ticket_shows_its_conversation_as_text_and_its_answer(admin_client):
    query = HelpQuery.objects.create(question="Comment faire un devis ?", source="model")
    thread = [
        {"question": "Comment faire un devis ?", "answer": "Ouvrez Devis.\nPuis Nouveau."},
        {"question": "<script>alert(1)</script>", "answer": "**gras**"},
    ]
    item = ticket(thread=thread, query=query)
    html = admin_client.get(f"{TICKETS}{item.pk}/change/").content.decode()
    assert "<dt>Comment faire un devis ?</dt><dd>Ouvrez Devis.<br>Puis Nouveau.</dd>" in html
    assert "<script>alert(1)" not in html
    assert "<dt>&lt;script&gt;alert(1)&lt;/script&gt;</dt>" in html
    assert f'href="/admin/help/helpquery/{query.pk}/change/"' in html


def test_staff_mark_tickets_answered_or_closed_and_it_is_recorded(admin_client):
    first, second = ticket("Un"), ticket("Deux")
    response = admin_client.post(
        TICKETS,
        {"action": "mark_answered", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert "Status “answered” given to 2 tickets." in response.content.decode()
    assert set(HelpTicket.objects.values_list("status", flat=True)) == {"answered"}
    admin_client.post(TICKETS, {"action": "mark_closed", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.status == "closed"
    assert LogEntry.objects.filter(object_id=str(first.pk)).count() == 2


def test_tickets_are_not_written_from_the_admin_but_their_status_is(admin_client):
    item = ticket()
    assert admin_client.get(f"{TICKETS}add/").status_code == 403
    response = admin_client.post(
        f"{TICKETS}{item.pk}/change/", {"status": "closed", "message": "Changé"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.message) == ("closed", "Aidez-moi")


def test_the_tickets_admin_speaks_french(admin_client, settings):
    settings.LANGUAGE_CODE = "fr"
    ticket()
    html = admin_client.get(TICKETS).content.decode()
    assert "Demandes d&#x27;assistance" in html
    assert '<td class="field-status">nouvelle</td>' in html
    assert "Marquer comme répondue" in html
