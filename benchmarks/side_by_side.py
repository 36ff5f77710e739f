"""Scenario 1: the same day of questions under "before" and under "after", with ratios.

A few simulated users replay the day's asks in order through gunicorn. Before each ask,
the simulated clock applies what the idle time before it implies: past the profile's
keep-alive the model is unloaded (the next call is a cold load), and at each simulated
hour the answer cache is emptied (a pessimistic stand-in for its 1 h TTL), once the calls
in flight are done so that none stores its answer after the expiry.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from benchmarks.backends import ModelBackend
from benchmarks.client import HelpClient, Reply, login
from benchmarks.profiles import help_settings, keep_alive_seconds
from benchmarks.stack import Stack
from benchmarks.stats import ratio, summary
from benchmarks.workload import Ask


class SimulatedDay:
    def __init__(
        self,
        asks: list[Ask],
        keep_alive: float,
        cache_ttl: float,
        unload: Callable[[], None],
        expire_answers: Callable[[], None],
    ) -> None:
        self.asks = asks
        self.keep_alive, self.cache_ttl = keep_alive, cache_ttl
        self.unload, self.expire_answers = unload, expire_answers
        self.index = 0
        self.in_flight = 0
        self.unloads = self.expiries = 0
        self._order = threading.Lock()  # asks leave in the day's order
        self._idle = threading.Condition()

    def next(self) -> Ask | None:
        with self._order:
            if self.index >= len(self.asks):
                return None
            ask = self.asks[self.index]
            previous = self.asks[self.index - 1].at if self.index else 0.0
            self.index += 1
            unload = ask.gap > self.keep_alive
            expire = self.cache_ttl > 0 and self._hour(ask.at) > self._hour(previous)
            with self._idle:
                if expire:
                    self._idle.wait_for(lambda: self.in_flight == 0)
                    self.expire_answers()
                    self.expiries += 1
                if unload:
                    self.unload()
                    self.unloads += 1
                self.in_flight += 1
            return ask

    def done(self) -> None:
        with self._idle:
            self.in_flight -= 1
            self._idle.notify_all()

    def _hour(self, at: float) -> int:
        return math.floor(at / self.cache_ttl)


def run_profile(
    profile: str,
    stack: Stack,
    base_url: str,
    asks: list[Ask],
    hints: dict[str, str],
    users: int,
) -> dict[str, Any]:
    """Replay the day on the gunicorn at ``base_url``, which serves ``profile``."""
    backend = stack.backend
    stack.flush()
    backend.unload()
    cookies = login(base_url)
    warmed = ""
    if profile == "after":  # the product's deploy step; the old module had none
        warmed = stack.manage("warm_ollama", profile=profile).strip()
    backend.reset_counters()
    day = SimulatedDay(
        asks,
        keep_alive_seconds(profile),
        float(help_settings(profile)["CACHE_TTL"]),
        backend.unload,
        stack.expire_answers,
    )
    replies: list[Reply] = []
    lock = threading.Lock()

    def user() -> None:
        client = HelpClient(base_url, cookies)
        while (ask := day.next()) is not None:
            try:
                reply = client.ask(ask.question, hints[ask.question.path])
            finally:
                day.done()
            with lock:
                replies.append(reply)
            print(f"  {profile}: {len(replies)}/{len(asks)} asked", end="\r", flush=True)

    threads = [threading.Thread(target=user) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print()
    return _figures(profile, replies, backend, day, users, warmed)


def _figures(
    profile: str,
    replies: list[Reply],
    backend: ModelBackend,
    day: SimulatedDay,
    users: int,
    warmed: str,
) -> dict[str, Any]:
    answered = [reply for reply in replies if reply.ok]
    sources = Counter(reply.source for reply in answered)
    prompt_tokens = backend.prompt_token_counts()
    model_calls = len(prompt_tokens)
    misses = [r for r in answered if r.source == "model" and "model_ms" in r.timings]
    overhead = [(r.timings["total_ms"] - r.timings["model_ms"]) / 1000 for r in misses]
    return {
        "profile": profile,
        "users": users,
        "asks": len(replies),
        "errors": len(replies) - len(answered),
        "total": summary([reply.total for reply in answered]),
        "first_text": summary([r.first_text for r in answered if r.first_text is not None]),
        "first_token": summary([r.first_token for r in answered if r.first_token is not None]),
        "sources": dict(sources),
        "cache_hit_rate": round(sources["cache"] / len(replies), 3) if replies else None,
        "model_calls": model_calls,
        "cold_loads": backend.loads,
        "model_connections": backend.connections,
        "prompt_tokens_per_call": round(sum(prompt_tokens) / model_calls, 1) if model_calls else 0,
        "prompt_tokens_per_question": round(sum(prompt_tokens) / len(replies), 1),
        "pipeline_overhead_on_miss": summary(overhead),
        "simulated": {
            "unloads": day.unloads,
            "cache_expiries": day.expiries,
            "keep_alive_s": day.keep_alive,
        },
        "warm_up": warmed,
    }


COMPARED = [
    ("mean", ("total", "mean")),
    ("p50", ("total", "p50")),
    ("p95", ("total", "p95")),
    ("max", ("total", "max")),
    ("first text p50", ("first_text", "p50")),
    ("first text p95", ("first_text", "p95")),
    ("first token p50", ("first_token", "p50")),
    ("prompt tokens per question", ("prompt_tokens_per_question",)),
    ("model calls", ("model_calls",)),
]


def ratios(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float | None]:
    """after / before for each compared figure."""
    return {name: ratio(_dig(after, path), _dig(before, path)) for name, path in COMPARED}


def _dig(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key, {}) if isinstance(data, dict) else {}
    return data if isinstance(data, int | float) else None
