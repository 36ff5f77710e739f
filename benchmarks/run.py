"""Every scenario in one run, "before" and "after" side by side: ``make bench`` (the Ollama
stand-in) or ``make bench MODEL=real`` (SmolLM2-135M through llama-cpp-python).

    .venv/bin/python -m benchmarks.run [--model standin|real] [--users N] [--asks N]
        [--days realistic question-set] [--load-seconds S] [--crowd-seconds S]
        [--skip ceiling load browser crowd]

``--asks``, ``--days``, ``--load-seconds``, ``--crowd-seconds`` and ``--skip`` make a shorter
run while developing. The crowd (crowd.py) compares the servers side by side at the end,
with the stand-in only (it makes the model slow, then hung).
Writes benchmarks/results/<timestamp>-<backend>.json and .md, and prints the Markdown.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from typing import Any

from benchmarks import browser, ceiling, crowd, load, side_by_side
from benchmarks.backends import make_backend
from benchmarks.client import HelpClient, login, page_hints, visit
from benchmarks.profiles import compared_settings, help_settings
from benchmarks.render import render
from benchmarks.report import machine, versions, write, write_json
from benchmarks.stack import DEFAULT_SERVER, SERVER_TITLES, Stack
from benchmarks.workload import load_questions, scenarios

# Simulated users replaying a day. The stand-in serves calls in parallel without slowing
# down, so four users only compress the run; the real model answers one call at a time on
# this machine's CPU, so one user keeps its latencies free of queueing.
DEFAULT_USERS = {"standin": 4, "real": 1}
LOAD_USERS = (10, 50)
PROFILES = ("before", "after")
DAYS = ("realistic", "question-set")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("standin", "real"), default="standin")
    parser.add_argument("--users", type=int, help="simulated users in the side-by-side run")
    parser.add_argument("--asks", type=int, help="replay only each day's first N asks")
    parser.add_argument(
        "--days", nargs="*", choices=DAYS, default=list(DAYS), help="the days to replay"
    )
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--crowd-seconds", type=float, default=crowd.SECONDS)
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=("ceiling", "load", "browser", "crowd"),
        metavar="PART",
    )
    args = parser.parse_args()
    users = args.users or DEFAULT_USERS[args.model]
    started = time.monotonic()

    questions = load_questions()
    days = [day for day in scenarios(questions, args.asks) if day.name in args.days]
    paths = {q.path for q in questions} | {a.question.path for day in days for a in day.asks}
    record: dict[str, Any] = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "backend": args.model,
        "command": "make bench" + (" MODEL=real" if args.model == "real" else ""),
        "machine": machine(),
        "versions": versions(),
        "server": f"{SERVER_TITLES[DEFAULT_SERVER]}, Redis, SQLite (WAL)",
        "settings": compared_settings(),
        "help_settings_after": help_settings(),
    }
    shortened = args.load_seconds != 60.0 or args.crowd_seconds != crowd.SECONDS
    if args.asks or args.skip or shortened or len(days) < len(DAYS):
        record["command"] += (
            " (shortened: "
            + " ".join(
                f"{flag} {value}"
                for flag, value in (
                    ("--asks", args.asks),
                    ("--load-seconds", args.load_seconds if args.load_seconds != 60.0 else None),
                    (
                        "--crowd-seconds",
                        args.crowd_seconds if args.crowd_seconds != crowd.SECONDS else None,
                    ),
                    ("--skip", " ".join(args.skip) or None),
                    ("--days", " ".join(args.days) if len(days) < len(DAYS) else None),
                )
                if value
            )
            + ")"
        )
    results: dict[str, dict[str, Any]] = {day.name: {} for day in days}
    backend = make_backend(args.model)
    backend.start()
    stack = Stack(backend)
    try:
        _step(started, "setup: Redis, migrate, load_demo, collectstatic")
        stack.prepare()

        for profile in PROFILES:
            with stack.serve(profile) as base_url:
                if profile == "before":
                    hints = page_hints(HelpClient(base_url, login(base_url)), paths)
                for day in days:
                    _step(started, f"{day.title}: {profile} ({len(day.asks)} asks, {users} users)")
                    results[day.name][profile] = side_by_side.run_profile(
                        profile, stack, base_url, day.asks, hints, users, label=f"{day.name} "
                    )
                if profile == "after":
                    _other_scenarios(args, record, stack, base_url, questions, hints, started)
        # The crowd makes the model slow, then hung, on purpose: the stand-in only.
        if "crowd" not in args.skip and args.model == "standin":  # its own servers
            record["crowd"] = crowd.run_crowd(
                stack,
                questions,
                hints,
                seconds=args.crowd_seconds,
                log=lambda message: _step(started, message),
            )
        record["side_by_side"] = {
            "users": users,
            "scenarios": [
                {
                    "name": day.name,
                    "title": day.title,
                    "workload": day.about,
                    **results[day.name],
                    "ratios": side_by_side.ratios(
                        results[day.name]["before"], results[day.name]["after"]
                    ),
                    "targets": {
                        profile: side_by_side.targets(results[day.name][profile])
                        for profile in PROFILES
                    },
                }
                for day in days
            ],
        }
        record["model"] = backend.describe()
    finally:
        backend.stop()
        stack.close()

    record["duration_s"] = round(time.monotonic() - started, 1)
    write_json(record)  # first: a failure to render must lose no measurement
    markdown = render(record) + ("\n" + crowd.render(record["crowd"]) if "crowd" in record else "")
    json_path, md_path = write(record, markdown)
    print()
    print(markdown)
    print(f"Written: {json_path} and {md_path} ({record['duration_s']:.0f} s)")


def _other_scenarios(
    args: argparse.Namespace,
    record: dict[str, Any],
    stack: Stack,
    base_url: str,
    questions: list[Any],
    hints: dict[str, str],
    started: float,
) -> None:
    """The ceiling, load and browser scenarios, on the "after" gunicorn."""
    cookies = login(base_url)
    if "ceiling" not in args.skip:
        _step(started, "ceiling: cached answer against one Redis GET")
        record["ceiling"] = ceiling.run_ceiling(
            lambda: HelpClient(base_url, cookies),
            HelpClient(base_url, visit(base_url).cookies),
            questions[0],
        )
    if "load" not in args.skip:
        record["load"] = []
        for count in LOAD_USERS:
            _step(started, f"load: {count} users for {args.load_seconds:.0f} s")
            record["load"].append(
                load.run_load(stack, base_url, cookies, questions, hints, count, args.load_seconds)
            )
    if "browser" not in args.skip:
        _step(started, "browser: token to screen, repeat question")
        browser_cookies = [{"name": c.name, "value": c.value, "url": base_url} for c in cookies]
        record["browser"] = browser.run_browser(
            base_url, browser_cookies, stack.backend, questions, stack.expire_answers
        )


def _step(started: float, message: str) -> None:
    print(f"[{time.monotonic() - started:6.0f} s] {message}", flush=True)


if __name__ == "__main__":
    main()
