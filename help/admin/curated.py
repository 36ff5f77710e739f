"""The admin of curated answers: written by staff, or promoted from the question log or
from a helpful answer; flagged when an article they cite has changed since review."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from help.admin.dashboard import ADMIN_MEDIA
from help.models import (
    HelpArticle,
    HelpCuratedAnswer,
    HelpQuery,
)
from help.views.markdown import render_markdown

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def promote(
    model_admin: admin.ModelAdmin[Any], request: HttpRequest, queries: list[HelpQuery]
) -> HttpResponseRedirect | None:
    """To the curated answer form, pre-filled from one logged question and its answer:
    nothing is created until the staff member has edited and saved it."""
    if len(queries) != 1:
        model_admin.message_user(request, _("Select one question to promote."), messages.WARNING)
        return None
    url = reverse("admin:help_helpcuratedanswer_add")
    return HttpResponseRedirect(f"{url}?{urlencode({'from_query': str(queries[0].pk)})}")


def promoted_initial(request: HttpRequest) -> dict[str, Any]:
    """The curated answer form's initial values from ``?from_query=<id>``, for staff who may
    read the question log."""
    try:
        query_id = uuid.UUID(request.GET.get("from_query", ""))
    except ValueError:
        return {}
    query = HelpQuery.objects.filter(pk=query_id).first()
    if query is None or not request.user.has_perm("help.view_helpquery"):
        return {}
    cited = list(HelpArticle.objects.filter(slug__in=query.cited_slugs.split()))
    same_language = [article for article in cited if article.language == query.lang]
    section = query.path.strip("/").split("/", 1)[0]
    return {
        "question": query.question[:500],
        "language": query.lang,
        "path_prefix": f"/{section}/" if section else "",  # the page's section; empty: anywhere
        "answer": query.answer,
        "articles": [article.pk for article in same_language or cited],
    }


CURATED_FIELDS = (
    "question", "phrasings", "language", "path_prefix", "answer", "articles", "active",
)  # fmt: skip
CURATED_HISTORY = (
    "created_at", "created_by", "updated_at", "updated_by", "reviewed_at", "reviewed_by",
)  # fmt: skip


class NeedsReviewFilter(admin.SimpleListFilter):
    title = _("needs review")
    parameter_name = "needs_review"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, StrOrPromise]]:
        return [("1", _("Yes")), ("0", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset if value is None else queryset.filter(needs_review=value == "1")


@admin.register(HelpCuratedAnswer)
class HelpCuratedAnswerAdmin(admin.ModelAdmin):
    list_display = [
        "short_question", "language", "path_prefix", "active", "review_flag", "updated_at",
        "updated_by",
    ]  # fmt: skip
    list_filter = ["language", NeedsReviewFilter, "active"]
    list_select_related = ["updated_by"]
    search_fields = ["question", "phrasings", "answer"]
    autocomplete_fields = ["articles"]
    actions = ["mark_reviewed"]
    readonly_fields = ["preview", "changed_articles", *CURATED_HISTORY]

    class Media:
        css = ADMIN_MEDIA

    def get_queryset(self, request: HttpRequest) -> QuerySet[HelpCuratedAnswer]:
        queryset: QuerySet[HelpCuratedAnswer] = super().get_queryset(request)
        return queryset.annotate(needs_review=HelpCuratedAnswer.review_needed())

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        # A new answer has nothing to preview yet and no review to compare with.
        if obj is None:
            return CURATED_FIELDS
        return (*CURATED_FIELDS, "preview", "changed_articles", *CURATED_HISTORY)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().get_changeform_initial_data(request), **promoted_initial(request)}

    def save_model(
        self, request: HttpRequest, obj: HelpCuratedAnswer, form: Any, change: bool
    ) -> None:
        # Whoever saves it has read it, with the articles changed since shown above it.
        user = request.user if request.user.is_authenticated else None
        if not change:
            obj.created_by = user
        obj.updated_by = obj.reviewed_by = user
        obj.reviewed_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.display(description=_("question"), ordering="question")
    def short_question(self, answer: HelpCuratedAnswer) -> str:
        return truncatechars(answer.question, 80)

    @admin.display(description=_("needs review"), ordering="needs_review")
    def review_flag(self, answer: HelpCuratedAnswer) -> SafeString | str:
        # Words, not a colour or an icon alone.
        if getattr(answer, "needs_review", False):
            return format_html("⚠ {}", _("a cited article changed"))
        return "–"

    @admin.display(description=_("preview"))
    def preview(self, answer: HelpCuratedAnswer) -> SafeString:
        return format_html(
            '<div class="help-admin-preview" lang="{}">{}</div>',
            answer.language,
            render_markdown(answer.answer),
        )

    @admin.display(description=_("cited articles changed since the last review"))
    def changed_articles(self, answer: HelpCuratedAnswer) -> SafeString | str:
        changed = answer.changed_articles().order_by("language", "title")
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:help_helparticle_change", args=[article.pk]),
                    article,
                    formats.date_format(timezone.localtime(article.updated_at), "DATETIME_FORMAT"),
                )
                for article in changed
            ),
        )
        return links or "–"

    @admin.action(description=_("Mark reviewed"), permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[HelpCuratedAnswer]) -> None:
        chosen = list(queryset)
        HelpCuratedAnswer.objects.filter(pk__in=[answer.pk for answer in chosen]).update(
            reviewed_at=timezone.now(), reviewed_by=request.user
        )
        for answer in chosen:
            self.log_change(request, answer, [{"changed": {"fields": ["reviewed at"]}}])
        count = len(chosen)
        self.message_user(
            request,
            ngettext(
                "%(count)d curated answer marked reviewed.",
                "%(count)d curated answers marked reviewed.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
