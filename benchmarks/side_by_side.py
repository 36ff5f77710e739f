"""Side by side: a simulated day under "before" (the original module, original_module.py)
and under "after" (this app), with ratios and the original module's four targets.

A few simulated users replay the day's asks in order through gunicorn. The run is
compressed; a simulated clock (SimulatedDay) keeps what the idle time between asks implies:

- The model stays loaded for the profile's keep-alive after its last use, in simulated
  time (an ask still running counts as a use). An ask that comes later finds it unloaded:
  the next call pays a cold load.
- Cached answers expire when their TTL has elapsed in simulated time (60 s before, 1 h
  after): each entry is dated by the ask after which it appeared in Redis, and deleted
  before the first ask that comes once its TTL is over.
- One need's asks keep their order: an ask waits for a running ask of the same need to
  end, unless on the simulated day it comes while that one would still be running (its
  gap is shorter than the time that one has run so far); meanwhile later asks of other
  needs may go. Identical questions overlap only when they would have overlapped on the
  day; asks of different needs overlap freely.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from benchmarks.backends import ModelBackend
from benchmarks.client import HelpClient, Reply, login
from benchmarks.profiles import cache_ttl, keep_alive_seconds
from benchmarks.stack import Stack
from benchmarks.stats import ratio, summary
from benchmarks.workload import Ask

# The original module's targets (help-module-diagnostic.md, "Après Optimisation").
TARGETS: list[tuple[str, tuple[str, ...], str, float]] = [
    ("mean", ("total", "mean"), "<", 3000.0),
    ("max", ("total", "max"), "<", 5000.0),
    ("spread", ("spread_ms",), "<", 2000.0),
    ("cache hit rate", ("cache_hit_rate",), ">", 0.5),
]


class SimulatedDay:
    def __init__(
        self,
        asks: list[Ask],
        *,
        keep_alive: float,
        cache_ttl: float,
        model_loaded: bool,
        unload: Callable[[], None],
        entries: Callable[[], set[bytes]],
        delete: Callable[[list[bytes]], None],
    ) -> None:
        self.asks = asks
        self.keep_alive, self.cache_ttl = keep_alive, cache_ttl
        self.unload, self.entries, self.delete = unload, entries, delete
        # Simulated times of the asks that used the model (the warm-up: at 0).
        self.uses = [0.0] if model_loaded else []
        self.pending = list(range(len(asks)))  # asks not sent yet, in the day's order
        self.running: dict[int, float] = {}  # ask number -> monotonic time it was sent
        # Cached entry -> simulated time it appeared, and the need of the ask it followed.
        self.stored: dict[bytes, tuple[float, str]] = {}
        self.held: set[int] = set()  # asks that waited for an earlier ask of their need
        self.unloads = self.expiries = 0
        self._state = threading.Condition()

    def next(self) -> tuple[int, Ask] | None:
        """The next ask to send: the earliest whose need lets it go (see the module)."""
        with self._state:
            while self.pending:
                number, wait = self._ready()
                if number is not None:
                    break
                self._state.wait(min(wait, 1.0))
            else:
                return None
            ask = self.asks[number]
            earlier = [self.asks[n].at for n in self.pending if n < number]
            self.pending.remove(number)
            self._expire(ask)
            self._unload_if_idle(ask.at, earlier)
            self.running[number] = time.monotonic()
            return number, ask

    def done(self, number: int, used_model: bool) -> None:
        with self._state:
            del self.running[number]
            ask = self.asks[number]
            if used_model:
                self.uses.append(ask.at)
            found = (ask.at, ask.question.intent)
            self.stored = {key: self.stored.get(key, found) for key in self.entries()}
            self._state.notify_all()

    def _ready(self) -> tuple[int | None, float]:
        """The first pending ask free to go, else None and how long to wait at most."""
        now, needs, soonest = time.monotonic(), set(), math.inf
        for number in self.pending:
            ask = self.asks[number]
            if ask.question.intent in needs:
                continue  # an earlier ask of its need goes first
            needs.add(ask.question.intent)
            wait = self._blocked_for(ask, now)
            if wait <= 0:
                return number, 0.0
            self.held.add(number)
            soonest = min(soonest, wait)
        return None, soonest

    def _blocked_for(self, ask: Ask, now: float) -> float:
        """Seconds until no running ask of the same need blocks ``ask`` (0: none does)."""
        longest = 0.0
        for number, sent in self.running.items():
            earlier = self.asks[number]
            if earlier.question.intent == ask.question.intent:
                longest = max(longest, (ask.at - earlier.at) - (now - sent))
        return longest

    def _expire(self, ask: Ask) -> None:
        """Entries of the ask's need expire at its time; others at the earliest time an
        ask not yet answered may still look them up."""
        watermark = min([ask.at, *(self.asks[n].at for n in self.pending), *self._running_times()])
        expired = [
            key
            for key, (at, need) in self.stored.items()
            if (ask.at if need == ask.question.intent else watermark) - at >= self.cache_ttl
        ]
        self.delete(expired)
        for key in expired:
            del self.stored[key]
        self.expiries += len(expired)

    def _unload_if_idle(self, now: float, earlier: list[float]) -> None:
        """Unload the model when, on the simulated clock, its keep-alive has elapsed since
        its last use before ``now`` (asks running or still to send from before ``now``
        count as uses)."""
        uses = [*self.uses, *self._running_times(), *earlier]
        last = max((at for at in uses if at <= now), default=-math.inf)
        if now - last > self.keep_alive:
            self.unload()
            self.unloads += 1

    def _running_times(self) -> list[float]:
        return [self.asks[number].at for number in self.running]


def run_profile(
    profile: str,
    stack: Stack,
    base_url: str,
    asks: list[Ask],
    hints: dict[str, str],
    users: int,
    label: str = "",
) -> dict[str, Any]:
    """Replay the day on the gunicorn at ``base_url``: through the original module for
    "before", through the app for "after"."""
    backend = stack.backend
    stack.flush()
    backend.unload()
    cookies = login(base_url)
    warmed = ""
    if profile == "after":  # the product's deploy step; the old module had none
        warmed = stack.manage("warm_ollama").strip()
    backend.reset_counters()
    day = SimulatedDay(
        asks,
        keep_alive=keep_alive_seconds(profile),
        cache_ttl=cache_ttl(profile),
        model_loaded=bool(warmed),
        unload=backend.unload,
        entries=lambda: stack.answer_entries(profile),
        delete=stack.delete,
    )
    replies: list[Reply] = []
    log: list[dict[str, Any]] = []
    lock = threading.Lock()

    def user() -> None:
        client = HelpClient(base_url, cookies)
        send = client.ask_original if profile == "before" else client.ask
        while (turn := day.next()) is not None:
            number, ask = turn
            reply = Reply(error="not sent")
            try:
                reply = send(ask.question, hints[ask.question.path])
            finally:
                day.done(number, used_model=reply.source != "cache")
            with lock:
                replies.append(reply)
                log.append(_logged(number, ask, reply))
            print(f"  {label}{profile}: {len(replies)}/{len(asks)} asked", end="\r", flush=True)

    threads = [threading.Thread(target=user) for _ in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print()
    figures = _figures(profile, replies, backend, day, users, warmed)
    figures["log"] = sorted(log, key=lambda row: row["n"])
    return figures


def _logged(number: int, ask: Ask, reply: Reply) -> dict[str, Any]:
    """One ask as the results' JSON keeps it, to check a figure against the day."""
    return {
        "n": number,
        "at_s": round(ask.at),
        "need": ask.question.intent,
        "lang": ask.question.lang,
        "path": ask.question.path,
        "question": ask.question.text,
        "source": reply.source or reply.error,
        "match": reply.match,
        "ms": round(reply.total * 1000),
    }


def _figures(
    profile: str,
    replies: list[Reply],
    backend: ModelBackend,
    day: SimulatedDay,
    users: int,
    warmed: str,
) -> dict[str, Any]:
    answered = [reply for reply in replies if reply.ok]
    asked = len(replies)
    sources = Counter(reply.source for reply in answered)
    levels = Counter(reply.match or "exact" for reply in answered if reply.source == "cache")
    named = ["exact", "similar", *sorted(set(levels) - {"exact", "similar"})]  # and "curated"
    prompt_tokens = backend.prompt_token_counts()
    model_calls = len(prompt_tokens)
    total = summary([reply.total for reply in answered], 5, 50, 95)
    misses = [r for r in answered if r.source == "model" and "model_ms" in r.timings]
    overhead = [(r.timings["total_ms"] - r.timings["model_ms"]) / 1000 for r in misses]
    return {
        "profile": profile,
        "users": users,
        "asks": asked,
        "errors": asked - len(answered),
        "total": total,
        "spread_ms": round(total["p95"] - total["p5"], 1) if answered else None,
        "spread_model_ms": _spread([r.total for r in answered if r.source == "model"]),
        "first_text": summary([r.first_text for r in answered if r.first_text is not None]),
        "first_token": summary([r.first_token for r in answered if r.first_token is not None]),
        "sources": dict(sources),
        "cache_hit_rate": _rate(sources["cache"], asked),
        "hit_rate_by_level": {level: _rate(levels[level], asked) for level in named},
        "hits_by_level": {level: levels[level] for level in named},
        "model_calls": model_calls,
        "cold_loads": backend.loads,
        "model_connections": backend.connections,
        "prompt_tokens": sum(prompt_tokens),
        "prompt_tokens_per_call": round(sum(prompt_tokens) / model_calls, 1) if model_calls else 0,
        "prompt_tokens_per_question": round(sum(prompt_tokens) / asked, 1) if asked else 0,
        "pipeline_overhead_on_miss": summary(overhead),
        "simulated": {
            "unloads": day.unloads,
            "cache_expiries": day.expiries,
            "held_for_need_order": len(day.held),
            "keep_alive_s": day.keep_alive,
            "cache_ttl_s": day.cache_ttl,
        },
        "warm_up": warmed,
    }


def _spread(values: list[float]) -> float | None:
    figures = summary(values, 5, 95)
    return round(figures["p95"] - figures["p5"], 1) if values else None


def _rate(count: int, asked: int) -> float | None:
    return round(count / asked, 3) if asked else None


COMPARED = [
    ("mean", ("total", "mean")),
    ("p50", ("total", "p50")),
    ("p95", ("total", "p95")),
    ("max", ("total", "max")),
    ("spread", ("spread_ms",)),
    ("first text p50", ("first_text", "p50")),
    ("first text p95", ("first_text", "p95")),
    ("cache hit rate", ("cache_hit_rate",)),
    ("model calls", ("model_calls",)),
    ("prompt tokens per question", ("prompt_tokens_per_question",)),
    ("prompt tokens", ("prompt_tokens",)),
]


def ratios(before: dict[str, Any], after: dict[str, Any]) -> dict[str, float | None]:
    """after / before for each compared figure."""
    return {name: ratio(dig(after, path), dig(before, path)) for name, path in COMPARED}


def targets(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each of the original module's targets: the figure, the limit, met or not, and by how
    much (``margin``: room left when met, shortfall when not; ms, or a rate)."""
    result = {}
    for name, path, sign, limit in TARGETS:
        value = dig(figures, path)
        if value is None:
            result[name] = {"value": None, "limit": limit, "sign": sign, "met": None}
            continue
        margin = limit - value if sign == "<" else value - limit
        result[name] = {
            "value": value,
            "limit": limit,
            "sign": sign,
            "met": margin > 0,
            "margin": round(abs(margin), 3),
        }
    return result


def dig(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key, {}) if isinstance(data, dict) else {}
    return data if isinstance(data, int | float) else None
