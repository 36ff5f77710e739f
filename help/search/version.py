"""The articles version: one token that changes whenever an article does, in every cache key.

Kept in the shared cache so that every process agrees, and recomputed from the database
when missing. A bump forgets it at once and writes the new one once the edit is committed
(a request that read the database before the commit cannot keep the old one: readers only
``add``, the commit ``set``s), and every stored version expires after ``VERSION_TTL``, so a
bump lost to a cache outage heals by itself. Reads go through the fail-safe wrapper: a
frozen or dead Redis costs one short timeout per back-off window, never a page.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction

from help.models import HelpArticle
from help.search.vocabulary import vocabulary
from help.shared_state.safe_cache import safe_cache

VERSION_KEY = "help:articles-version"
VERSION_TTL = 60.0


def articles_version() -> str:
    """A short token that changes whenever an article is added, edited or deleted, or the
    site's vocabulary changes."""
    return read_versions()[0]


def read_versions(*others: str) -> tuple[str, dict[str, Any]]:
    """``articles_version()`` and what the shared cache holds at ``others`` (versions kept
    beside it), in one round trip."""
    stored = safe_cache.get_many([VERSION_KEY, *others])
    version = stored.get(VERSION_KEY)
    if not isinstance(version, str):
        version = compute_articles_version()
        safe_cache.add(VERSION_KEY, version, VERSION_TTL)
    return version + vocabulary().digest, stored


def compute_articles_version() -> str:
    """A fingerprint of every article's id and last edit: equal versions, equal articles."""
    digest = hashlib.blake2b(digest_size=8)
    for pk, updated_at in HelpArticle.objects.order_by("pk").values_list("pk", "updated_at"):
        digest.update(f"{pk}:{updated_at.timestamp()};".encode())
    return digest.hexdigest()


def bump_articles_version(using: str | None = None, **kwargs: Any) -> None:
    """Signal receiver: forget the version now (the editing transaction itself reads the new
    one), and store the new one once the edit is committed, over any old version that a
    request reading the database before the commit may have stored meanwhile."""
    safe_cache.delete(VERSION_KEY)
    transaction.on_commit(store_articles_version, using=using)


def store_articles_version() -> None:
    safe_cache.set(VERSION_KEY, compute_articles_version(), VERSION_TTL)
