"""The answers' third level: curated answers, written or promoted by staff in the admin.

A curated answer (``HelpCuratedAnswer``) is served, before any cache or model, to a question
that is one of its phrasings as the exact cache compares text (``fold_question(clean(...))``)
or that means the same as one of them (``help.answering.meaning.signature``: same concepts,
negation and numbers), in its language, on a page of its section when it has one. It lives
in the database, so it never expires and survives a cache clear.

Lookups never query the database: each process keeps every active curated answer in a table
keyed by folded text and by signature, rebuilt when its token changes. The token is the
"curated version" kept in the shared cache (bumped on save, delete and a change of cited
articles, like the articles version: forgotten at once, stored again on commit, expiring
after ``VERSION_TTL`` so a bump lost to an outage heals by itself) joined to the articles
version (an article's title or URL is in the sources; the vocabulary shapes signatures).
Both are read in one round trip. Curated answers do not bump the articles version, which
would empty every answer cache for an edit that only adds a level above them.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from help.answering.meaning import Signature, signature
from help.answering.scope import PAGE, SITE
from help.models import HelpCuratedAnswer
from help.search.languages import normalise_language
from help.search.text import clean, fold_question
from help.search.version import VERSION_KEY, VERSION_TTL, articles_version
from help.search.vocabulary import vocabulary
from help.shared_state.safe_cache import safe_cache

CURATED_VERSION_KEY = "help:curated-version"
# While the shared cache is down, a table checked this recently is trusted without a check.
OUTAGE_TRUST = 60.0


@dataclass(frozen=True)
class CuratedHit:
    id: int
    answer: str
    sources: list[dict[str, str]]  # [{"title", "url"}], the cited articles
    slugs: tuple[str, ...]
    match: str  # "exact": one of its phrasings; "similar": means the same as one
    scope: str  # "page" when tied to a section of the site, else "site"

    def as_entry(self) -> dict[str, Any]:
        """As a cached answer entry, for the pipeline."""
        return {"answer": self.answer, "sources": self.sources, "slugs": list(self.slugs)}


@dataclass(frozen=True)
class _Entry:
    id: int
    section: str  # a path prefix; "" (or "/") for every page
    answer: str
    sources: tuple[tuple[str, str], ...]
    slugs: tuple[str, ...]

    def covers(self, path: str) -> bool:
        prefix = self.section.rstrip("/")
        return not prefix or path == prefix or path.startswith(prefix + "/")

    def hit(self, match: str) -> CuratedHit:
        sources = [{"title": title, "url": url} for title, url in self.sources]
        scope = PAGE if self.section.strip("/") else SITE
        return CuratedHit(self.id, self.answer, sources, self.slugs, match, scope)


@dataclass
class _Table:
    token: str
    # Most specific section first, then the latest edited: the first covering entry wins.
    exact: dict[tuple[str, str], list[_Entry]]
    similar: dict[tuple[str, Signature], list[_Entry]]
    checked: float = field(default_factory=time.monotonic)


_lock = threading.Lock()
_table: _Table | None = None


def find_curated(
    question: str,
    lang: str,
    path: str,
    *,
    version: str | None = None,
    stored: dict[str, Any] | None = None,
) -> CuratedHit | None:
    """The active curated answer for ``question`` asked in ``lang`` on ``path``, if any.

    ``version``: the articles version when the caller has just read it (the curated version
    is then the only cache read); ``stored``: what it read with it, when it read the curated
    version too (``read_versions(CURATED_VERSION_KEY)``): no cache read at all."""
    table = _current_table(version, stored)
    if not table.exact:
        return None
    lang = normalise_language(lang)
    found = _first(table.exact.get((lang, fold_question(clean(question))), []), path)
    if found is not None:
        return found.hit("exact")
    meant = signature(question, lang) if table.similar else None  # it costs more: last
    found = _first(table.similar.get((lang, meant), []), path) if meant else None
    return found.hit("similar") if found is not None else None


def _first(entries: list[_Entry], path: str) -> _Entry | None:
    return next((entry for entry in entries if entry.covers(path)), None)


def _current_table(version: str | None, stored: dict[str, Any] | None) -> _Table:
    global _table
    if stored is None or version is None:
        keys = [CURATED_VERSION_KEY] if version else [CURATED_VERSION_KEY, VERSION_KEY]
        stored = safe_cache.get_many(keys)
    table = _table
    if not safe_cache.available and table and time.monotonic() - table.checked < OUTAGE_TRUST:
        return table  # the cache is down: no database query per question meanwhile
    token = _token(stored, version)
    if table is None or table.token != token:
        with _lock:
            if _table is None or _table.token != token:
                _table = _build(token)
            table = _table
    elif not safe_cache.available:
        table.checked = time.monotonic()
    return table


def _token(stored: dict[str, Any], version: str | None) -> str:
    curated = stored.get(CURATED_VERSION_KEY)
    if not isinstance(curated, str):
        curated = compute_curated_version()
        safe_cache.add(CURATED_VERSION_KEY, curated, VERSION_TTL)
    if version is None:
        articles = stored.get(VERSION_KEY)
        # What articles_version() returns, without reading the cache a second time.
        version = articles + vocabulary().digest if isinstance(articles, str) else None
    return f"{curated}:{version or articles_version()}"


def _build(token: str) -> _Table:
    exact: defaultdict[tuple[str, str], list[_Entry]] = defaultdict(list)
    similar: defaultdict[tuple[str, Signature], list[_Entry]] = defaultdict(list)
    rows = HelpCuratedAnswer.objects.filter(active=True).prefetch_related("articles")
    for row in sorted(rows, key=lambda row: (-len(row.path_prefix), -row.updated_at.timestamp())):
        articles = list(row.articles.all())
        entry = _Entry(
            id=row.pk,
            section=row.path_prefix,
            answer=row.answer,
            sources=tuple((article.title, article.get_absolute_url()) for article in articles),
            slugs=tuple(article.slug for article in articles),
        )
        phrasings = row.phrasing_list
        for text in {fold_question(clean(phrasing)) for phrasing in phrasings} - {""}:
            exact[(row.language, text)].append(entry)
        for meant in {signature(phrasing, row.language) for phrasing in phrasings}:
            if meant is not None:  # no concept, or text concepts do not capture: exact only
                similar[(row.language, meant)].append(entry)
    return _Table(token, dict(exact), dict(similar))


def compute_curated_version() -> str:
    """A fingerprint of every curated answer's id, last edit and cited articles (one query)."""
    digest = hashlib.blake2b(digest_size=8)
    rows = HelpCuratedAnswer.objects.order_by("pk", "articles").values_list(
        "pk", "updated_at", "articles"
    )
    for pk, updated_at, article in rows:
        digest.update(f"{pk}:{updated_at.timestamp()}:{article};".encode())
    return digest.hexdigest()


def bump_curated_version(using: str | None = None, **kwargs: Any) -> None:
    """Signal receiver: forget the version now, store the new one once the edit is committed
    (over any old one a request reading the database before the commit stored meanwhile)."""
    if not kwargs.get("action", "post_").startswith("post_"):  # m2m_changed: after only
        return
    safe_cache.delete(CURATED_VERSION_KEY)
    transaction.on_commit(store_curated_version, using=using)


def store_curated_version() -> None:
    safe_cache.set(CURATED_VERSION_KEY, compute_curated_version(), VERSION_TTL)
