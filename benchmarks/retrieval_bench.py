"""Retrieval speed over 200 articles: search() time per query, the index rebuild apart.

Run from the repository root: ``.venv/bin/python benchmarks/retrieval_bench.py``. It uses
a throwaway test database and, when redis-server is installed, a throwaway Redis as the
cache (as in production: each search reads the articles version from it); otherwise
Django's in-process cache.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ARTICLES = 200
ROUNDS = 20
QUERIES = [
    ("Comment faire un devis ?", "fr", "/devis/"),
    ("comment creer un client", "fr", "/clients/"),
    ("crea", "fr", "/"),
    ("comment modif", "fr", "/devis/12/"),
    ("stock négatif", "fr", "/stock/"),
    ("il manque des bouteilles", "fr", "/stock/mouvements/"),
    ("mot de passe oublié", "fr", "/connexion/"),
    ("création d'un devis pour un restaurant avec une remise", "fr", "/devis/nouveau/"),
    ("TVA", "fr", "/devis/"),
    ("comment exporter la comptabilité", "fr", "/"),
    ("how do I add stock", "en", "/stock/"),
    ("I can't log in", "en", "/connexion/"),
    ("quotes", "en", "/devis/"),
    ("how do I print a quote as a PDF and send it to the client", "en", "/devis/3/"),
    ("low st", "en", "/"),
    ("what is the weather", "en", "/"),
]
VARIANT_WORDS = ["rapide", "détaillé", "pas à pas", "pour débuter", "avancé", "en bref"]


def create_articles() -> None:
    from help.models import HelpArticle
    from monchai.help_articles import ARTICLES_DIR, parse_article

    demo = [parse_article(path) for path in sorted(ARTICLES_DIR.glob("*.md"))]
    rows = [
        HelpArticle(
            slug=article.slug,
            language=article.language,
            title=article.title,
            body=article.body,
            path_prefix=article.path_prefix,
        )
        for article in demo
    ]
    for number in range(ARTICLES - len(demo)):
        base, other = demo[number % len(demo)], demo[(number * 7 + 3) % len(demo)]
        rows.append(
            HelpArticle(
                slug=f"{base.slug}-{number}",
                language=base.language,
                title=f"{base.title} ({VARIANT_WORDS[number % len(VARIANT_WORDS)]})",
                body=f"{base.body}\n\n{other.body}" if number % 2 else base.body,
                path_prefix=base.path_prefix,
            )
        )
    HelpArticle.objects.bulk_create(rows)


def milliseconds(timings: list[float]) -> str:
    ordered = sorted(timings)
    p95 = ordered[round(0.95 * (len(ordered) - 1))]
    return (
        f"median {statistics.median(ordered) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms, "
        f"max {ordered[-1] * 1000:.3f} ms"
    )


def run(cache: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from help.models import HelpArticle
    from help.search import index as retrieval

    setup_test_environment()
    test_database = connection.creation.create_test_db(verbosity=0)
    try:
        create_articles()
        retrieval.search("devis", "fr")  # the first build also imports the URLconf
        article = HelpArticle.objects.earliest("pk")
        article.save()  # a new articles version
        started = time.perf_counter()
        retrieval.search("devis", "fr")
        rebuild = time.perf_counter() - started

        queries = QUERIES * ROUNDS
        random.Random(0).shuffle(queries)
        searches, snippets = [], []
        for query, lang, path in queries:
            started = time.perf_counter()
            found = retrieval.search(query, lang, path)
            searches.append(time.perf_counter() - started)
            if found:
                started = time.perf_counter()
                retrieval.snippet(found[0], query)
                snippets.append(time.perf_counter() - started)
    finally:
        connection.creation.destroy_test_db(test_database, verbosity=0)

    print(f"{ARTICLES} articles, {len(queries)} queries, cache: {cache}")
    print(f"search() after an edit, rebuilding the index: {rebuild * 1000:.1f} ms")
    print(f"search():  {milliseconds(searches)}")
    print(f"snippet(): {milliseconds(snippets)}")


def main() -> None:
    if shutil.which("redis-server") is None:
        os.environ["REDIS_URL"] = ""
        run("in-process (redis-server not installed)")
        return
    from tests.redis_server import RedisServer

    server = RedisServer()
    server.start()
    try:
        os.environ["REDIS_URL"] = server.url
        run("Redis")
    finally:
        server.close()


if __name__ == "__main__":
    main()
