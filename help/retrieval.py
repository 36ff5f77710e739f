"""Finding the help articles that answer a question: BM25 over an in-memory index.

Each process keeps one index of every article, by language, and rebuilds it on the first
search after ``articles_version()`` changes; a search only reads precomputed weights.
Terms are stems (``help.stemming``) and pairs of adjacent stems, so "log in" prefers the
article saying "log in" to the one saying "log out" and "logging in".

Title and body are scored apart and added, the title counting ``TITLE_WEIGHT`` times, so
a word in a title beats the same word repeated in a body. A score is that sum divided by
the most the query could get, so it runs from 0 to 1: 1 when every word is in the title
and repeated in the body; about 0.6 per word found in the title only, 0.2 to 0.4 in the
body only. The page boost then multiplies it by up to ``1 + PATH_BOOST``.
"""

from __future__ import annotations

import math
import re
import threading
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from help.articles import articles_version, normalise_language
from help.models import HelpArticle
from help.stemming import content_words, stem

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3.0
PAIR_WEIGHT = 1.5  # a pair of adjacent query words found together, besides each word
PREFIX_WEIGHT = 0.8  # an indexed word that the last query word only begins
MIN_PREFIX = 3  # a shorter last word is not taken as the start of longer ones
PATH_BOOST = 0.5  # the article documenting exactly the current page scores x1.5
# Under this top score, no article really answers the question: a coverage gap.
MIN_SCORE = 0.2

_RULE = re.compile(r"^ {0,3}([-*_])( *\1){2,} *$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[*+]\s+", re.MULTILINE)
_BLOCK_START = re.compile(r"^ {0,3}(#{1,6}|>)\s*", re.MULTILINE)  # headings, quotes
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"\*+|`+|~~|(?<!\w)_+|_+(?!\w)")
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
    stems: dict[str, str]


@dataclass(frozen=True)
class _Index:
    version: str
    languages: dict[str, _LanguageIndex]


_lock = threading.Lock()
_index: _Index | None = None


def search(query: str, lang: str, path: str = "", limit: int = 3) -> list[ScoredArticle]:
    """The best articles for ``query``, best first: only those sharing a word with it."""
    languages = _current_index().languages
    language = normalise_language(lang)
    if language not in languages:
        language = "en" if language == "fr" else "fr"
    table = languages.get(language)
    groups = _query_groups(query, language, table) if table else []
    if not table or not groups:
        return []
    best_possible = 0.0
    scores: defaultdict[int, float] = defaultdict(float)
    for group in groups:
        known = [table.idf[term] * factor for term, factor in group.items() if term in table.idf]
        best_possible += max(known, default=table.unknown_idf) * (TITLE_WEIGHT + K1 + 1)
        best: dict[int, float] = {}
        for term, factor in group.items():
            for position, weight in table.postings.get(term, ()):
                best[position] = max(best.get(position, 0.0), weight * factor)
        for position, weight in best.items():
            scores[position] += weight
    ranked = [
        (score / best_possible * _path_boost(article.path_prefix, path), article)
        for position, score in scores.items()
        for article in [table.articles[position]]
    ]
    ranked.sort(key=lambda pair: (-pair[0], pair[1].title))
    return [replace(article, score=score) for score, article in ranked[:limit]]


def snippet(article: ScoredArticle, query: str, length: int = 160) -> str:
    """The article's sentence sharing most words with ``query``, as plain text of at most
    ``length`` characters around its first matching word."""
    table = _current_index().languages.get(article.language)
    groups = _query_groups(query, article.language, table) if table else []
    wanted = {term for group in groups for term in group}

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


def plain_text(markdown_body: str) -> str:
    """Markdown as plain text without heading, emphasis, code or link syntax; one line per
    paragraph or list item, list markers kept."""
    text = _RULE.sub("", markdown_body)
    text = _BULLET.sub(r"\1- ", text)
    text = _BLOCK_START.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _query_groups(query: str, language: str, table: _LanguageIndex) -> list[dict[str, float]]:
    """What to look for: per query word, then per known pair of adjacent words, a group of
    alternative terms ``{term: factor}``; an article scores its best term of each group.

    The last word may be unfinished (search as you type): its group also holds the stems of
    the indexed words it begins, and a known stem that it begins with plus up to two letters
    ("crea" -> "cr" of "creer").
    """
    query_words = content_words(query)
    stems = [stem(word, language) for word in query_words]
    groups = {term: {term: 1.0} for term in stems}
    last = query_words[-1] if query_words else ""
    if len(last) >= MIN_PREFIX:
        group = groups[stems[-1]]
        for size in range(max(len(last) - 2, 2), len(last) + 1):
            if last[:size] in table.idf:
                group.setdefault(last[:size], PREFIX_WEIGHT)
        position = bisect_left(table.words, last)
        while position < len(table.words) and table.words[position].startswith(last):
            group.setdefault(table.stems[table.words[position]], PREFIX_WEIGHT)
            position += 1
    pairs = dict.fromkeys(
        f"{first} {second}" for first, second in zip(stems, stems[1:], strict=False)
    )
    return [*groups.values(), *({pair: PAIR_WEIGHT} for pair in pairs if pair in table.idf)]


def _path_boost(path_prefix: str, path: str) -> float:
    """``1 + PATH_BOOST`` scaled by how much of ``path`` the prefix covers; 1 if it does not.

    ``/clients/`` covers ``/clients/``, ``/clients`` and ``/clients/12/``; ``/`` only ``/``.
    """
    prefix = path_prefix.rstrip("/")
    covered = (
        path.startswith(prefix + "/") or path == prefix if prefix else path_prefix == path == "/"
    )
    return 1 + PATH_BOOST * (len(prefix) + 1) / (len(path.rstrip("/")) + 1) if covered else 1.0


def _current_index() -> _Index:
    global _index
    version = articles_version()  # read before the rows: a later edit forces another rebuild
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
    stems: dict[str, str] = {}
    fields: list[tuple[Counter[str], Counter[str]]] = []  # (title, body) term counts
    for article in articles:
        title, body = (
            [stems.setdefault(word, stem(word, language)) for word in content_words(text)]
            for text in (article.title, plain_text(article.body))
        )
        fields.append((_term_counts(title), _term_counts(body)))
    count = len(articles)
    average = [sum(sum(f[side].values()) for f in fields) / count or 1.0 for side in (0, 1)]
    document_frequency = Counter(term for title, body in fields for term in title | body)
    idf = {term: _idf(count, found) for term, found in document_frequency.items()}
    postings: defaultdict[str, list[tuple[int, float]]] = defaultdict(list)
    for position, (title, body) in enumerate(fields):
        title_norm, body_norm = (
            K1 * (1 - B + B * sum(counts.values()) / average[side])
            for side, counts in enumerate((title, body))
        )
        for term in title | body:
            saturated = TITLE_WEIGHT * _saturate(title[term], title_norm)
            saturated += _saturate(body[term], body_norm)
            postings[term].append((position, idf[term] * saturated))
    return _LanguageIndex(
        articles=[_scored(article) for article in articles],
        postings=dict(postings),
        idf=idf,
        unknown_idf=_idf(count, 0),
        words=sorted(stems),
        stems=stems,
    )


def _term_counts(stems: list[str]) -> Counter[str]:
    """Each stem, and each pair of stems at most one word apart, with its occurrences."""
    pairs = [*zip(stems, stems[1:], strict=False), *zip(stems, stems[2:], strict=False)]
    return Counter(stems) + Counter(f"{first} {second}" for first, second in pairs)


def _saturate(frequency: int, norm: float) -> float:
    return frequency * (K1 + 1) / (frequency + norm)


def _idf(count: int, found: int) -> float:
    return math.log(1 + (count - found + 0.5) / (found + 0.5))


def _scored(article: HelpArticle) -> ScoredArticle:
    return ScoredArticle(
        slug=article.slug,
        title=article.title,
        language=article.language,
        url=article.get_absolute_url(),
        path_prefix=article.path_prefix,
        body=article.body,
        score=0.0,
    )
