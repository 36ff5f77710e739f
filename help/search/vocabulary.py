"""The site's vocabulary: groups of words and short phrases that name one thing or action.

A site owns it (``HELP["VOCABULARY"]``, the dotted path of a list of groups, e.g.
``[["devis", "offre de prix", "quote"], ["client", "customer"]]``). It is applied on the
query side only: a question's word or phrase found in a group also looks for the group's
other terms, at ``SYNONYM_WEIGHT`` of a match of its own forms. Its digest enters the
articles version, so a changed vocabulary gives new cache keys.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from django.utils.module_loading import import_string

from help.conf import help_settings
from help.search.word_forms import content_words, stem

logger = logging.getLogger(__name__)

SYNONYM_WEIGHT = 0.8

# Each term of the vocabulary as stems, with the other terms of its groups.
Phrases = Mapping[tuple[str, ...], tuple[tuple[str, ...], ...]]


class VocabularyError(ValueError):
    pass


# Hashed by identity: one object per configured path, looked up on every query.
@dataclass(frozen=True, eq=False)
class Vocabulary:
    # Each term as its content words, folded: ("offre", "prix"); every group's terms.
    groups: tuple[tuple[tuple[str, ...], ...], ...]
    digest: str

    def phrases(self, language: str) -> Phrases:
        """Each term as stems of ``language``, with the other terms of its groups."""
        return _stemmed(self, language)


@lru_cache(maxsize=16)
def _stemmed(
    vocabulary: Vocabulary, language: str
) -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    found: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for group in vocabulary.groups:
        stemmed = [tuple(stem(word, language) for word in term) for term in group]
        for phrase in stemmed:
            found.setdefault(phrase, []).extend(other for other in stemmed if other != phrase)
    return {phrase: tuple(dict.fromkeys(others)) for phrase, others in found.items()}


EMPTY = Vocabulary(groups=(), digest="")


def vocabulary() -> Vocabulary:
    """The configured vocabulary (read once per dotted path); empty when none is set, and
    when it is broken (the system check ``help.E009`` says why; search goes on without it)."""
    path = help_settings.VOCABULARY
    return _load(path) if path else EMPTY


@lru_cache(maxsize=8)
def _load(path: str) -> Vocabulary:
    try:
        return load_vocabulary(path)
    except VocabularyError as exc:
        logger.warning("help: %s; searching without the site's vocabulary", exc)
        return EMPTY


def load_vocabulary(path: str) -> Vocabulary:
    try:
        raw = import_string(path)
    except ImportError as exc:
        raise VocabularyError(f"HELP['VOCABULARY'] = {path!r} cannot be imported: {exc}") from exc
    return build_vocabulary(raw)


def build_vocabulary(raw: object) -> Vocabulary:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise VocabularyError("the vocabulary must be a list of groups of strings")
    groups = []
    for group in raw:
        if isinstance(group, str) or not all(isinstance(term, str) for term in group):
            raise VocabularyError(f"a group must be a list of strings, got {group!r}")
        terms = tuple(dict.fromkeys(t for t in (tuple(content_words(term)) for term in group) if t))
        if len(terms) > 1:
            groups.append(terms)
    encoded = json.dumps(groups, ensure_ascii=False).encode()
    return Vocabulary(groups=tuple(groups), digest=hashlib.sha256(encoded).hexdigest()[:12])
