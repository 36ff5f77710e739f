"""The ceiling: a cached answer against the ceiling, the same server's bare JSON view doing one
Redis GET (benchmarks/bench_urls.py).

Latency: one client on a keep-alive connection, the requests interleaved so that they
share the machine's conditions. The demo user is logged in, as in the rest of the run; the
same hit asked by an anonymous visitor shows what identifying the user costs (Django loads
the session and the user from the database for the rate limit's key). Throughput:
concurrent users for a few seconds each.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from benchmarks.client import HelpClient
from benchmarks.stats import ratio, summary
from benchmarks.workload import Question

ROUNDS = 1000
THROUGHPUT_USERS = 10
THROUGHPUT_SECONDS = 10.0


def run_ceiling(
    client_factory: Callable[[], HelpClient], visitor: HelpClient, question: Question
) -> dict[str, Any]:
    client = client_factory()
    status, source = client.ask_json(question)
    for _ in range(30):  # the model's answer lands in the cache
        if (status, source) == (200, "cache"):
            break
        time.sleep(0.5)
        status, source = client.ask_json(question)
    if source != "cache":
        raise RuntimeError(f"could not get a cached answer ({status}, {source})")

    senders = {
        "ask (JSON), cache hit": lambda c: c.ask_json(question),
        "ask/stream, cache hit": lambda c: c.ask(question, ""),
        "ask (JSON), cache hit, anonymous visitor": lambda _: visitor.ask_json(question),
        "ceiling: JSON view, one Redis GET": lambda c: c.get("/bench/ceiling"),
    }
    timings: dict[str, list[float]] = {name: [] for name in senders}
    for _ in range(ROUNDS):
        for name, send in senders.items():
            started = time.perf_counter()
            send(client)
            timings[name].append(time.perf_counter() - started)
    if visitor.ask_json(question)[1] != "cache":
        raise RuntimeError("the anonymous visitor's question was not a cache hit")
    latency = {name: summary(values, 50, 99) for name, values in timings.items()}

    throughput = {
        name: _throughput(client_factory, senders[name])
        for name in ("ask (JSON), cache hit", "ceiling: JSON view, one Redis GET")
    }
    ours, ceiling = latency["ask (JSON), cache hit"], latency["ceiling: JSON view, one Redis GET"]
    return {
        "rounds": ROUNDS,
        "latency": latency,
        "throughput_rps": throughput,
        "throughput_users": THROUGHPUT_USERS,
        "ratio_p50": ratio(ours["p50"], ceiling["p50"]),
        "ratio_p99": ratio(ours["p99"], ceiling["p99"]),
        "ratio_throughput": ratio(
            throughput["ask (JSON), cache hit"], throughput["ceiling: JSON view, one Redis GET"]
        ),
    }


def _throughput(
    client_factory: Callable[[], HelpClient], send: Callable[[HelpClient], Any]
) -> float:
    counts = [0] * THROUGHPUT_USERS
    end = time.monotonic() + THROUGHPUT_SECONDS

    def user(number: int) -> None:
        client = client_factory()
        while time.monotonic() < end:
            send(client)
            counts[number] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(THROUGHPUT_USERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return round(sum(counts) / (time.monotonic() - started), 1)
