"""Soak: 50 users for 10 minutes against gunicorn, with a fault injected every minute.

Each minute starts a fault of Ollama or Redis that lasts 20 seconds, then everything is
well again for 40. Every 10 seconds the gunicorn processes' resident memory, threads and
open sockets are sampled. The run fails (exit 1) on any 5xx, or when memory, threads or
sockets keep growing after the warm-up.

    make soak                      # 50 users, 600 s
    python -m benchmarks.soak --users 10 --seconds 120
"""

from __future__ import annotations

import argparse
import itertools
import os
import threading
import time
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.backends import make_backend
from benchmarks.client import HelpClient, login, page_hints
from benchmarks.report import machine, versions, write
from benchmarks.stack import Stack
from benchmarks.stats import summary
from benchmarks.workload import WeightedPicker, load_questions

FAULTS = [
    ("ollama down", "down"),
    ("ollama hung", "hung"),
    ("redis stopped", "redis"),
    ("ollama 503", "status_503"),
    ("first token late", "slow_first_token"),
    ("reset mid-stream", "reset"),
    ("error line mid-stream", "error_line"),
    ("ollama 500", "status_500"),
]
NEW_QUESTION_EVERY = 10  # the rest repeat the question set and mostly hit the cache
FAULT_SECONDS = 20
PERIOD_SECONDS = 60
SAMPLE_SECONDS = 10
WARM_UP_SECONDS = 120
# Allowed growth from the end of the warm-up to the end of the run.
MEMORY_GROWTH = 0.10
THREADS_GROWTH = 4
SOCKETS_GROWTH = 8


def gunicorn_processes(port: int) -> list[int]:
    """The pids of the master and workers serving ``port``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"gunicorn" in command and f"127.0.0.1:{port}".encode() in command:
            pids.append(int(entry.name))
    return sorted(pids)


def sample(pids: list[int]) -> dict[str, int]:
    rss_kb = threads = sockets = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss_kb += int(fields["VmRSS"].split()[0])
        threads += int(fields["Threads"])
        for fd in fds:
            try:
                sockets += os.readlink(fd).startswith("socket:")
            except OSError:
                continue
    return {"rss_mb": round(rss_kb / 1024), "threads": threads, "sockets": sockets}


def inject(stack: Stack, backend: Any, mode: str) -> None:
    if mode == "redis":
        stack.redis.stop()
    elif mode == "slow_first_token":
        backend.set_mode(mode, seconds=8.0)
    else:
        backend.set_mode(mode)


def heal(stack: Stack, backend: Any) -> None:
    if not stack.redis.running:
        stack.redis.start()
    backend.set_mode("ok")


def run(users: int, seconds: float) -> dict[str, Any]:
    backend = make_backend("standin")
    backend.start()
    stack = Stack(backend)
    statuses: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    totals: list[float] = []
    samples: list[dict[str, Any]] = []
    faults: list[dict[str, Any]] = []
    lock = threading.Lock()
    try:
        stack.prepare()
        with stack.serve("after") as base_url:
            port = int(base_url.rsplit(":", 1)[1])
            cookies = login(base_url)
            questions = load_questions()
            hints = page_hints(HelpClient(base_url, cookies), {q.path for q in questions})
            started = time.monotonic()
            end = started + seconds

            def user(number: int) -> None:
                client = HelpClient(base_url, cookies)
                picker = WeightedPicker(questions, seed=number)
                for asked in itertools.count():
                    if time.monotonic() >= end:
                        break
                    question = picker.pick()
                    if asked % NEW_QUESTION_EVERY == 0:
                        # A question nobody asked yet: the model (and its faults) stay in play.
                        question = replace(question, text=f"{question.text} ({number}-{asked})")
                    reply = client.ask(question, hints[question.path])
                    with lock:
                        statuses[str(reply.status or reply.error or "no answer")] += 1
                        if reply.ok:
                            sources[reply.source] += 1
                            totals.append(reply.total)

            threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(users)]
            for thread in threads:
                thread.start()
            schedule = itertools.cycle(FAULTS)
            next_fault = started + PERIOD_SECONDS / 2
            healed_at = None
            while time.monotonic() < end:
                now = time.monotonic()
                if healed_at is None and now >= next_fault:
                    name, mode = next(schedule)
                    inject(stack, backend, mode)
                    faults.append({"at_s": round(now - started), "fault": name})
                    print(f"{now - started:5.0f} s  fault: {name}", flush=True)
                    healed_at = now + FAULT_SECONDS
                    next_fault += PERIOD_SECONDS
                if healed_at is not None and now >= healed_at:
                    heal(stack, backend)
                    healed_at = None
                if not samples or now - samples[-1]["_t"] >= SAMPLE_SECONDS:
                    figures = sample(gunicorn_processes(port))
                    samples.append({"_t": now, "at_s": round(now - started), **figures})
                    with lock:
                        done = sum(statuses.values())
                    print(f"{now - started:5.0f} s  {done} answers  {figures}", flush=True)
                time.sleep(0.5)
            heal(stack, backend)
            for thread in threads:
                thread.join(timeout=60)
    finally:
        backend.stop()
        stack.close()
    for entry in samples:
        entry.pop("_t")
    return verdict(users, seconds, statuses, sources, totals, samples, faults)


def verdict(
    users: int,
    seconds: float,
    statuses: Counter[str],
    sources: Counter[str],
    totals: list[float],
    samples: list[dict[str, Any]],
    faults: list[dict[str, Any]],
) -> dict[str, Any]:
    warm_up = min(WARM_UP_SECONDS, seconds / 4)  # short trial runs keep most of their samples
    warm = [s for s in samples if s["at_s"] >= warm_up] or samples
    first, last = warm[0], warm[-1]
    server_errors = sum(count for status, count in statuses.items() if status.startswith("5"))
    checks = {
        "no 5xx": server_errors == 0,
        "memory flat": last["rss_mb"] <= first["rss_mb"] * (1 + MEMORY_GROWTH),
        "threads flat": max(s["threads"] for s in warm) <= first["threads"] + THREADS_GROWTH,
        "sockets flat": max(s["sockets"] for s in warm) <= first["sockets"] + SOCKETS_GROWTH,
    }
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "backend": "soak",
        "command": f"python -m benchmarks.soak --users {users} --seconds {seconds:.0f}",
        "machine": machine(),
        "versions": versions(),
        "users": users,
        "seconds": seconds,
        "answers": sum(statuses.values()),
        "statuses": dict(statuses),
        "sources": dict(sources),
        "latency_ms": summary(totals, 50, 95, 99),
        "faults": faults,
        "samples": samples,
        "after_warm_up": {"first": first, "last": last},
        "checks": checks,
        "passed": all(checks.values()),
    }


def render(record: dict[str, Any]) -> str:
    first, last = record["after_warm_up"]["first"], record["after_warm_up"]["last"]
    latency = record["latency_ms"]
    lines = [
        f"# Soak, {record['date']}",
        "",
        f"`{record['command']}`: {record['users']} users, {record['seconds']:.0f} s, "
        f"a {FAULT_SECONDS} s fault every {PERIOD_SECONDS} s "
        f"({', '.join(f['fault'] for f in record['faults'])}).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| answers | {record['answers']} |",
        f"| HTTP statuses | {record['statuses']} |",
        f"| sources | {record['sources']} |",
        f"| latency p50 / p95 / p99 | {latency.get('p50')} / {latency.get('p95')} / "
        f"{latency.get('p99')} ms |",
        f"| resident memory after warm-up, then at the end | {first['rss_mb']} MB -> "
        f"{last['rss_mb']} MB |",
        f"| threads after warm-up, then at the end | {first['threads']} -> {last['threads']} |",
        f"| open sockets after warm-up, then at the end | {first['sockets']} -> "
        f"{last['sockets']} |",
        "",
        "Checks: "
        + ", ".join(f"{name} {'ok' if ok else 'FAILED'}" for name, ok in record["checks"].items()),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=600.0)
    args = parser.parse_args()
    record = run(args.users, args.seconds)
    markdown = render(record)
    json_path, md_path = write(record, markdown)
    print()
    print(markdown)
    print(f"Written: {json_path} and {md_path}")
    raise SystemExit(0 if record["passed"] else 1)


if __name__ == "__main__":
    main()
