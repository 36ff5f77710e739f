"""The most asked questions, from the question log: what warm-up and pre-answering answer
ahead of users, and where the widget's starting points come from."""

from __future__ import annotations

from django.db.models import Count, Q

from help.answering.pipeline import Question
from help.models import HelpArticle, HelpQuery
from help.search.languages import normalise_language
from help.search.text import clean, fold_question

# Distinct spellings read per question wanted, to group them by key.
CANDIDATES_PER_QUESTION = 20


def most_asked(
    limit: int, *, path_prefix: str | None = None, lang: str = "", min_times: int = 1
) -> list[Question]:
    """The most asked questions, counted per answer-cache key (the folded question, its
    language, page and hints) so that every spelling of one question adds up and each
    question is answered under its own key; on a new site, one question per article.

    With ``path_prefix``, only the questions asked on the pages it covers (in ``lang``,
    when given), and none on a page nobody asked about: an edited article's pages.
    ``min_times`` leaves out the questions asked fewer times than that."""
    asked = HelpQuery.objects.all()
    if path_prefix is not None:
        asked = asked.filter(pages_under(path_prefix), **({"lang": lang} if lang else {}))
    rows = (
        asked.values("question", "lang", "path", "hints")
        .annotate(times=Count("id"))
        .order_by("-times", "question")[: limit * CANDIDATES_PER_QUESTION]
    )
    groups: dict[tuple[str, str, str, str], list[tuple[int, str]]] = {}
    for row in rows:
        same_key = (fold_question(clean(row["question"])), row["lang"], row["path"], row["hints"])
        groups.setdefault(same_key, []).append((row["times"], row["question"]))
    counted = [
        (sum(times for times, _ in spellings), key, spellings) for key, spellings in groups.items()
    ]
    ranked = sorted(
        (item for item in counted if item[0] >= min_times), key=lambda item: (-item[0], item[1])
    )
    # Every spelling in a group has the same key, so any of them asks the same question;
    # the group's most asked one is sent, as users wrote it.
    questions = [
        Question(spellings[0][1], lang, path, hints)
        for _, (_, lang, path, hints), spellings in ranked[:limit]
    ]
    if questions or path_prefix is not None:
        return questions
    articles = HelpArticle.objects.order_by("language", "title")[:limit]
    return [
        Question(article.title, normalise_language(article.language), article.path_prefix)
        for article in articles
    ]


def pages_under(path_prefix: str, field: str = "path") -> Q:
    """The pages an article's path prefix covers, as the search reads it: ``/clients/``
    covers ``/clients/``, ``/clients`` and ``/clients/12/``; ``/`` only ``/``; an empty
    prefix none. ``field`` names the column holding the page path."""
    prefix = path_prefix.rstrip("/")
    if prefix:
        return Q(**{field: prefix}) | Q(**{f"{field}__startswith": prefix + "/"})
    return Q(**{field: "/"}) if path_prefix == "/" else Q(pk__in=[])
