from __future__ import annotations

from django.contrib import admin

from help.models import HelpArticle


@admin.register(HelpArticle)
class HelpArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "language", "path_prefix", "updated_at"]
    list_filter = ["language"]
    search_fields = ["title", "slug", "body", "path_prefix"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["updated_at"]
    ordering = ["slug", "language"]
