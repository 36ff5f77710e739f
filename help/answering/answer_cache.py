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
    path: str,
    hints: str,
    model: str,
    prompt_digest: str,
    articles_version: str,
) -> str:
    """The cache key of design.md section 6: made from the question as the model reads it
    (``clean``), folded only where that keeps its meaning (``fold_question``), so questions
    that differ only in case, Latin accents, punctuation or spacing share an answer and
    nothing else does."""
    parts = [
        fold_question(clean(question)),
        lang,
        path,
        hashlib.sha256(hints.encode()).hexdigest(),
        model,
        prompt_digest,
        articles_version,
    ]
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
    return ANSWER_PREFIX + digest[:40]


def get_answer(key: str) -> dict[str, Any] | None:
    if int(help_settings.CACHE_TTL) <= 0:  # 0 turns the answer cache off
        return None
    return cached_answer(safe_cache.get(key))


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
