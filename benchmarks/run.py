"""Every scenario in one run, "before" and "after" side by side: ``make bench`` (the Ollama
stand-in) or ``make bench MODEL=real`` (SmolLM2-135M through llama-cpp-python).

    .venv/bin/python -m benchmarks.run [--model standin|real] [--users N] [--load-seconds S]

Writes benchmarks/results/<timestamp>-<backend>.json and .md, and prints the Markdown.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

from benchmarks import browser, ceiling, load, side_by_side
from benchmarks.backends import make_backend
from benchmarks.client import HelpClient, login, page_hints
from benchmarks.profiles import help_settings, keep_alive_seconds
from benchmarks.render import render
from benchmarks.report import machine, versions, write, write_json
from benchmarks.stack import THREADS, WORKERS, Stack
from benchmarks.workload import MEAN_GAP_SECONDS, SEED, day_sequence, load_questions

# Simulated users replaying the day. The stand-in serves calls in parallel without slowing
# down, so four users only compress the run; the real model answers one call at a time on
# this machine's CPU, so one user keeps its latencies free of queueing.
DEFAULT_USERS = {"standin": 4, "real": 1}
LOAD_USERS = (10, 50)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("standin", "real"), default="standin")
    parser.add_argument("--users", type=int, help="simulated users in the side-by-side run")
    parser.add_argument("--load-seconds", type=float, default=60.0)
    args = parser.parse_args()
    users = args.users or DEFAULT_USERS[args.model]
    started = time.monotonic()

    questions = load_questions()
    asks = day_sequence(questions)
    record: dict[str, Any] = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "backend": args.model,
        "command": "make bench" + (" MODEL=real" if args.model == "real" else ""),
        "machine": machine(),
        "versions": versions(),
        "workload": {
            "questions": len(questions),
            "asks": len(asks),
            "languages": sorted({q.lang for q in questions}),
            "simulated_day_hours": round(asks[-1].at / 3600, 1),
            "mean_gap_s": MEAN_GAP_SECONDS,
            "seed": SEED,
        },
        "server": f"gunicorn gthread, {WORKERS} workers x {THREADS} threads, Redis, SQLite (WAL)",
        "settings": {profile: help_settings(profile) for profile in ("before", "after")},
    }
    backend = make_backend(args.model)
    backend.start()
    stack = Stack(backend)
    try:
        _step(started, "setup: Redis, migrate, load_demo, collectstatic")
        stack.prepare()

        with stack.serve("before") as base_url:
            hints = page_hints(HelpClient(base_url, login(base_url)), {q.path for q in questions})
            _step(started, f"side by side: before ({len(asks)} asks, {users} user(s))")
            before = side_by_side.run_profile("before", stack, base_url, asks, hints, users)

        with stack.serve("after") as base_url:
            _step(started, f"side by side: after ({len(asks)} asks, {users} user(s))")
            after = side_by_side.run_profile("after", stack, base_url, asks, hints, users)
            record["side_by_side"] = {
                "before": before,
                "after": after,
                "ratios_after_over_before": side_by_side.ratios(before, after),
                "keep_alive_s": {p: keep_alive_seconds(p) for p in ("before", "after")},
            }
            cookies = login(base_url)

            _step(started, "ceiling: cached answer against one Redis GET")
            record["ceiling"] = ceiling.run_ceiling(
                lambda: HelpClient(base_url, cookies), questions[0]
            )

            record["load"] = []
            for count in LOAD_USERS:
                _step(started, f"load: {count} users for {args.load_seconds:.0f} s")
                record["load"].append(
                    load.run_load(
                        stack, base_url, cookies, questions, hints, count, args.load_seconds
                    )
                )

            _step(started, "browser: token to screen, repeat question")
            browser_cookies = [{"name": c.name, "value": c.value, "url": base_url} for c in cookies]
            record["browser"] = browser.run_browser(
                base_url, browser_cookies, backend, questions, stack.expire_answers
            )
        record["model"] = backend.describe()
    finally:
        backend.stop()
        stack.close()

    record["duration_s"] = round(time.monotonic() - started, 1)
    write_json(record)  # first: a failure to render must lose no measurement
    markdown = render(record)
    json_path, md_path = write(record, markdown)
    print()
    print(markdown)
    print(f"Written: {json_path} and {md_path} ({record['duration_s']:.0f} s)")


def _step(started: float, message: str) -> None:
    print(f"[{time.monotonic() - started:6.0f} s] {message}", flush=True)


if __name__ == "__main__":
    main()
