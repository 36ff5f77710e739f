"""The assistant's API: thin views over the pipeline (design.md section 4)."""

from __future__ import annotations

import hmac
import json
import math
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from help.answering import question_log
from help.answering.follow_ups import MAX_ANSWER_CHARS, MAX_TURNS, Turn
from help.answering.pipeline import Question, Run
from help.conf import help_settings
from help.models import HelpFeedback, HelpQuery
from help.ops.health import health
from help.ops.prometheus import CONTENT_TYPE, exposition
from help.search.index import search, snippet
from help.search.languages import normalise_language, question_language
from help.search.version import articles_version
from help.shared_state.open_streams import open_stream
from help.shared_state.rate_limits import asker
from help.views.answers import answer_owner
from help.views.decorators import ApiError, api_view, json_body, server_timing

MAX_PATH_CHARS = 500
MAX_RAW_HINTS_CHARS = 4000
SUGGEST_LIMIT = 5
MAX_COMMENT_CHARS = 2000


def parse_question(request: HttpRequest) -> Question:
    data = json_body(request)
    text = data.get("question")
    if text is not None and not isinstance(text, str):
        raise ApiError(400, "invalid_field", "'question' must be a string.")
    text = _plain(text or "", "question").strip()
    if not text:
        raise ApiError(400, "empty_question", "Ask a question.")
    limit = int(help_settings.MAX_QUESTION_CHARS)
    if len(text) > limit:
        raise ApiError(400, "question_too_long", f"A question has at most {limit} characters.")
    path = _optional_string(data, "path", MAX_PATH_CHARS)
    hints = _optional_string(data, "hints", MAX_RAW_HINTS_CHARS)
    lang = data.get("lang")
    if lang is not None and lang not in ("fr", "en"):
        raise ApiError(400, "invalid_field", "'lang' must be 'fr' or 'en'.")
    user = getattr(request, "user", None)
    return Question(
        text=text,
        lang=lang or normalise_language(getattr(request, "LANGUAGE_CODE", None)),
        path=path.split("?")[0].split("#")[0],
        hints=hints,
        user_id=user.pk if user is not None and user.is_authenticated else None,
        context=_context(data, limit),
    )


def _context(data: dict[str, Any], limit: int) -> tuple[Turn, ...]:
    """The last turns of the thread (``"context"``, oldest first): at most ``MAX_TURNS``,
    each question at most ``limit`` characters, each answer cut to its start."""
    turns = data.get("context")
    if turns is None:
        return ()
    if not isinstance(turns, list) or len(turns) > MAX_TURNS:
        message = f"'context' must be a list of at most {MAX_TURNS} turns."
        raise ApiError(400, "invalid_field", message)
    parsed = []
    for turn in turns:
        question = turn.get("question") if isinstance(turn, dict) else None
        answer = turn.get("answer") if isinstance(turn, dict) else None
        if not isinstance(question, str) or not isinstance(answer, str):
            message = "Each turn of 'context' must have a string 'question' and 'answer'."
            raise ApiError(400, "invalid_field", message)
        question = _plain(question, "context").strip()
        if len(question) > limit:
            message = f"A question of 'context' has at most {limit} characters."
            raise ApiError(400, "invalid_field", message)
        parsed.append(Turn(question, _plain(answer, "context")[:MAX_ANSWER_CHARS]))
    return tuple(parsed)


def _optional_string(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, "invalid_field", f"'{name}' must be a string.")
    if len(value) > limit:
        raise ApiError(400, "invalid_field", f"'{name}' has at most {limit} characters.")
    return _plain(value, name)


def _plain(value: str, name: str) -> str:
    """The text without NUL characters (no database stores them); lone surrogates, which
    no encoding can carry, are refused."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ApiError(400, "invalid_field", f"'{name}' is not valid Unicode text.") from exc
    return value.replace("\x00", "")


@api_view(("POST",))
def ask(request: HttpRequest) -> HttpResponse:
    run = Run.start(parse_question(request), stream=False, owner=answer_owner(request))
    result = run.result()
    response = JsonResponse(result)
    response["Server-Timing"] = server_timing(result["timings"])
    response["Cache-Control"] = "no-store"
    return response


@api_view(("POST",))
def ask_stream(request: HttpRequest) -> StreamingHttpResponse:
    question = parse_question(request)
    slot = open_stream(asker(request))
    if slot is None:
        wait = max(1, math.ceil(float(help_settings.DEADLINE)))  # a stream's usual length
        raise ApiError(
            429,
            "too_many_streams",
            f"At most {help_settings.MAX_STREAMS_PER_CLIENT} answers at once: "
            f"try again in {wait} s.",
            {"Retry-After": str(wait)},
        )
    try:
        run = Run.start(question, stream=True, owner=answer_owner(request))
    except BaseException:
        slot.release()
        raise
    response = StreamingHttpResponse(
        _ndjson(run.events(), slot.release), content_type="application/x-ndjson"
    )
    # Only the stages done before the first byte are known when headers leave.
    response["Server-Timing"] = server_timing(run.timings)
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each line on at once
    return response


def _ndjson(events: Iterator[dict[str, Any]], on_end: Callable[[], None]) -> Iterator[bytes]:
    """The events as NDJSON lines; ``on_end`` runs once the stream ends, and also when the
    server closes it early because its client went away."""
    try:
        for event in events:
            yield (json.dumps(event, ensure_ascii=False) + "\n").encode()
    finally:
        on_end()


@api_view(("GET",), rate="SUGGEST_RATE_LIMIT")
def suggest(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    limit = int(help_settings.MAX_QUESTION_CHARS)
    if len(query) > limit:
        raise ApiError(400, "question_too_long", f"A query has at most {limit} characters.")
    page_lang = request.GET.get("lang") or getattr(request, "LANGUAGE_CODE", None)
    lang = question_language(query, normalise_language(page_lang))
    path = request.GET.get("path", "")[:MAX_PATH_CHARS]
    version = articles_version()  # one read for the search and every snippet
    articles = search(query, lang, path, limit=SUGGEST_LIMIT, version=version) if query else []
    results = [
        {"title": a.title, "url": a.url, "snippet": snippet(a, query, version=version)}
        for a in articles
    ]
    response = JsonResponse({"results": results})
    response["Cache-Control"] = "private, max-age=60"
    return response


@api_view(("POST",))
def feedback(request: HttpRequest) -> HttpResponse:
    data = json_body(request)
    helpful = data.get("helpful")
    if not isinstance(helpful, bool):
        raise ApiError(400, "invalid_field", "'helpful' must be true or false.")
    comment = _optional_string(data, "comment", MAX_COMMENT_CHARS)
    reason = data.get("reason")
    if reason is not None and (helpful or reason not in HelpFeedback.Reason.values):
        raise ApiError(
            400,
            "invalid_field",
            "'reason' is only for an unhelpful answer: wrong, incomplete, outdated or other.",
        )
    try:
        query_id = uuid.UUID(str(data.get("id")))
    except ValueError as exc:
        raise ApiError(400, "invalid_field", "'id' must be the id of an answer.") from exc
    query = HelpQuery.objects.filter(pk=query_id).first()
    if query is None:  # its row may be on its way: the question log writes in the background
        query = question_log.wait_for(query_id, timeout=1.0)
    if query is None:
        raise ApiError(404, "not_found", "No answer has this id.")
    HelpFeedback.objects.create(
        query=query, helpful=helpful, reason=reason or "", comment=comment.strip()
    )
    return HttpResponse(status=204)


@api_view(("GET",), for_askers=False, rate=None)
def health_view(request: HttpRequest) -> HttpResponse:
    report = health()
    # The details (model, errors, breaker) are for staff and monitoring, not for anyone.
    if not may_read_metrics(request):
        report = {"status": report["status"]}
    response = JsonResponse(report)
    response["Cache-Control"] = "no-store"
    return response


@api_view(("GET",), for_askers=False, rate=None)
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not may_read_metrics(request):
        raise ApiError(403, "forbidden", "Metrics are for staff or the metrics token.")
    return HttpResponse(exposition(), content_type=CONTENT_TYPE)


def may_read_metrics(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        return True
    token = str(help_settings.METRICS_TOKEN or "")
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return (
        bool(token)
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.encode(), token.encode())
    )
