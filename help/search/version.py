"""The articles version: one token that changes whenever an article does, in every cache key."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.cache import caches

from help.conf import help_settings
from help.models import HelpArticle

logger = logging.getLogger(__name__)

VERSION_KEY = "help:articles-version"


def articles_version() -> str:
    """A short token that changes whenever an article is added, edited or deleted.

    Kept in the shared cache (so every process agrees) and recomputed from the
    database when missing; a cache failure falls back to the database.
    """
    cache = caches[help_settings.CACHE_ALIAS]
    try:
        version: str | None = cache.get(VERSION_KEY)
    except Exception:  # a cache outage must not break pages
        logger.warning("help: cache unavailable reading the articles version", exc_info=True)
        return compute_articles_version()
    if version is None:
        version = compute_articles_version()
        try:
            cache.set(VERSION_KEY, version, timeout=None)
        except Exception:
            logger.warning("help: cache unavailable storing the articles version", exc_info=True)
    return version


def compute_articles_version() -> str:
    """A fingerprint of every article's id and last edit: equal versions, equal articles."""
    digest = hashlib.blake2b(digest_size=8)
    for pk, updated_at in HelpArticle.objects.order_by("pk").values_list("pk", "updated_at"):
        digest.update(f"{pk}:{updated_at.timestamp()};".encode())
    return digest.hexdigest()


def forget_articles_version(**kwargs: Any) -> None:
    """Signal receiver: the next read recomputes the version from the database."""
    try:
        caches[help_settings.CACHE_ALIAS].delete(VERSION_KEY)
    except Exception:
        logger.warning("help: cache unavailable; articles version not bumped", exc_info=True)
