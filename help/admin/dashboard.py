"""The admin dashboard page and its actions; the admin wires them in (help/admin.py).

Every action reports through django.contrib.messages, failures included: an operator
pressing "warm the model" with Ollama down needs to read why, not a 500.

"add_question" is how the assistant learns from its log: a person picks a logged question
and the article that answers it, and the question joins the article's alternate questions.
It needs the permission to change articles besides the dashboard's, and is recorded in the
article's admin history.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from help.admin.chart import build_chart
from help.admin.figures import WINDOWS, figures, window_name
from help.admin.learning import alternate_question, has_question
from help.answering.answer_cache import clear_answers
from help.conf import ollama_models
from help.models import HelpArticle, HelpQuery
from help.ollama.errors import OllamaError
from help.ops import warmup
from help.search.text import fold
from help.shared_state.safe_cache import safe_cache

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    from help.models import HelpDashboard

logger = logging.getLogger(__name__)

PRE_ANSWER_COUNT = 10
# The help admin pages' own styles (dashboard, articles, question log, curated answers).
ADMIN_MEDIA = {"all": ["help/admin.css"]}
M = TypeVar("M", bound=Model)


def dashboard_view(request: HttpRequest, model_admin: ModelAdmin[HelpDashboard]) -> HttpResponse:
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, _("Unknown action."))
        else:
            action(request)
        # Back to the page (and its window) with a GET, so a reload does not act twice.
        return HttpResponseRedirect(request.get_full_path())
    window = window_name(request.GET.get("window"))
    data = figures(window)
    windows = [(name, _window_label(name)) for name in WINDOWS]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Help assistant dashboard"),
        "opts": model_admin.model._meta,
        "figures": data,
        "chart": build_chart(data.traffic.buckets) if data.traffic else None,
        "windows": windows,
        "window_label": dict(windows)[window],
        "pre_answer_count": PRE_ANSWER_COUNT,
        "can_add_questions": can_change_articles(request),
    }
    return TemplateResponse(request, "admin/help/dashboard.html", context)


def _window_label(name: str) -> str:
    return {"1h": _("Last hour"), "24h": _("Last 24 hours"), "7d": _("Last 7 days")}[name]


def clear_cache(request: HttpRequest) -> None:
    try:
        removed = clear_answers()
    except Exception as exc:  # any cache backend error means "the cache is down"
        logger.warning("help: clearing the answer cache failed: %s", exc)
        messages.error(request, _("The cache is unavailable; nothing was cleared."))
        return
    if removed is None:
        messages.success(request, _("The cache was cleared."))
    else:
        messages.success(
            request,
            ngettext(
                "Cleared %(count)d cached answer.", "Cleared %(count)d cached answers.", removed
            )
            % {"count": removed},
        )


def warm_model(request: HttpRequest) -> None:
    """Load each model of the chain, a message each."""
    for model in ollama_models():
        _warm(request, model)


def _warm(request: HttpRequest, model: str) -> None:
    try:
        result = warmup.warm_model(model)
    except OllamaError as exc:
        logger.warning("help: warming %s failed: %s", model, exc)
        messages.error(
            request,
            _("Could not load %(model)s: %(error)s.") % {"model": model, "error": _error_text(exc)},
        )
        return
    loaded = {"model": result.model, "seconds": formats.number_format(result.seconds, 1)}
    if not result.loaded:
        messages.warning(
            request,
            _("%(model)s answered in %(seconds)s s but Ollama does not list it as loaded.")
            % loaded,
        )
        return
    expiry = _parse_expiry(result.expires_at)
    if expiry is None:
        messages.success(request, _("%(model)s loaded in %(seconds)s s.") % loaded)
    else:
        messages.success(
            request,
            _("%(model)s loaded in %(seconds)s s; it stays loaded until %(expiry)s.")
            % {**loaded, "expiry": formats.date_format(expiry, "DATETIME_FORMAT")},
        )


def pre_answer(request: HttpRequest) -> None:
    if not safe_cache.ping():
        messages.error(request, _("The cache is unavailable; answers cannot be stored."))
        return
    questions = warmup.most_asked(PRE_ANSWER_COUNT)
    sources = warmup.pre_answer(questions)
    counts = {
        "model": sources.get("model", 0),
        "cache": sources.get("cache", 0),
        "fallback": sources.get("fallback", 0),
    }
    text = ngettext(
        "Pre-answered %(total)d question: %(model)d by the model, "
        "%(cache)d already cached, %(fallback)d without the model.",
        "Pre-answered %(total)d questions: %(model)d by the model, "
        "%(cache)d already cached, %(fallback)d without the model.",
        len(questions),
    ) % {"total": len(questions), **counts}
    level = messages.WARNING if counts["fallback"] else messages.SUCCESS
    messages.add_message(request, level, text)


def can_change_articles(request: HttpRequest) -> bool:
    return request.user.has_perm("help.change_helparticle")


def add_question(request: HttpRequest) -> None:
    """Adds a logged question to an article's alternate questions, once."""
    user_id = request.user.pk
    if user_id is None or not can_change_articles(request):
        messages.error(request, _("You are not allowed to change help articles."))
        return
    query = _first(HelpQuery.objects.all(), request.POST.get("query"))
    if query is None:
        messages.error(request, _("That question is no longer in the log."))
        return
    question = alternate_question(query.question)
    if not fold(question):
        messages.error(request, _("That question has no words to add."))
        return
    with transaction.atomic():
        article = _first(HelpArticle.objects.select_for_update(), request.POST.get("article"))
        if article is None:
            messages.error(request, _("That help article no longer exists."))
            return
        names = {"question": question, "article": article.title}
        if has_question(article, question):
            messages.info(
                request,
                _("«%(question)s» is already an alternate question of «%(article)s».") % names,
            )
            return
        existing = article.questions.rstrip()
        article.questions = f"{existing}\n{question}" if existing else question
        # Saved through the ORM: the articles version is bumped, and every index rebuilt.
        article.save(update_fields=["questions", "updated_at"])
        with override(None):  # stored untranslated, as the admin's own change messages
            field = str(capfirst(HelpArticle._meta.get_field("questions").verbose_name))
        LogEntry.objects.log_actions(
            user_id,
            [article],
            CHANGE,
            change_message=[{"changed": {"fields": [field]}}],
            single_object=True,
        )
    logger.info("help: alternate question added to article %s (%s)", article.pk, article.slug)
    messages.success(request, _("Added «%(question)s» to «%(article)s».") % names)


def _first(rows: QuerySet[M], pk: str | None) -> M | None:
    """The row with this primary key, or None for a missing or malformed one."""
    try:
        return rows.filter(pk=pk).first() if pk else None
    except (ValueError, ValidationError):
        return None


def _error_text(exc: OllamaError) -> str:
    return {
        "unreachable": _("Ollama is unreachable"),
        "timeout": _("Ollama did not answer in time"),
        "model_missing": _("the model is not on the Ollama server"),
        "overloaded": _("Ollama is overloaded"),
    }.get(exc.kind, exc.kind)


def _parse_expiry(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment and timezone.is_aware(moment) else None


ACTIONS: dict[str, Callable[[HttpRequest], None]] = {
    "clear_cache": clear_cache,
    "warm_model": warm_model,
    "pre_answer": pre_answer,
    "add_question": add_question,
}
