"""Tickets stored first, mailed after: the mail's shape and its failures."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from help.answering.tickets import NewTicket, mail_ticket, one_line, open_ticket, ticket_subject
from help.models import HelpTicket

pytestmark = pytest.mark.django_db

SUPPORT = "support@monchai.example"


@pytest.fixture(autouse=True)
def support_email(settings):
    settings.HELP = {**settings.HELP, "SUPPORT_EMAIL": SUPPORT}
    settings.DEFAULT_FROM_EMAIL = "noreply@monchai.example"


def new(**fields) -> NewTicket:
    return NewTicket(**{"message": "Aidez-moi", "email": "a@example.com", "path": "/devis/",
                        "lang": "fr", **fields})  # fmt: skip


def test_a_ticket_is_mailed_from_the_site_to_support_with_reply_to_the_visitor():
    ticket = open_ticket(new())
    [sent] = mail.outbox
    assert (sent.from_email, sent.to, sent.reply_to) == (
        "noreply@monchai.example", [SUPPORT], ["a@example.com"],
    )  # fmt: skip
    assert sent.subject == f"[Aide] Demande n° {ticket.pk} sur /devis/"
    assert "Aidez-moi" in sent.body


def test_the_mail_speaks_the_sites_language_whatever_the_visitors(settings):
    with translation.override("en"):  # an English-speaking visitor on a French site
        open_ticket(new(lang="en", thread=[{"question": "How?", "answer": "Like this."}]))
    assert mail.outbox[0].body.splitlines()[1:3] == ["De : a@example.com", "Page : /devis/"]
    assert "Q : How?" in mail.outbox[0].body and "R : Like this." in mail.outbox[0].body
    settings.LANGUAGE_CODE = "en"
    with translation.override("fr"):
        ticket = open_ticket(new())
    assert mail.outbox[1].subject == f"[Help] Ticket #{ticket.pk} on /devis/"
    assert "From: a@example.com" in mail.outbox[1].body


def test_an_address_that_is_not_one_never_becomes_the_reply_to():
    ticket = HelpTicket.objects.create(message="x", email="not an address\nBcc: x@evil.example")
    assert mail_ticket(ticket)
    assert mail.outbox[0].reply_to == []


def test_a_mail_that_fails_is_logged_not_raised(settings, caplog):
    settings.EMAIL_BACKEND = "tests.helpers.RefusingMailBackend"
    ticket = open_ticket(new())
    assert HelpTicket.objects.get() == ticket
    assert not mail_ticket(ticket)
    assert any("not mailed" in record.getMessage() for record in caplog.records)


def test_the_subject_is_one_printable_line_and_short():
    ticket = HelpTicket.objects.create(
        message="x", path="/a\r\nBcc: x@evil.example\u2028" + "b" * 300
    )
    subject = ticket_subject(ticket)
    assert subject.isprintable()
    assert len(subject) < 120
    assert one_line("a\tb\x00c\u2029d") == "a b c d"
