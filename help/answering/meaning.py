"""The answers' second cache level: answers shared by meaning, served only when verified.

"comment ajouter un nouveau client" can take the answer of "Comment créer un client ?":
both are about the same concepts (``help.search.query.concepts``: words and phrases named
by their vocabulary group), asked in the same language on the same section of the site,
and find the same top articles in the same version. The meaning key is made of exactly
that, plus the guards that keep apart what looks alike and is not:

* a negation ("je ne peux pas créer de client" is a problem, not a how-to);
* numbers and comparison signs ("stock < 10" against "stock > 10");
* a different action or object is a different concept already ("supprimer" a client).

A hit is served only when the entry found rests on the very article this question found
first (its top article, in the same articles version).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from help.conf import help_settings
from help.search.index import ScoredArticle
from help.search.query import concepts
from help.search.text import clean, fold_question, words
from help.shared_state.safe_cache import safe_cache
from help.shared_state.single_flight import cached_answer

MEANING_PREFIX = "help:meaning:"

NEGATIONS = frozenset({
    "ne", "n", "pas", "jamais", "sans", "aucun", "aucune", "rien", "impossible",
    "not", "no", "never", "without", "cannot", "cant", "can't", "dont", "don", "nothing",
})  # fmt: skip
# Digits, and the signs that change what a number means.
_QUANTITY = re.compile(r"\d+|[<>=≠≤≥±%+−-]")
# A character of a folded question that is neither a Latin letter, a digit nor a quantity.
_UNCAPTURED = re.compile(r"[^a-z0-9<>=≠≤≥±%+−-]")


@dataclass(frozen=True)
class Meaning:
    key: str
    concepts: frozenset[str]
    slugs: tuple[str, ...]


@dataclass(frozen=True)
class Signature:
    """What a question means, whatever its wording, with its guards."""

    concepts: frozenset[str]
    negated: bool
    quantities: tuple[str, ...]  # its numbers and comparison signs, in order


def signature(question: str, lang: str) -> Signature | None:
    """None when nothing may be compared: the question names no concept (only small words),
    or holds text that concepts do not capture (another script, emoji, symbols), which the
    model reads all the same: such a question is only ever served its exact answer."""
    folded = fold_question(clean(question))
    if any(_UNCAPTURED.search(token) for token in folded.split()):
        return None
    found = concepts(question, lang)
    if not found:
        return None
    return Signature(
        concepts=found,
        negated=any(word in NEGATIONS for word in words(question.replace("'", " "))),
        quantities=tuple(_QUANTITY.findall(folded)),
    )


def meaning_of(
    question: str,
    lang: str,
    path: str,
    articles: Sequence[ScoredArticle],
    articles_version: str,
    answer_shape: str,
    scope: str,
) -> Meaning | None:
    """The question's meaning key; None when it has no concept to compare or no article
    (nothing would verify a hit). ``answer_shape``: the model and the prompt digest, as in
    the exact key, so that a changed prompt or model never serves older answers. ``scope``:
    a "site" answer (``help.answering.scope``) was made without the page, so its meaning
    holds no section and is shared by every page; a "page" answer's never meets it.

    Follow-ups have no meaning here (the pipeline gives them none): an answer shaped by
    earlier turns is never served by meaning, nor is a follow-up served another's."""
    meant = signature(question, lang)
    if meant is None or not articles:
        return None
    slugs = (articles[0].slug,)  # the article the answer rests on
    parts = [
        lang,
        scope,
        path.strip("/").split("/", 1)[0] if scope == "page" else "",  # the page's section
        sorted(meant.concepts),
        meant.negated,
        meant.quantities,
        slugs,
        articles_version,
        answer_shape,
    ]
    digest = hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
    return Meaning(MEANING_PREFIX + digest[:40], meant.concepts, slugs)


def get_similar(meaning: Meaning | None) -> dict[str, Any] | None:
    """The answer stored under this meaning, if it rests on the same top article."""
    if meaning is None or int(help_settings.CACHE_TTL) <= 0:
        return None
    entry = cached_answer(safe_cache.get(meaning.key))
    if entry is None or tuple(entry.get("slugs", ()))[:1] != meaning.slugs:
        return None
    return entry


def store_similar(key: str, entry: dict[str, Any]) -> None:
    if int(help_settings.CACHE_TTL) > 0:
        safe_cache.set(key, entry, help_settings.CACHE_TTL)
