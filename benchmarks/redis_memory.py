"""Redis memory per 10,000 cached answers (the README's "Scaling"): a real redis-server
filled through the app's own cache functions, read with INFO memory.

    python -m benchmarks.redis_memory [--answers 10000]

A model answer is stored at two levels, the exact key and the meaning key (the similar
level), each entry holding the answer, its sources (title, URL), the cited slugs and the
model, as the pool stores them. Answers are words of the demo's help articles: 40 words
(the stand-in's answers, about 300 characters) and 256 tokens (num_predict, the longest a
model answer gets, about 1,500 characters).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
from pathlib import Path

import django
import redis

from tests.redis_server import RedisServer

ANSWERS = 10_000
ARTICLES = Path(__file__).resolve().parent.parent / "monchai" / "demo_articles"
SIZES = {"40 words": 40, "256 tokens": 256}


def measure(answers: int) -> dict[str, dict[str, float]]:
    server = RedisServer()
    server.start()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="monchai.settings",
        DJANGO_SECRET_KEY="redis-memory-benchmark",
        REDIS_URL=server.url,
    )
    django.setup()
    from help.answering.answer_cache import ANSWER_PREFIX, store_answer
    from help.answering.meaning import MEANING_PREFIX, store_similar

    articles = sorted(ARTICLES.glob("*.md"))
    words = " ".join(path.read_text() for path in articles).split()
    titles = [(_title(path), f"/help/{path.name.split('.')[0]}/") for path in articles]
    client = redis.Redis.from_url(server.url)
    rng = random.Random(15)
    results = {}
    try:
        for label, length in SIZES.items():
            client.flushdb()
            before = client.info("memory")["used_memory"]
            for number in range(answers):
                start = rng.randrange(len(words) - length)
                cited = rng.sample(titles, 3)
                entry = {
                    "answer": " ".join(words[start : start + length]),
                    "sources": [{"title": title, "url": url} for title, url in cited],
                    "slugs": [url.rsplit("/", 2)[1] for _, url in cited],
                    "model": "phi3:mini",
                }
                digest = hashlib.sha1(f"{label} {number}".encode()).hexdigest()
                store_answer(ANSWER_PREFIX + digest, entry)
                store_similar(MEANING_PREFIX + digest, entry)
            used = client.info("memory")["used_memory"] - before
            results[label] = {
                "keys": client.dbsize(),
                "answer_chars": round(
                    sum(len(" ".join(words[i : i + length])) for i in range(0, 4000, 40)) / 100
                ),  # the mean length of an answer this long
                "mb_per_10000_answers": round(used / answers * 10_000 / 1024**2, 1),
                "bytes_per_answer": round(used / answers),
            }
    finally:
        server.close()
    return results


def _title(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.startswith("title:"):
            return line.removeprefix("title:").strip()
    return path.stem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=ANSWERS)
    args = parser.parse_args()
    for label, figures in measure(args.answers).items():
        print(
            f"Redis, {args.answers} cached answers of {label} (~{figures['answer_chars']} "
            f"characters), both levels ({figures['keys']} keys): "
            f"{figures['mb_per_10000_answers']} MB per 10,000 answers "
            f"({figures['bytes_per_answer']} bytes each)"
        )


if __name__ == "__main__":
    main()
