"""Learning from the question log: the coverage gaps (frequent questions no article
answers well) and the answers marked unhelpful, each with its candidate articles, the ones
its answers cited (or that the search finds now), so that staff can add the question to
one of them as an alternate question: a person decides; nothing from the log reaches the
index by itself."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Q

from help.models import HelpArticle, HelpFeedback, HelpQuery
from help.search.index import MIN_SCORE, search
from help.search.text import cap, clean, fold

LIST_LIMIT = 20
CANDIDATES = 3  # articles offered per question
ROWS_PER_GAP = 20  # latest log rows of a gap read for the articles they cited
MAX_ALTERNATE_CHARS = 200


@dataclass(frozen=True)
class Candidate:
    """An article a logged question may become an alternate question of."""

    article_id: int
    title: str
    added: bool  # the question is one of its alternate questions already


@dataclass(frozen=True)
class CoverageGap:
    question: str
    lang: str
    times: int
    best: float  # the best article score among the non-cached answers
    last_path: str
    query_id: uuid.UUID  # its latest row, named by the "add" buttons
    candidates: list[Candidate]


@dataclass(frozen=True)
class Unhelpful:
    feedback: HelpFeedback
    candidates: list[Candidate]


def coverage_gaps(since: datetime) -> list[CoverageGap]:
    """Frequent questions whose best article scored under MIN_SCORE, most asked first.

    Cache hits skip retrieval (their score is 0), so the best score is taken over the others;
    a question answered only from the cache in the window has no score and is left out.
    """
    scored = ~Q(source=HelpQuery.Source.CACHE)
    groups = list(
        HelpQuery.objects.filter(created_at__gte=since)
        .values("question", "lang")
        .annotate(
            times=Count("id"),
            best=Max("top_score", filter=scored),
            last_path=Max("path"),
        )
        .filter(best__lt=MIN_SCORE)
        .order_by("-times", "question")[:LIST_LIMIT]
    )
    latest: list[HelpQuery] = []
    cited: list[list[str]] = []
    for group in groups:
        rows = list(
            HelpQuery.objects.filter(
                created_at__gte=since, question=group["question"], lang=group["lang"]
            )
            .only("id", "question", "lang", "path", "cited_slugs")
            .order_by("-created_at")[:ROWS_PER_GAP]
        )
        latest.append(rows[0])
        cited.append([slug for row in rows for slug in row.cited_slugs.split()])
    candidates = candidate_articles(latest, cited)
    return [
        CoverageGap(
            question=group["question"],
            lang=group["lang"],
            times=group["times"],
            best=group["best"],
            last_path=group["last_path"],
            query_id=row.id,
            candidates=found,
        )
        for group, row, found in zip(groups, latest, candidates, strict=True)
    ]


def unhelpful_answers(since: datetime) -> list[Unhelpful]:
    feedback = list(
        HelpFeedback.objects.filter(created_at__gte=since, helpful=False)
        .select_related("query")
        .order_by("-created_at")[:LIST_LIMIT]
    )
    queries = [item.query for item in feedback]
    candidates = candidate_articles(queries, [query.cited_slugs.split() for query in queries])
    return [Unhelpful(item, found) for item, found in zip(feedback, candidates, strict=True)]


def candidate_articles(queries: list[HelpQuery], cited: list[list[str]]) -> list[list[Candidate]]:
    """For each query, up to CANDIDATES articles: those its answers cited, in its language,
    in the order cited; when none of them is (still) there, the search's best ones now."""
    wanted: list[list[tuple[str, str]]] = [
        [(slug, query.lang) for slug in dict.fromkeys(slugs)]
        for query, slugs in zip(queries, cited, strict=True)
    ]
    articles = articles_by_key({key for keys in wanted for key in keys})
    for position, query in enumerate(queries):
        if not any(key in articles for key in wanted[position]):
            found = search(query.question, query.lang, query.path, limit=CANDIDATES)
            wanted[position] = [(article.slug, article.language) for article in found]
            articles.update(articles_by_key(wanted[position]))
    return [
        [
            Candidate(
                article.pk,
                article.title,
                has_question(article, alternate_question(query.question)),
            )
            for article in [articles[key] for key in keys if key in articles][:CANDIDATES]
        ]
        for query, keys in zip(queries, wanted, strict=True)
    ]


def articles_by_key(keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], HelpArticle]:
    keys = set(keys)
    if not keys:
        return {}
    found = HelpArticle.objects.filter(slug__in={slug for slug, _ in keys}).only(
        "id", "slug", "language", "title", "questions"
    )
    return {
        (article.slug, article.language): article
        for article in found
        if (article.slug, article.language) in keys
    }


def alternate_question(question: str) -> str:
    """A logged question as an article's alternate question: one clean line, capped."""
    return cap(" ".join(clean(question).split()), MAX_ALTERNATE_CHARS)


def has_question(article: HelpArticle, question: str) -> bool:
    """Whether ``question`` is one of the article's alternate questions, give or take case,
    accents, punctuation and spacing."""
    folded = fold(question)
    return any(fold(line) == folded for line in article.question_list)
