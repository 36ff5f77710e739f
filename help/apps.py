from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class HelpConfig(AppConfig):
    name = "help"
    verbose_name = _("Help assistant")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from help import checks  # noqa: F401  (registers the system checks)
        from help.models import HelpArticle
        from help.search.version import bump_articles_version

        post_save.connect(bump_articles_version, HelpArticle, dispatch_uid="help-article-saved")
        post_delete.connect(bump_articles_version, HelpArticle, dispatch_uid="help-article-gone")
