"""The widget's starting points: 3 or 4 questions for the page it opens on, in its language.

Staff-written questions come first, then what users ask there, then what the articles say:

1. the questions of the active curated answers whose section covers the page (the most
   specific section first), since clicking one gets a verified answer at once;
2. the most asked questions on the page's section (``/devis/`` for ``/devis/12/``), in the
   page's language only. These are other people's words shown to everyone, so a question
   must have been asked at least ``MIN_TIMES`` times and hold nothing that looks personal
   (an e-mail address, a phone or account number: ``privacy.scrub`` would change it);
3. the articles of the page's section: their first alternate question (written the way
   users ask), else their title; the articles written for the page itself first.

Duplicates (case, accents, punctuation aside) are left out. The choice is kept a minute in
the shared cache per page and language: the widget asks on every page it opens on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from help.answering.most_asked import most_asked, pages_under
from help.answering.privacy import scrub
from help.models import HelpArticle, HelpCuratedAnswer
from help.search.text import clean, fold_question
from help.shared_state.safe_cache import safe_cache

MAX_STARTERS = 4
MIN_TIMES = 2  # times a question was asked before it is offered to others
MAX_STARTER_CHARS = 150  # a longer question is no starting point (and would be cut in a chip)
CACHE_SECONDS = 60
# Most asked questions read, to have MAX_STARTERS left after duplicates and refusals.
ASKED_CANDIDATES = 4 * MAX_STARTERS


def starting_points(path: str, lang: str) -> list[str]:
    """Up to MAX_STARTERS questions for the page at ``path`` in ``lang``; maybe none."""
    key = f"help:starters:{lang}:{hashlib.blake2b(path.encode(), digest_size=16).hexdigest()}"
    cached = safe_cache.get(key)
    if isinstance(cached, list) and all(isinstance(item, str) for item in cached):
        return cached
    chosen = _distinct(_candidates(path, lang), MAX_STARTERS)
    safe_cache.set(key, chosen, CACHE_SECONDS)
    return chosen


def _candidates(path: str, lang: str) -> Iterator[str]:
    yield from _curated(path, lang)
    section = _section_prefix(path)
    asked = most_asked(ASKED_CANDIDATES, path_prefix=section, lang=lang, min_times=MIN_TIMES)
    yield from (question.text for question in asked if scrub(question.text) == question.text)
    yield from _from_articles(path, section, lang)


def _curated(path: str, lang: str) -> list[str]:
    answers = HelpCuratedAnswer.objects.filter(
        active=True, language=lang, path_prefix__in=prefixes_covering(path)
    ).order_by("-updated_at", "-pk")
    # Most specific section first (the order is stable, so the latest edited next).
    return [a.question for a in sorted(answers, key=lambda a: -len(a.path_prefix.rstrip("/")))]


def _from_articles(path: str, section: str, lang: str) -> list[str]:
    covering = prefixes_covering(path) - {""}  # an empty prefix is no page's (as the search)
    articles = HelpArticle.objects.filter(
        pages_under(section, field="path_prefix"), language=lang
    ).only("title", "questions", "path_prefix")
    ranked = sorted(
        articles,
        key=lambda a: (a.path_prefix not in covering, -len(a.path_prefix.rstrip("/")), a.title),
    )
    return [next(iter(a.question_list), a.title) for a in ranked]


def _distinct(texts: Iterable[str], limit: int) -> list[str]:
    chosen: dict[str, str] = {}
    for text in texts:
        text = " ".join(text.split())
        folded = fold_question(clean(text))
        if folded and folded not in chosen and len(text) <= MAX_STARTER_CHARS:
            chosen[folded] = text
            if len(chosen) == limit:
                break
    return list(chosen.values())


def _section_prefix(path: str) -> str:
    """``/devis/`` for ``/devis/12/``; ``/`` for the home page."""
    section = path.strip("/").split("/", 1)[0]
    return f"/{section}/" if section else "/"


def prefixes_covering(path: str) -> set[str]:
    """Every section (path prefix) whose pages include ``path``, as curated answers read
    them: ``""`` and ``/`` (every page), ``/devis`` and ``/devis/`` for ``/devis/12/``..."""
    prefixes = {"", "/"}
    current = ""
    for segment in path.split("/"):
        if segment:
            current += "/" + segment
            prefixes |= {current, current + "/"}
    return prefixes
