"""A run's record as Markdown: the tables the README's Performance section quotes."""

from __future__ import annotations

import math
from typing import Any


def render(record: dict[str, Any]) -> str:
    parts = [
        _header(record),
        _side_by_side(record["side_by_side"]),
        _ceiling(record["ceiling"]),
        _load(record["load"]),
        _browser(record["browser"]),
        _settings(record["settings"]),
        _method(record),
    ]
    return "\n\n".join(parts) + "\n"


def _header(record: dict[str, Any]) -> str:
    m, v, model = record["machine"], record["versions"], record["model"]
    details = ", ".join(f"{k} {val}" for k, val in model.items() if k not in ("backend", "model"))
    return "\n".join(
        [
            f"# help benchmarks: {record['date']}, {record['backend']}",
            "",
            f"Reproduce with `{record['command']}`; took {record['duration_s']:.0f} s.",
            "",
            f"- Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory_gb']} GB, "
            f"load average at start {m['load_average_at_start']}",
            "- Versions: " + ", ".join(f"{name} {ver}" for name, ver in v.items()),
            f"- Model: {model['model']}; {model['backend']}; {details}",
            f"- Server: {record['server']}",
        ]
    )


def _side_by_side(data: dict[str, Any]) -> str:
    before, after, ratios = data["before"], data["after"], data["ratios_after_over_before"]
    rows = [
        ("mean", "total", "mean", "mean"),
        ("p50", "total", "p50", "p50"),
        ("p95", "total", "p95", "p95"),
        ("max", "total", "max", "max"),
        ("first text p50 (token, fallback or cache)", "first_text", "p50", "first text p50"),
        ("first text p95", "first_text", "p95", "first text p95"),
        ("first model token p50 (misses)", "first_token", "p50", "first token p50"),
    ]
    lines = [
        "## 1. Before and after, side by side",
        "",
        f"{before['asks']} questions asked by {before['users']} simulated user(s) on a simulated "
        "day; times in ms, from the client, through gunicorn (POST /help/ask/stream).",
        "",
        "| | before | after | after / before |",
        "|---|---:|---:|---:|",
    ]
    for label, group, key, name in rows:
        lines.append(
            f"| {label} | {_n(before[group].get(key))} | {_n(after[group].get(key))} "
            f"| {_r(ratios[name])} |"
        )
    for label, key, name in [
        ("cache hit rate", "cache_hit_rate", None),
        ("model calls", "model_calls", "model calls"),
        ("cold loads of the model", "cold_loads", None),
        ("TCP connections to the model", "model_connections", None),
        ("prompt tokens per model call", "prompt_tokens_per_call", None),
        ("prompt tokens per question", "prompt_tokens_per_question", "prompt tokens per question"),
        ("errors", "errors", None),
    ]:
        ratio = _r(ratios[name]) if name else ""
        lines.append(f"| {label} | {_n(before[key])} | {_n(after[key])} | {ratio} |")
    lines.append(
        f"| answers by source | {_sources(before['sources'])} | {_sources(after['sources'])} | |"
    )
    overhead = after["pipeline_overhead_on_miss"]
    if overhead.get("n"):
        lines += [
            "",
            f"Pipeline overhead on a miss (server total minus model time, {overhead['n']} model "
            f"answers, after): p50 {_n(overhead['p50'])} ms, p95 {_n(overhead['p95'])} ms.",
        ]
    lines += [
        "",
        f"Simulated day: the model was unloaded {before['simulated']['unloads']} times before "
        f"(Ollama's default keep-alive, {before['simulated']['keep_alive_s']:.0f} s, "
        f"elapsed between questions) and {after['simulated']['unloads']} times after "
        f"(keep_alive 60m); the answer cache was emptied {after['simulated']['cache_expiries']} "
        "times after (each simulated hour, for its 1 h TTL). "
        f"After: {after['warm_up'] or 'no warm-up'}",
    ]
    return "\n".join(lines)


def _ceiling(data: dict[str, Any]) -> str:
    lines = [
        "## 2. A cached answer against the ceiling",
        "",
        f"One client, {data['rounds']} rounds interleaved, keep-alive; throughput with "
        f"{data['throughput_users']} concurrent users. The ceiling is a bare JSON view on the "
        "same server doing one Redis GET (benchmarks/bench_urls.py, not in the product).",
        "",
        "| request | p50 ms | p99 ms | mean ms | requests/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, figures in data["latency"].items():
        rps = data["throughput_rps"].get(name)
        lines.append(
            f"| {name} | {_n(figures['p50'])} | {_n(figures['p99'])} | {_n(figures['mean'])} "
            f"| {_n(rps) if rps is not None else ''} |"
        )
    lines += [
        "",
        f"Ours / ceiling: p50 x{_r(data['ratio_p50'])}, p99 x{_r(data['ratio_p99'])}, "
        f"throughput x{_r(data['ratio_throughput'])}.",
    ]
    return "\n".join(lines)


def _load(runs: list[dict[str, Any]]) -> str:
    lines = [
        "## 3. Load",
        "",
        "Users ask without pause in the question set's mix, the answer cache empty at the start;"
        " times in ms.",
        "",
        "| users | seconds | requests | requests/s | errors | cache hit rate | model calls "
        "| p50 | p95 | p99 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        a = run["all"]
        lines.append(
            f"| {run['users']} | {run['seconds']:.0f} | {run['requests']} "
            f"| {_n(run['throughput_rps'])} | {run['errors']} | {_n(run['cache_hit_rate'])} "
            f"| {run['model_calls']} | {_n(a.get('p50'))} | {_n(a.get('p95'))} "
            f"| {_n(a.get('p99'))} |"
        )
    lines += [
        "",
        "| users | source | answers | p50 | p95 | p99 |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        for source, s in run["by_source"].items():
            lines.append(
                f"| {run['users']} | {source} | {s['n']} | {_n(s['p50'])} | {_n(s['p95'])} "
                f"| {_n(s['p99'])} |"
            )
    kinds = {k: v for run in runs for k, v in run["error_kinds"].items()}
    if kinds:
        lines += ["", "Errors: " + ", ".join(f"{k} ({v})" for k, v in kinds.items())]
    return "\n".join(lines)


def _browser(data: dict[str, Any]) -> str:
    screen, dom, enter, repeat = (
        data["token_to_screen"],
        data["token_to_dom"],
        data["enter_to_first_text"],
        data["repeat"],
    )
    return "\n".join(
        [
            "## 4. In the browser (headless Chromium)",
            "",
            "| measure | p50 ms | max ms |",
            "|---|---:|---:|",
            f"| model's first token sent -> in the widget's DOM | {_n(dom['p50'])} "
            f"| {_n(dom['max'])} |",
            f"| model's first token sent -> next frame | {_n(screen['p50'])} "
            f"| {_n(screen['max'])} |",
            f"| Enter -> first text on screen (model answers) | {_n(enter['p50'])} "
            f"| {_n(enter['max'])} |",
            "",
            f"{screen['n']} new questions. A repeat question on the same page: answer on screen "
            f"{_n(repeat['enter_to_answer_ms'])} ms after Enter, "
            f"{repeat['requests_to_ask']} requests to /help/ask.",
        ]
    )


def _settings(settings: dict[str, dict[str, Any]]) -> str:
    before, after = settings["before"], settings["after"]
    lines = [
        "## Settings compared (HELP)",
        "",
        "| setting | before | after |",
        "|---|---|---|",
    ]
    for key in before:
        if before[key] != after[key]:
            lines.append(f"| {key} | {before[key]!r} | {after[key]!r} |")
    lines += [
        "",
        f"Both: RATE_LIMIT {after['RATE_LIMIT']!r} (benchmark only: every simulated user "
        "shares one login), everything else at the product's defaults.",
    ]
    return "\n".join(lines)


def _method(record: dict[str, Any]) -> str:
    w = record["workload"]
    return "\n".join(
        [
            "## Method",
            "",
            f"- Workload: {w['questions']} questions (benchmarks/questions.json, French and "
            f"English), {w['asks']} asks in a skewed mix (a few asked often, most once), "
            f"shuffled with seed {w['seed']}, on a simulated day of {w['simulated_day_hours']} h"
            f" (exponential gaps, mean {w['mean_gap_s']:.0f} s). The run is compressed: the "
            "simulated clock only decides when the model's keep-alive has elapsed between two "
            "questions (the model is then unloaded: the next call is a cold load, as when the "
            "old module's users found Ollama cold) and when cached answers expire (the cache "
            "is emptied at each simulated hour, once the calls in flight are done: "
            "pessimistic for a 1 h TTL, so the hit rate is a floor).",
            "- 'before' is the original module's configuration as settings, run by today's "
            "code: it streams, which the old module did not (its users saw nothing until the "
            "total), so its first-text figures flatter it.",
            "- Page hints: each page's text as the old widget gathered it (headings, buttons, "
            "links, labels; at most 2000 characters), capped by the server to MAX_HINTS_CHARS.",
            "- Prompt tokens are estimated at four characters a token, like the stand-in.",
            "- The load generator (Python threads, one keep-alive connection per user) runs on "
            "the same machine as gunicorn, Redis and the model: it competes for the CPUs.",
        ]
    )


def _n(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _r(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _sources(sources: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(sources.items())) or "-"
