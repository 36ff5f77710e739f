"""``GET /help/answers/<id>``: the model's answer to a question whose stream ended before
it came (see ``help.answering.late_answers``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import salted_hmac

from help.answering.late_answers import READY, late_answer
from help.views.decorators import ApiError, api_view


def answer_owner(request: HttpRequest) -> str:
    """Who asked, as a keyed hash: the user, or a visitor's browser (its CSRF cookie, which
    every question needs, else its session); empty when nothing tells visitors apart."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        basis = f"user:{user.pk}"
    else:
        session = getattr(request, "session", None)
        browser = request.COOKIES.get(settings.CSRF_COOKIE_NAME) or (
            session.session_key if session is not None else None
        )
        if not browser:
            return ""
        basis = f"visitor:{browser}"
    return salted_hmac("help.answer_owner", basis).hexdigest()


@api_view(("GET",), rate="SUGGEST_RATE_LIMIT")
def late_answer_view(request: HttpRequest, answer_id: str) -> HttpResponse:
    try:
        found = late_answer(uuid.UUID(answer_id), answer_owner(request))
    except ValueError:  # not an id: like an unknown one, so the URL is JSON all the same
        found = None
    if found is None:
        raise ApiError(404, "not_found", "No answer of yours has this id.")
    body: dict[str, object] = {"ready": found.state == READY, "state": found.state}
    if found.state == READY:
        body |= {"answer": found.answer, "source": "model", "model": found.model}
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response
