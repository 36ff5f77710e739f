"""Load: N concurrent users asking without pause for a fixed time, against gunicorn.

Each user is a thread with its own keep-alive connection, drawing questions in the
question set's skewed mix. The answer cache starts empty and the model loaded ("after").
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from typing import Any

from benchmarks.client import HelpClient, Reply
from benchmarks.stack import Stack
from benchmarks.stats import summary
from benchmarks.workload import Question, WeightedPicker


def run_load(
    stack: Stack,
    base_url: str,
    cookies: Any,
    questions: list[Question],
    hints: dict[str, str],
    users: int,
    seconds: float,
) -> dict[str, Any]:
    stack.expire_answers()
    backend = stack.backend
    backend.reset_counters()
    replies: list[Reply] = []
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def user(number: int) -> None:
        client = HelpClient(base_url, cookies)
        picker = WeightedPicker(questions, seed=number)
        while time.monotonic() < end:
            question = picker.pick()
            reply = client.ask(question, hints[question.path])
            with lock:
                replies.append(reply)

    started = time.monotonic()
    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    by_source: dict[str, list[float]] = defaultdict(list)
    errors = Counter(reply.error or f"HTTP {reply.status}" for reply in replies if not reply.ok)
    for reply in replies:
        if reply.ok:
            by_source[reply.source].append(reply.total)
    answered = sum(len(values) for values in by_source.values())
    hits = len(by_source.get("cache", []))
    return {
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": len(replies),
        "throughput_rps": round(len(replies) / elapsed, 1),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "cache_hit_rate": round(hits / answered, 3) if answered else None,
        "all": summary([reply.total for reply in replies if reply.ok], 50, 95, 99),
        "by_source": {
            source: summary(values, 50, 95, 99) for source, values in sorted(by_source.items())
        },
        "model_calls": backend.chat_requests,
    }
