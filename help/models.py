from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

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
