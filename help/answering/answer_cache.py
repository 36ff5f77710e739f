"""The exact answer cache: the key of design.md section 6, and reading, storing, clearing."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from help.answering.meaning import MEANING_PREFIX
from help.conf import help_settings
from help.search.text import clean, fold_question
from help.shared_state.safe_cache import safe_cache
from help.shared_state.single_flight import cached_answer

ANSWER_PREFIX = "help:answer:"


def answer_key(
    *,
    question: str,
    lang: str,
    scope: str,
    path: str,
    hints: str,
    model: str,
    prompt_digest: str,
    articles_version: str,
    context_digest: str = "",
) -> str:
    """The cache key of design.md section 6: made from the question as the model reads it
    (``clean``), folded only where that keeps its meaning (``fold_question``), so questions
    that differ only in case, Latin accents, punctuation or spacing share an answer and
    nothing else does.

    A "site" answer (``help.answering.scope``) is the same on every page: its key leaves the
    page's path and hints out. ``context_digest``: a follow-up's (``follow_ups``), the turns
    that shaped its answer; a question that stands alone has none, whatever was sent with
    it, and shares its key with everyone who asked it."""
    page = [path, hashlib.sha256(hints.encode()).hexdigest()] if scope == "page" else []
    parts = [
        fold_question(clean(question)),
        lang,
        scope,
        *page,
        model,
        prompt_digest,
        articles_version,
        *([context_digest] if context_digest else []),
    ]
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
    return ANSWER_PREFIX + digest[:40]


def get_answer(key: str) -> dict[str, Any] | None:
    if int(help_settings.CACHE_TTL) <= 0:  # 0 turns the answer cache off
        return None
    return cached_answer(safe_cache.get(key))


def get_answers(keys: list[str]) -> dict[str, dict[str, Any]]:
    """The answers stored under ``keys``, in one round trip."""
    if int(help_settings.CACHE_TTL) <= 0 or not keys:
        return {}
    found = safe_cache.get_many(keys)
    return {key: entry for key in keys if (entry := cached_answer(found.get(key))) is not None}


def store_answer(key: str, entry: dict[str, Any]) -> None:
    if int(help_settings.CACHE_TTL) > 0:
        safe_cache.set(key, entry, help_settings.CACHE_TTL)


def clear_answers() -> int | None:
    """Forget every cached answer, both levels; the number removed when the backend can tell.

    On django-redis only the answer keys go (a SCAN for their prefix); any other backend
    has no pattern delete, so the whole cache is cleared.
    """
    backend = safe_cache.backend
    if hasattr(backend, "delete_pattern"):
        backend.delete_pattern(f"{MEANING_PREFIX}*")  # the same answers, by meaning
        removed: int = backend.delete_pattern(f"{ANSWER_PREFIX}*")
        return removed
    backend.clear()
    return None
