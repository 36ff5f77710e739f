from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import linebreaksbr, truncatechars
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from help.admin.curated import promote
from help.admin.dashboard import ADMIN_MEDIA, dashboard_view
from help.models import (
    HelpArticle,
    HelpDashboard,
    HelpFeedback,
    HelpQuery,
)
from help.views.markdown import render_markdown

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CITED_LIMIT = 20


class ReadOnlyMixin:
    """A log: staff with the view permission read it; nobody writes it from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ValuesFilter(admin.SimpleListFilter):
    """The distinct values of a text field, its blank value shown as "(none)"."""

    field = ""
    BLANK = "-"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, StrOrPromise]]:
        values = (
            model_admin.get_queryset(request)
            .order_by(self.field)
            .values_list(self.field, flat=True)
            .distinct()
        )
        return [(value or self.BLANK, value or _("(none)")) for value in values]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(**{self.field: "" if value == self.BLANK else value})


class ErrorKindFilter(ValuesFilter):
    title = _("error kind")
    parameter_name = field = "error_kind"


class PathFilter(ValuesFilter):
    title = _("page path")
    parameter_name = field = "path"


@admin.register(HelpArticle)
class HelpArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "language", "path_prefix", "updated_at"]
    list_filter = ["language"]
    search_fields = ["title", "slug", "body", "questions", "path_prefix"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["updated_at", "preview", "cited_by"]
    ordering = ["slug", "language"]

    class Media:
        css = ADMIN_MEDIA

    def get_fields(self, request: HttpRequest, obj: HelpArticle | None = None) -> tuple[str, ...]:
        fields = ("title", "slug", "language", "path_prefix", "body", "questions", "updated_at")
        # A new article has nothing to preview and no question has cited it yet.
        return fields if obj is None else (*fields, "preview", "cited_by")

    @admin.display(description=_("preview"))
    def preview(self, article: HelpArticle) -> SafeString:
        return format_html(
            '<div class="help-admin-preview" lang="{}">{}</div>',
            article.language,
            render_markdown(article.body),
        )

    @admin.display(description=_("questions that cited it"))
    def cited_by(self, article: HelpArticle) -> SafeString:
        # Retrieval answers in the question's language, or in the other one when the
        # question's language has no article at all.
        languages = HelpArticle.objects.values_list("language", flat=True).distinct()
        queries = HelpQuery.objects.filter(
            Q(lang=article.language) | ~Q(lang__in=list(languages)),
            cited_slugs__contains=f" {article.slug} ",
        )
        return render_to_string(
            "admin/help/cited_by.html",
            {"queries": queries[:CITED_LIMIT], "total": queries.count()},
        )


class FeedbackInline(ReadOnlyMixin, admin.TabularInline):
    model = HelpFeedback
    fields = ("created_at", "helpful", "comment")
    readonly_fields = fields
    extra = 0


@admin.register(HelpQuery)
class HelpQueryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "short_question",
        "lang",
        "path",
        "source",
        "degraded",
        "error_kind",
        "total",
    ]
    list_filter = ["source", "degraded", ErrorKindFilter, PathFilter, "lang"]
    date_hierarchy = "created_at"
    search_fields = ["question", "answer", "path"]
    fields = [
        "created_at",
        "question",
        "lang",
        "path",
        "hints",
        "answer",
        "source",
        "degraded",
        "error_kind",
        "model",
        "score",
        "cited_articles",
        "total",
        "stage_timings",
        "user",
    ]
    readonly_fields = ["score", "cited_articles", "total", "stage_timings"]
    inlines = [FeedbackInline]
    list_per_page = 50
    actions = ["promote"]

    class Media:
        css = ADMIN_MEDIA

    def has_promote_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("help.add_helpcuratedanswer")

    @admin.action(description=_("Promote to a curated answer"), permissions=["promote"])
    def promote(
        self, request: HttpRequest, queryset: QuerySet[HelpQuery]
    ) -> HttpResponseRedirect | None:
        return promote(self, request, list(queryset[:2]))

    @admin.display(description=_("question"), ordering="question")
    def short_question(self, query: HelpQuery) -> str:
        return truncatechars(query.question, 80)

    @admin.display(description=_("total (ms)"), ordering="total_ms")
    def total(self, query: HelpQuery) -> str:
        return formats.number_format(query.total_ms, 0)

    @admin.display(description=_("best article score"), ordering="top_score")
    def score(self, query: HelpQuery) -> str:
        return formats.number_format(query.top_score, 2)

    @admin.display(description=_("cited articles"))
    def cited_articles(self, query: HelpQuery) -> SafeString | str:
        slugs = query.cited_slugs.split()
        articles = HelpArticle.objects.filter(slug__in=slugs).order_by("language", "title")
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            ((reverse("admin:help_helparticle_change", args=[a.pk]), a) for a in articles),
        )
        return links or "–"

    @admin.display(description=_("stage timings (ms)"))
    def stage_timings(self, query: HelpQuery) -> SafeString | str:
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td></tr>",
            (
                (stage.removesuffix("_ms"), formats.number_format(ms, 1))
                for stage, ms in query.timings.items()
            ),
        )
        return format_html('<table class="help-admin-timings">{}</table>', rows) if rows else "–"


@admin.register(HelpFeedback)
class HelpFeedbackAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "helpful", "reason", "short_question", "short_answer", "comment"]
    list_filter = ["helpful", "reason", "created_at"]
    list_select_related = ["query"]
    search_fields = ["comment", "query__question", "query__answer"]
    fields = ["created_at", "helpful", "reason", "comment", "query", "question", "answer"]
    readonly_fields = ["question", "answer"]
    actions = ["promote"]

    def has_promote_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("help.add_helpcuratedanswer")

    @admin.action(description=_("Promote to a curated answer"), permissions=["promote"])
    def promote(
        self, request: HttpRequest, queryset: QuerySet[HelpFeedback]
    ) -> HttpResponseRedirect | None:
        chosen = list(queryset.select_related("query")[:2])
        if any(not feedback.helpful for feedback in chosen):
            self.message_user(
                request, _("Only an answer marked helpful can be promoted."), messages.WARNING
            )
            return None
        return promote(self, request, [feedback.query for feedback in chosen])

    @admin.display(description=_("question"))
    def short_question(self, feedback: HelpFeedback) -> str:
        return truncatechars(feedback.query.question, 80)

    @admin.display(description=_("answer"))
    def short_answer(self, feedback: HelpFeedback) -> str:
        return truncatechars(feedback.query.answer, 160)

    @admin.display(description=_("question"))
    def question(self, feedback: HelpFeedback) -> str:
        return feedback.query.question

    @admin.display(description=_("answer"))
    def answer(self, feedback: HelpFeedback) -> SafeString:
        return linebreaksbr(feedback.query.answer)


@admin.register(HelpDashboard)
class HelpDashboardAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The dashboard, reached from the admin index through its proxy model's entry."""

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view(self.changelist_view)
        return [path("", view, name="{}_{}_changelist".format(*info))]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return dashboard_view(request, self)
