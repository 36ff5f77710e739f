"""Tickets: a request for a person, made from the widget when an answer was not enough.

The row comes first and the mail to ``HELP["SUPPORT_EMAIL"]`` after it: a mail server that
refuses or is down is logged, never raised, and the ticket waits in the admin all the same.
Everything in a ticket was typed by a visitor: the mail is plain text, its subject one line
of printable characters, and only a validated address becomes its Reply-To. It is written in
the site's language (``LANGUAGE_CODE``), its support team's, whatever the visitor's.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _

from help.answering import question_log
from help.conf import help_settings
from help.models import HelpQuery, HelpTicket
from help.search.text import cap

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
MAX_TURNS = 20
MAX_ANSWER_CHARS = 2000
SUBJECT_PATH_CHARS = 80
ANSWER_WAIT = 1.0  # seconds the answer's row may take to be written by the question log


@dataclass(frozen=True)
class NewTicket:
    """A ticket as the view validated it."""

    message: str
    email: str
    path: str
    lang: str
    thread: list[dict[str, str]] = field(default_factory=list)
    answer_id: uuid.UUID | None = None
    user_id: int | None = None


def open_ticket(new: NewTicket) -> HelpTicket:
    """Store the ticket (linked to its answer when that answer is known), then mail it."""
    ticket = HelpTicket.objects.create(
        message=new.message,
        email=new.email,
        user_id=new.user_id,
        path=new.path,
        lang=new.lang,
        thread=new.thread,
        query=_answer(new.answer_id),
    )
    mail_ticket(ticket)
    return ticket


def _answer(answer_id: uuid.UUID | None) -> HelpQuery | None:
    if answer_id is None:
        return None
    found = HelpQuery.objects.filter(pk=answer_id).first()
    # Its row may be on its way: the question log writes in the background.
    return found or question_log.wait_for(answer_id, timeout=ANSWER_WAIT)


def mail_ticket(ticket: HelpTicket) -> bool:
    """Mail the ticket to SUPPORT_EMAIL when it is set; whether a mail left."""
    to = str(help_settings.SUPPORT_EMAIL or "")
    if not to:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = ticket_subject(ticket), ticket_body(ticket)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[ticket.email] if is_email(ticket.email) else None,
    )
    try:
        message.send()
    except Exception:  # any backend error: the ticket is stored, the mail is not essential
        logger.exception("help: ticket %s stored but not mailed to %s", ticket.pk, to)
        return False
    return True


def ticket_subject(ticket: HelpTicket) -> str:
    page = cap(one_line(ticket.path) or "-", SUBJECT_PATH_CHARS)
    return _("[Help] Ticket #%(id)s on %(page)s") % {"id": ticket.pk, "page": page}


def ticket_body(ticket: HelpTicket) -> str:
    sender = ticket.email or "-"
    if ticket.user is not None:
        sender += _(" (user %(username)s, id %(id)s)") % {
            "username": ticket.user.get_username(),
            "id": ticket.user.pk,
        }
    lines = [
        _("Ticket #%(id)s") % {"id": ticket.pk},
        _("From: %(sender)s") % {"sender": sender},
        _("Page: %(path)s") % {"path": ticket.path or "-"},
        _("Language: %(lang)s") % {"lang": ticket.lang},
        _("Answer that was not enough: %(id)s") % {"id": ticket.query_id or "-"},
        "",
        _("Message:"),
        ticket.message,
    ]
    if ticket.thread:
        lines += ["", _("Conversation:")]
        for turn in ticket.thread:
            lines += [
                "",
                _("Q: %(question)s") % {"question": turn["question"]},
                _("A: %(answer)s") % {"answer": turn["answer"]},
            ]
    return "\n".join(lines) + "\n"


def one_line(text: str) -> str:
    """``text`` with every control or separator character turned into a space: a header
    must not break into two."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True
