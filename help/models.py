from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

LANGUAGES = [("fr", "Français"), ("en", "English")]


class HelpArticle(models.Model):
    """A help article written by the site owner; the assistant answers from these."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=120)
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="fr")
    body = models.TextField(_("body"), help_text=_("Markdown. Raw HTML is shown as text."))
    path_prefix = models.CharField(
        _("page path prefix"),
        max_length=200,
        blank=True,
        help_text=_("The URL path of the page this article documents, e.g. /clients/."),
    )
    questions = models.TextField(
        _("alternate questions"),
        blank=True,
        help_text=_(
            "One question per line, written the way users ask it: the search weighs them "
            "between the title and the body."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["language", "title"]
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")
        constraints = [
            models.UniqueConstraint(fields=["slug", "language"], name="help_article_slug_language"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"

    def get_absolute_url(self) -> str:
        url = reverse("help:article", kwargs={"slug": self.slug})
        return f"{url}?lang={self.language}"

    @property
    def question_list(self) -> list[str]:
        return [line.strip() for line in self.questions.splitlines() if line.strip()]


class HelpQuery(models.Model):
    """One question asked through the widget or the API, with how it was answered."""

    class Source(models.TextChoices):
        CACHE = "cache", _("cache")
        MODEL = "model", _("model")
        FALLBACK = "fallback", _("fallback")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)
    question = models.TextField(_("question"))
    path = models.CharField(_("page path"), max_length=500, blank=True)
    lang = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="fr")
    # Page structure only (the widget never sends field values); kept so the most asked
    # questions can be pre-answered under the same cache key as the widget's.
    hints = models.TextField(_("page hints"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    degraded = models.BooleanField(_("degraded"), default=False)
    error_kind = models.CharField(_("error kind"), max_length=40, blank=True, db_index=True)
    match = models.CharField(
        _("cache level"),
        max_length=10,
        blank=True,
        choices=[("exact", _("exact")), ("similar", _("similar")), ("curated", _("curated"))],
        help_text=_("Which cache level served a cached answer."),
    )
    model = models.CharField(_("model"), max_length=100, blank=True)
    top_score = models.FloatField(_("best article score"), default=0.0)
    # " slug-a slug-b ": the articles the answer was grounded in, searchable with a
    # plain ``contains`` on every database.
    cited_slugs = models.CharField(_("cited articles"), max_length=500, blank=True, default="")
    total_ms = models.FloatField(_("total (ms)"), default=0.0)
    timings = models.JSONField(_("stage timings (ms)"), default=dict, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["source", "created_at"])]

    def __str__(self) -> str:
        return self.question[:80]


class HelpFeedback(models.Model):
    """A user's verdict on one answer."""

    class Reason(models.TextChoices):
        WRONG = "wrong", _("wrong")
        INCOMPLETE = "incomplete", _("incomplete")
        OUTDATED = "outdated", _("out of date")
        OTHER = "other", _("other")

    query = models.ForeignKey(
        HelpQuery, verbose_name=_("question"), on_delete=models.CASCADE, related_name="feedback"
    )
    helpful = models.BooleanField(_("helpful"))
    # Why an answer was not helpful, when the user said (empty otherwise).
    reason = models.CharField(_("reason"), max_length=10, blank=True, choices=Reason.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{'+' if self.helpful else '-'} {self.query}"


class HelpDashboard(HelpQuery):
    """The admin dashboard's entry on the admin index: a proxy, so no table of its own."""

    class Meta:
        proxy = True
        verbose_name = _("dashboard")
        verbose_name_plural = _("dashboard")
        default_permissions = ("view",)


class HelpCuratedAnswer(models.Model):
    """An answer written or approved by staff, served before any cache or model when a
    question matches one of its phrasings (``help.answering.curated``). It never expires:
    it lives here, not in the cache."""

    question = models.CharField(
        _("question"), max_length=500, help_text=_("The main phrasing, as users ask it.")
    )
    phrasings = models.TextField(
        _("alternate phrasings"),
        blank=True,
        help_text=_(
            "One per line. A question is answered when it is one of these phrasings (case, "
            "accents and punctuation aside) or means the same (same things and actions, "
            "negation and numbers)."
        ),
    )
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="fr")
    path_prefix = models.CharField(
        _("page section"),
        max_length=200,
        blank=True,
        help_text=_("Only on pages under this path, e.g. /clients/; empty: on every page."),
    )
    answer = models.TextField(
        _("answer"),
        help_text=_(
            "Markdown, as the widget shows it: paragraphs, lists, **bold**, `code`, links "
            "to help articles."
        ),
    )
    articles = models.ManyToManyField(
        HelpArticle,
        verbose_name=_("cited articles"),
        blank=True,
        related_name="curated_answers",
        help_text=_("Listed under the answer; an edit of one marks the answer for review."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # An article it cites edited after this needs a person to read the answer again.
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["language", "question"]
        verbose_name = _("curated answer")
        verbose_name_plural = _("curated answers")

    def __str__(self) -> str:
        return f"{self.question[:80]} ({self.language})"

    @property
    def phrasing_list(self) -> list[str]:
        """The main question, then each alternate phrasing."""
        lines = [self.question, *self.phrasings.splitlines()]
        return [line.strip() for line in lines if line.strip()]

    def changed_articles(self) -> models.QuerySet[HelpArticle]:
        """The cited articles edited since the answer was last reviewed."""
        return self.articles.filter(updated_at__gt=self.reviewed_at)

    @staticmethod
    def review_needed() -> models.Exists:
        """For ``annotate(needs_review=...)``: an article it cites was edited after its last
        review. Computed in the query, so it is never out of date and needs no signal."""
        changed = HelpArticle.objects.filter(
            curated_answers=models.OuterRef("pk"), updated_at__gt=models.OuterRef("reviewed_at")
        )
        return models.Exists(changed)

    @classmethod
    def with_review_state(cls) -> models.QuerySet[HelpCuratedAnswer]:
        return cls.objects.annotate(needs_review=cls.review_needed())


class HelpTicket(models.Model):
    """A request for a person, made from the widget when an answer was not enough."""

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("ticket status", "new")
        ANSWERED = "answered", pgettext_lazy("ticket status", "answered")
        CLOSED = "closed", pgettext_lazy("ticket status", "closed")

    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW, db_index=True
    )
    message = models.TextField(_("message"))
    # The visitor's address, or a signed-in user's account address when the ticket was made.
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    path = models.CharField(_("page path"), max_length=500, blank=True)
    lang = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="fr")
    # [{"question": str, "answer": str}, ...], oldest first, as the widget showed it.
    thread = models.JSONField(_("conversation"), default=list, blank=True)
    query = models.ForeignKey(
        HelpQuery,
        verbose_name=_("answer that was not enough"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("support ticket")
        verbose_name_plural = _("support tickets")

    def __str__(self) -> str:
        return f"#{self.pk} {self.message[:60]}"
