"""Getting the assistant ready: load the model as the hot path will use it, pre-answer.

Shared by ``manage.py warm_ollama`` and the admin dashboard's actions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q

from help.answering.pipeline import Question, Run
from help.conf import help_settings
from help.models import HelpArticle, HelpQuery
from help.ollama.client import get_client
from help.ollama.errors import ModelMissing
from help.ops.probe import OllamaState, read_ollama_state
from help.search.languages import normalise_language
from help.search.text import clean, fold_question

LOAD_TIMEOUT = 600.0
STATE_TIMEOUT = 2.0
# Distinct spellings read per question wanted, to group them by key.
CANDIDATES_PER_QUESTION = 20


@dataclass(frozen=True)
class WarmResult:
    model: str
    seconds: float
    loaded: bool
    expires_at: datetime | None


def warm_model() -> WarmResult:
    """Load the model with the hot path's options and keep-alive, then check ``/api/ps``.

    Raises the client's errors (OllamaUnreachable, ModelMissing...) for the caller to report.
    """
    model = help_settings.OLLAMA_MODEL
    if not read_ollama_state(OllamaState(model), STATE_TIMEOUT).available:
        raise ModelMissing(f"{model} is not on the Ollama server")
    started = time.monotonic()
    get_client().load(timeout=LOAD_TIMEOUT)
    seconds = time.monotonic() - started
    state = read_ollama_state(OllamaState(model), STATE_TIMEOUT)
    return WarmResult(model, seconds, state.loaded, state.expires_at)


def pull_model() -> Iterator[dict[str, Any]]:
    yield from get_client().pull()


def most_asked(limit: int, *, path_prefix: str | None = None, lang: str = "") -> list[Question]:
    """The most asked questions, counted per answer-cache key (the folded question, its
    language, page and hints) so that every spelling of one question adds up and each
    question is answered under its own key; on a new site, one question per article.

    With ``path_prefix``, only the questions asked on the pages it covers (in ``lang``,
    when given), and none on a page nobody asked about: an edited article's pages."""
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
    ranked = sorted(groups.items(), key=lambda item: (-sum(times for times, _ in item[1]), item[0]))
    # Every spelling in a group has the same key, so any of them asks the same question;
    # the group's most asked one is sent, as users wrote it.
    questions = [
        Question(spellings[0][1], lang, path, hints)
        for (_, lang, path, hints), spellings in ranked[:limit]
    ]
    if questions or path_prefix is not None:
        return questions
    articles = HelpArticle.objects.order_by("language", "title")[:limit]
    return [
        Question(article.title, normalise_language(article.language), article.path_prefix)
        for article in articles
    ]


def pages_under(path_prefix: str) -> Q:
    """The pages an article's path prefix covers, as the search reads it: ``/clients/``
    covers ``/clients/``, ``/clients`` and ``/clients/12/``; ``/`` only ``/``; an empty
    prefix none."""
    prefix = path_prefix.rstrip("/")
    if prefix:
        return Q(path=prefix) | Q(path__startswith=prefix + "/")
    return Q(path="/") if path_prefix == "/" else Q(pk__in=[])


def pre_answer(
    questions: list[Question], progress: Callable[[int, Question, str], None] | None = None
) -> dict[str, int]:
    """Answer each question into the cache, waiting for the model up to HELP_TIMEOUT.

    Returns how many answers came from each source ("cache" means already warm).
    """
    sources: dict[str, int] = {}
    for index, question in enumerate(questions, start=1):
        run = Run.start(question, stream=False, wait=float(help_settings.TIMEOUT), record=False)
        source = run.result()["source"]
        sources[source] = sources.get(source, 0) + 1
        if progress is not None:
            progress(index, question, source)
    return sources
