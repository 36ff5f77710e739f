"""Finding the help articles that answer a question: BM25 over an in-memory index.

Each process indexes every article, by language, and rebuilds the index on the first search
after ``articles_version()`` changes. Terms are stems (``help.search.word_forms``) and pairs
of stems, so "log in" prefers the article saying "log in" to those saying "log out", "logging in".

Title, alternate questions and body are scored apart and added, a title match weighing
``TITLE_WEIGHT`` body matches and a match in the alternate questions ``QUESTIONS_WEIGHT``.
The sum is divided by what every query group (``help.search.query``: a word or phrase with
its alternatives, and word pairs found in some article) once in the title and often in the
body would get, so a score runs from 0 to about 1: the idf-weighted share of the question
an article covers, a word counting about 0.6 of its share when in the title only, 0.2 to
0.4 in the body only, and nothing when no article has it. The page boost then multiplies
the score by up to ``1 + PATH_BOOST``; articles far below the best are dropped.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from help.models import HelpArticle
from help.search.languages import normalise_language
from help.search.query import TermGroup, query_groups
from help.search.text import plain_text
from help.search.version import articles_version
from help.search.word_forms import content_words, stem

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
QUESTIONS_WEIGHT = 2.0
PATH_BOOST = 0.5  # the article documenting exactly the current page scores x1.5
SECTION_BOOST = 0.4  # one documenting another page of its section (/clients/nouveau/ on /clients/)
# An article scoring under this share of the best one is not an answer, only a shared word.
RELATIVE_FLOOR = 0.4
MERGED_GROUPS = 1_000  # groups kept merged per language until the next rebuild (memory)
# Under this top score no article really answers: most of the question is missing from all.
MIN_SCORE = 0.15

_LIST_MARKER = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class ScoredArticle:
    slug: str
    title: str
    language: str
    url: str
    path_prefix: str
    body: str
    score: float


@dataclass(frozen=True)
class _LanguageIndex:
    articles: list[ScoredArticle]
    postings: dict[str, list[tuple[int, float]]]  # term -> (article position, weight)
    idf: dict[str, float]
    unknown_idf: float
    words: list[str]  # every indexed word, sorted, for prefix matching
    # A group's postings (each article's best term of the group), by the group's terms:
    # the same words and their vocabulary come back question after question.
    merged: dict[tuple[tuple[str, float], ...], list[tuple[int, float]]] = field(
        default_factory=dict
    )

    def group_postings(self, terms: dict[str, float]) -> list[tuple[int, float]]:
        key = tuple(sorted((t, f) for t, f in terms.items() if t in self.postings))
        merged = self.merged.get(key)
        if merged is None:
            best: dict[int, float] = {}
            for term, factor in key:
                for position, weight in self.postings[term]:
                    if weight * factor > best.get(position, 0.0):
                        best[position] = weight * factor
            merged = list(best.items())
            if len(self.merged) < MERGED_GROUPS:
                self.merged[key] = merged
        return merged


@dataclass(frozen=True)
class _Index:
    version: str
    languages: dict[str, _LanguageIndex]


_lock = threading.Lock()
_index: _Index | None = None


def search(
    query: str, lang: str, path: str = "", limit: int = 3, version: str | None = None
) -> list[ScoredArticle]:
    """The best articles for ``query``, best first: only those sharing a word with it.

    ``version``: the articles version when the caller has just read it (one cache read less).
    """
    languages = _current_index(version).languages
    language = normalise_language(lang)
    if language not in languages:
        language = "en" if language == "fr" else "fr"
    table = languages.get(language)
    groups = _groups(query, language, table) if table else []
    if not table or not groups:
        return []
    best_possible = 0.0
    scores: defaultdict[int, float] = defaultdict(float)
    for group in groups:
        known = [table.idf[t] * factor for t, factor in group.terms.items() if t in table.idf]
        best_possible += (
            group.weight * max(known, default=table.unknown_idf) * (TITLE_WEIGHT + K1 + 1)
        )
        share = group.weight
        for position, weight in table.group_postings(group.terms):
            scores[position] += share * weight
    articles = table.articles
    boosts: dict[str, float] = {}  # the boost depends on the article's path only

    def boost(prefix: str) -> float:
        if prefix not in boosts:
            boosts[prefix] = _path_boost(prefix, path) / best_possible
        return boosts[prefix]

    ranked = heapq.nsmallest(
        limit,
        (
            (-score * boost(articles[at].path_prefix), articles[at].title, at)
            for at, score in scores.items()
        ),
    )
    floor = -ranked[0][0] * RELATIVE_FLOOR if ranked else 0.0
    return [replace(articles[at], score=-score) for score, _, at in ranked if -score >= floor]


def snippet(
    article: ScoredArticle, query: str, length: int = 160, version: str | None = None
) -> str:
    """The article's sentence sharing most words with ``query``, as plain text of at most
    ``length`` characters around its first matching word."""
    table = _current_index(version).languages.get(article.language)
    groups = _groups(query, article.language, table) if table else []
    wanted = {term for group in groups for term in group.terms}

    def matches(word: str) -> bool:
        return stem(word, article.language) in wanted

    best, best_hits = "", -1
    for line in plain_text(article.body).splitlines():
        for sentence in _SENTENCE_END.split(_LIST_MARKER.sub("", line)):
            hits = len({stem(word, article.language) for word in content_words(sentence)} & wanted)
            if hits > best_hits:
                best, best_hits = sentence, hits
    if len(best) <= length:
        return best
    tokens = re.finditer(r"\S+", best)
    first = next(
        (token.start() for token in tokens if any(map(matches, content_words(token[0])))), 0
    )
    start = best.rfind(" ", 0, max(first - length // 4, 0)) + 1
    end = start + length - 2  # room for two ellipses
    if end < len(best) and best.rfind(" ", start, end) > start:
        end = best.rfind(" ", start, end)
    return ("…" if start else "") + best[start:end].strip() + ("…" if end < len(best) else "")


def _groups(query: str, language: str, table: _LanguageIndex) -> list[TermGroup]:
    return query_groups(query, language, table.idf, table.words)


def _path_boost(path_prefix: str, path: str) -> float:
    """``1 + PATH_BOOST`` scaled by how much of ``path`` the prefix covers; for another page
    of the page's section (a sub-page or a sibling), ``1 + SECTION_BOOST``; else 1.

    ``/clients/`` covers ``/clients/``, ``/clients`` and ``/clients/12/``; ``/`` only ``/``;
    ``/clients/nouveau/`` is in the section of ``/clients/`` and of ``/clients/12/``.
    """
    prefix = path_prefix.rstrip("/")
    covered = (
        path.startswith(prefix + "/") or path == prefix if prefix else path_prefix == path == "/"
    )
    if covered:
        return 1 + PATH_BOOST * (len(prefix) + 1) / (len(path.rstrip("/")) + 1)
    section = _section(path)
    return 1 + SECTION_BOOST if section and _section(path_prefix) == section else 1.0


def _section(path: str) -> str:
    """The first segment of a path: ``clients`` of ``/clients/nouveau/``."""
    return path.strip("/").split("/", 1)[0]


def _current_index(version: str | None = None) -> _Index:
    global _index
    # Read before the rows: a later edit forces another rebuild.
    version = version or articles_version()
    index = _index
    if index is None or index.version != version:
        with _lock:
            if _index is None or _index.version != version:
                _index = _build_index(version)
            index = _index
    return index


def _build_index(version: str) -> _Index:
    by_language: defaultdict[str, list[HelpArticle]] = defaultdict(list)
    for article in HelpArticle.objects.order_by("pk"):
        by_language[article.language].append(article)
    return _Index(
        version, {lang: _index_language(lang, found) for lang, found in by_language.items()}
    )


def _index_language(language: str, articles: list[HelpArticle]) -> _LanguageIndex:
    vocabulary: set[str] = set()
    # (body, title, questions) stems of each article: the body first, weighing 1.
    fields: list[tuple[list[str], ...]] = []
    for article in articles:
        texts = (plain_text(article.body), article.title, " ".join(article.question_list))
        words = [content_words(text) for text in texts]
        vocabulary.update(*words)
        fields.append(tuple([stem(word, language) for word in field] for field in words))
    count = len(articles)
    weights = (1.0, TITLE_WEIGHT, QUESTIONS_WEIGHT)
    averages = [sum(len(field[side]) for field in fields) / count or 1.0 for side in range(3)]
    counted = [tuple(_term_counts(side) for side in field) for field in fields]
    document_frequency = Counter(term for sides in counted for term in set().union(*sides))
    idf = {term: _idf(count, found) for term, found in document_frequency.items()}
    postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
    for position, sides in enumerate(counted):
        saturated: defaultdict[str, float] = defaultdict(float)
        for side, (counts, weight, average) in enumerate(
            zip(sides, weights, averages, strict=True)
        ):
            norm = K1 * (1 - B + B * len(fields[position][side]) / average)
            for term, found in counts.items():
                saturated[term] += weight * found / (found + norm)
        for term, weight in saturated.items():
            postings[term].append((position, idf[term] * (K1 + 1) * weight))
    return _LanguageIndex(
        articles=[
            ScoredArticle(
                slug=article.slug,
                title=article.title,
                language=article.language,
                url=article.get_absolute_url(),
                path_prefix=article.path_prefix,
                body=article.body,
                score=0.0,
            )
            for article in articles
        ],
        postings=dict(postings),
        idf=idf,
        unknown_idf=_idf(count, 0),
        words=sorted(vocabulary),
    )


def _term_counts(stems: list[str]) -> Counter[str]:
    """Each stem, and each pair of stems at most one word apart, with its occurrences."""
    pairs = [*zip(stems, stems[1:], strict=False), *zip(stems, stems[2:], strict=False)]
    return Counter(stems) + Counter(f"{first} {second}" for first, second in pairs)


def _idf(count: int, found: int) -> float:
    return math.log(1 + (count - found + 0.5) / (found + 0.5))
