"""How well article search answers the questions users type: hit@1, hit@3 and MRR, and speed.

Run from the repository root: ``.venv/bin/python benchmarks/retrieval_eval.py`` (add
``--held-out-misses`` to list the held-out part's misses too). The questions are in
``benchmarks/data/retrieval_questions.json``: informal, misspelled, accentless, synonyms,
keywords, English on French pages, each with the page it was asked on and the articles that
answer it. They were written blind to the articles' alternate questions and to any vocabulary
list. A third of them, drawn with a fixed seed, is held out: reported apart, and its misses
hidden unless asked for, so that tuning the search on the others can be judged on them.

Method: the demo's articles are loaded into a throwaway database (``load_articles``), then
each question goes through what the answer pipeline runs, ``question_language`` then
``search(question, lang, path, limit=3)``. hit@k: an expected article is among the first k;
MRR: the mean of 1/rank of the first expected article (0 when not in the 3 returned).
Latency: every question ``ROUNDS`` times in a shuffled order, each call timed alone (it reads
the articles version from the cache, a throwaway Redis when redis-server is installed, as in
production), over the demo's articles and over ``GENERATED`` articles made by
``retrieval_bench.create_articles``. Index build: the first search after an article is saved
(a new articles version), the median of ``BUILDS``. ``tests/search/test_evaluation.py`` runs
``evaluate`` on the same set and holds its floors.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = Path(__file__).resolve().parent / "data" / "retrieval_questions.json"
LIMIT = 3
ROUNDS = 10
GENERATED = 500
BUILDS = 5
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Item:
    question: str
    lang: str  # the language the question is written in
    page_lang: str
    path: str
    expected: tuple[str, ...]
    held_out: bool


@dataclass(frozen=True)
class Outcome:
    item: Item
    searched_lang: str
    got: tuple[tuple[str, float], ...]  # (slug, score), best first

    @property
    def rank(self) -> int | None:
        """1-based rank of the first expected article among those returned."""
        for position, (slug, _score) in enumerate(self.got, start=1):
            if slug in self.item.expected:
                return position
        return None


@dataclass(frozen=True)
class Score:
    count: int
    hit1: float
    hit3: float
    mrr: float


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]

    def part(self, held_out: bool | None = None, lang: str | None = None) -> list[Outcome]:
        return [
            outcome
            for outcome in self.outcomes
            if (held_out is None or outcome.item.held_out == held_out)
            and (lang is None or outcome.item.lang == lang)
        ]

    def score(self, held_out: bool | None = None, lang: str | None = None) -> Score:
        return score(self.part(held_out, lang))

    def misses(self, held_out: bool | None = None) -> list[Outcome]:
        """Outcomes whose top result is not an expected article, grouped by expected article."""
        missed = [outcome for outcome in self.part(held_out) if outcome.rank != 1]
        return sorted(missed, key=lambda outcome: outcome.item.expected[0])


def score(outcomes: list[Outcome]) -> Score:
    ranks = [outcome.rank for outcome in outcomes]
    count = len(ranks) or 1
    return Score(
        count=len(ranks),
        hit1=sum(rank == 1 for rank in ranks) / count,
        hit3=sum(rank is not None and rank <= 3 for rank in ranks) / count,
        mrr=sum(1 / rank for rank in ranks if rank) / count,
    )


def load_items(path: Path = QUESTIONS) -> list[Item]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Item(
            question=row["question"],
            lang=row["lang"],
            page_lang=row["page_lang"],
            path=row["path"],
            expected=tuple(row["expected"]),
            held_out=row["held_out"],
        )
        for row in data["items"]
    ]


def ask(item: Item, version: str | None = None) -> tuple[str, list]:
    """What the answer pipeline runs to find articles: the question's language, then search
    (given the articles version, as the pipeline reads it once per question)."""
    from help.search.index import search
    from help.search.languages import question_language

    lang = question_language(item.question, item.page_lang)
    return lang, search(item.question, lang, item.path, limit=LIMIT, version=version)


def evaluate(items: Iterable[Item]) -> Report:
    """Search every item against the articles in the database (Django set up by the caller)."""
    outcomes = []
    for item in items:
        lang, found = ask(item)
        got = tuple((article.slug, article.score) for article in found)
        outcomes.append(Outcome(item=item, searched_lang=lang, got=got))
    return Report(outcomes=tuple(outcomes))


def format_table(report: Report) -> str:
    lines = [
        f"{'':<16}{'tuning':^30}   {'held out':^30}",
        f"{'':<16}" + f"{'n':>5}{'hit@1':>8}{'hit@3':>8}{'MRR':>8}   " * 2,
    ]
    rows = [(lang, lang) for lang in LANGUAGES] + [("all", None)]
    for label, lang in rows:
        cells = []
        for held_out in (False, True):
            s = report.score(held_out, lang)
            cells.append(f"{s.count:>5}{s.hit1:>8.2f}{s.hit3:>8.2f}{s.mrr:>8.2f}")
        lines.append(f"{label:<16}" + "   ".join(cells))
    for held_out in (False, True):
        mixed = [o for o in report.part(held_out, "en") if o.item.page_lang != o.item.lang]
        s = score(mixed)
        lines.append(
            f"  of which en on fr pages, {'held out' if held_out else 'tuning'}: {s.count} "
            f"questions, hit@1 {s.hit1:.2f}, hit@3 {s.hit3:.2f}, MRR {s.mrr:.2f}"
        )
    return "\n".join(lines)


def format_misses(outcomes: list[Outcome]) -> str:
    lines = []
    for outcome in outcomes:
        item = outcome.item
        got = ", ".join(f"{slug} {value:.2f}" for slug, value in outcome.got) or "nothing"
        where = f"{item.lang}→{outcome.searched_lang} {item.path}"
        lines.append(
            f"  [{where}] {item.question!r}\n"
            f"      expected {' | '.join(item.expected)}; rank {outcome.rank or '-'}; "
            f"got {got}"
        )
    return "\n".join(lines)


def percentile(ordered: list[float], share: float) -> float:
    return ordered[round(share * (len(ordered) - 1))]


def time_searches(items: list[Item], rounds: int = ROUNDS) -> str:
    """The search alone: the articles version (one cache read the pipeline does anyway) is
    read once, as ``Run.start`` reads it once per question for the key and the search."""
    from help.search.version import articles_version

    version = articles_version()
    timings = []
    order = items * rounds
    random.Random(0).shuffle(order)
    for item in order:
        started = time.perf_counter()
        ask(item, version)
        timings.append(time.perf_counter() - started)
    timings.sort()
    return (
        f"{len(timings)} searches: p50 {percentile(timings, 0.5) * 1000:.3f} ms, "
        f"p99 {percentile(timings, 0.99) * 1000:.3f} ms, max {timings[-1] * 1000:.3f} ms"
    )


def time_index_build() -> str:
    from help.models import HelpArticle
    from help.search.index import search

    search("devis", "fr")  # the first build also imports the URLconf
    builds = []
    for _ in range(BUILDS):
        HelpArticle.objects.earliest("pk").save()  # a new articles version
        started = time.perf_counter()
        search("devis", "fr")
        builds.append(time.perf_counter() - started)
    median = statistics.median(builds) * 1000
    return f"index build (first search after an edit): median {median:.1f} ms"


@contextmanager
def generated_articles(count: int) -> Iterator[None]:
    """``count`` articles: the demo's (with their alternate questions) and variants of them."""
    from benchmarks import retrieval_bench
    from help.models import HelpArticle
    from monchai.help_articles import load_articles

    HelpArticle.objects.all().delete()
    default = retrieval_bench.ARTICLES
    retrieval_bench.ARTICLES = count  # create_articles() makes that many
    try:
        retrieval_bench.create_articles()
    finally:
        retrieval_bench.ARTICLES = default
    load_articles()
    yield
    HelpArticle.objects.all().delete()


def run(cache: str, held_out_misses: bool) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    # Only the search is measured: no model re-answering the pages of edited articles.
    settings.HELP = {**settings.HELP, "PRE_ANSWER_ON_EDIT": 0}

    from help.models import HelpArticle
    from monchai.help_articles import load_articles

    items = load_items()
    setup_test_environment()
    test_database = connection.creation.create_test_db(verbosity=0)
    try:
        load_articles()
        demo_count = HelpArticle.objects.count()
        report = evaluate(items)
        demo_build, demo_speed = time_index_build(), time_searches(items)
        with generated_articles(GENERATED):
            big_count = HelpArticle.objects.count()
            big_build, big_speed = time_index_build(), time_searches(items)
    finally:
        connection.creation.destroy_test_db(test_database, verbosity=0)

    held = sum(item.held_out for item in items)
    print(f"{len(items)} questions ({held} held out), {demo_count} demo articles, top {LIMIT}")
    print(format_table(report))
    tuning_misses = report.misses(held_out=False)
    print(f"\nTop result not expected, tuning part ({len(tuning_misses)}):")
    print(format_misses(tuning_misses))
    held_misses = report.misses(held_out=True)
    if held_out_misses:
        print(f"\nTop result not expected, held-out part ({len(held_misses)}):")
        print(format_misses(held_misses))
    else:
        print(f"\nHeld-out misses: {len(held_misses)} (listed with --held-out-misses)")
    print(f"\nLatency per question (question_language + search), cache: {cache}")
    print(f"  {demo_count} demo articles: {demo_speed}; {demo_build}")
    print(f"  {big_count} articles: {big_speed}; {big_build}")


def main() -> None:
    held_out_misses = "--held-out-misses" in sys.argv[1:]
    if shutil.which("redis-server") is None:
        os.environ["REDIS_URL"] = ""
        run("in-process (redis-server not installed)", held_out_misses)
        return
    from tests.redis_server import RedisServer

    server = RedisServer()
    server.start()
    try:
        os.environ["REDIS_URL"] = server.url
        run("Redis", held_out_misses)
    finally:
        server.close()


if __name__ == "__main__":
    main()
