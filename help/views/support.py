"""The widget's way forward when an answer is not enough, and before the first question:
tickets for a person, and the starting points of a page."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from help.answering.starting_points import starting_points
from help.answering.tickets import (
    MAX_ANSWER_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_TURNS,
    NewTicket,
    is_email,
    open_ticket,
)
from help.conf import help_settings
from help.search.languages import LANGUAGE_CODES, normalise_language
from help.search.text import cap
from help.shared_state.rate_limits import retry_after
from help.views.api import MAX_PATH_CHARS, _optional_string, _plain
from help.views.decorators import ApiError, api_view, json_body

MAX_EMAIL_CHARS = 254


@api_view(("GET",), rate="SUGGEST_RATE_LIMIT")
def starters(request: HttpRequest) -> HttpResponse:
    path = request.GET.get("path") or "/"
    if len(path) > MAX_PATH_CHARS:
        raise ApiError(400, "invalid_field", f"'path' has at most {MAX_PATH_CHARS} characters.")
    path = _plain(path, "path").split("?")[0].split("#")[0]
    if not path.startswith("/") or not path.isprintable():
        raise ApiError(400, "invalid_field", "'path' must be a page path such as /clients/.")
    lang = _language(request, request.GET.get("lang"))
    response = JsonResponse({"questions": starting_points(path, lang)})
    response["Cache-Control"] = "private, max-age=60"
    return response


@api_view(("POST",))
def tickets(request: HttpRequest) -> HttpResponse:
    """Every request counts against RATE_LIMIT, like the other POST endpoints; only a valid
    ticket spends the stricter TICKET_RATE_LIMIT, so a mistyped address costs nothing."""
    data = json_body(request)
    message = _optional_string(data, "message", MAX_MESSAGE_CHARS).strip()
    if not message:
        raise ApiError(400, "invalid_field", "Write a message for the support team.")
    user = getattr(request, "user", None)
    account = user if user is not None and user.is_authenticated else None
    # A signed-in user is answered at their account's address; a visitor must give one.
    email = (account.email if account else "") or _email(data, required=account is None)
    new = NewTicket(
        message=message,
        email=email,
        path=_optional_string(data, "path", MAX_PATH_CHARS).split("?")[0].split("#")[0],
        lang=_language(request, data.get("lang")),
        thread=_thread(data.get("thread")),
        answer_id=_answer_id(data.get("answer_id")),
        user_id=account.pk if account else None,
    )
    if (wait := retry_after(request, setting="TICKET_RATE_LIMIT")) is not None:
        raise ApiError(
            429,
            "rate_limited",
            f"Too many tickets in a row: try again in {wait} s.",
            {"Retry-After": str(wait)},
        )
    ticket = open_ticket(new)
    response = JsonResponse({"id": ticket.pk, "status": ticket.status}, status=201)
    response["Cache-Control"] = "no-store"
    return response


def _language(request: HttpRequest, lang: Any) -> str:
    """``lang`` as given (fr or en), or else the language Django chose for the request."""
    if lang is None or lang == "":
        return normalise_language(getattr(request, "LANGUAGE_CODE", None))
    if lang not in LANGUAGE_CODES:
        raise ApiError(400, "invalid_field", "'lang' must be 'fr' or 'en'.")
    return str(lang)


def _email(data: dict[str, Any], *, required: bool) -> str:
    email = _optional_string(data, "email", MAX_EMAIL_CHARS).strip()
    if not email and required:
        raise ApiError(400, "invalid_field", "Give an e-mail address so we can answer you.")
    if email and not is_email(email):
        raise ApiError(400, "invalid_field", "'email' is not a valid e-mail address.")
    return email


def _answer_id(value: Any) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise ApiError(400, "invalid_field", "'answer_id' must be the id of an answer.") from exc


def _thread(value: Any) -> list[dict[str, str]]:
    """The conversation as the widget showed it, oldest first: at most MAX_TURNS turns, each
    text cut to its limit."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_TURNS:
        raise ApiError(
            400, "invalid_field", f"'thread' must be a list of at most {MAX_TURNS} turns."
        )
    limits = {"question": int(help_settings.MAX_QUESTION_CHARS), "answer": MAX_ANSWER_CHARS}
    turns = []
    for turn in value:
        if not isinstance(turn, dict) or not all(
            isinstance(turn.get(name), str) for name in limits
        ):
            raise ApiError(
                400,
                "invalid_field",
                'Each turn of \'thread\' must be {"question": text, "answer": text}.',
            )
        turns.append(
            {name: cap(_plain(turn[name], "thread"), limit) for name, limit in limits.items()}
        )
    return turns
