from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class HelpConfig(AppConfig):
    name = "help"
    verbose_name = _("Help assistant")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from help import checks  # noqa: F401  (registers the system checks)
        from help.answering.curated import bump_curated_version
        from help.models import HelpArticle, HelpCuratedAnswer
        from help.ops.pre_answering import article_changed
        from help.search.version import bump_articles_version

        post_save.connect(bump_articles_version, HelpArticle, dispatch_uid="help-article-saved")
        post_delete.connect(bump_articles_version, HelpArticle, dispatch_uid="help-article-gone")
        # After the version's bump, so its commit stores the new version first.
        post_save.connect(article_changed, HelpArticle, dispatch_uid="help-article-pre-answer")
        post_delete.connect(article_changed, HelpArticle, dispatch_uid="help-article-gone-pre")
        for signal, uid in ((post_save, "saved"), (post_delete, "gone")):
            signal.connect(
                bump_curated_version, HelpCuratedAnswer, dispatch_uid=f"help-curated-{uid}"
            )
        m2m_changed.connect(
            bump_curated_version,
            HelpCuratedAnswer.articles.through,
            dispatch_uid="help-curated-cites",
        )
