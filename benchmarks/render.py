"""A run's record as Markdown: the tables the README's Performance section quotes."""

from __future__ import annotations

import math
from typing import Any

from benchmarks.side_by_side import dig


def render(record: dict[str, Any]) -> str:
    side = record["side_by_side"]
    parts = [_header(record), _targets_summary(side["scenarios"])]
    for number, scenario in enumerate(side["scenarios"], 1):
        parts.append(_side_by_side(number, side["users"], scenario))
    number = len(side["scenarios"])
    for key, section in (("ceiling", _ceiling), ("load", _load), ("browser", _browser)):
        if key in record:
            number += 1
            parts.append(section(number, record[key]))
    parts += [_settings(record["settings"]), _method()]
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


def _targets_summary(scenarios: list[dict[str, Any]]) -> str:
    lines = [
        "## The original module's targets",
        "",
        "Its team's goals after its own optimisations (help-module-diagnostic.md): mean under "
        "3 s, worst under 5 s, spread (here p95 − p5) under 2 s, cache hit rate over 50 %.",
        "",
        "| target | "
        + " | ".join(f"{s['name'].replace('-', ' ')} day: before | after" for s in scenarios)
        + " |",
        "|---|" + "---:|---:|" * len(scenarios),
    ]
    for name, label in TARGET_LABELS.items():
        cells = []
        for scenario in scenarios:
            for profile in ("before", "after"):
                target = scenario["targets"][profile][name]
                cells.append(f"{_value(name, target['value'])} {_met(target)}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


TARGET_LABELS = {
    "mean": "mean < 3 s",
    "max": "worst (max) < 5 s",
    "spread": "spread (p95 − p5) < 2 s",
    "cache hit rate": "cache hit rate > 50 %",
}
TARGET_LIMITS = {"mean": "< 3 s", "max": "< 5 s", "spread": "< 2 s", "cache hit rate": "> 50 %"}


def _side_by_side(number: int, users: int, scenario: dict[str, Any]) -> str:
    before, after, ratios = scenario["before"], scenario["after"], scenario["ratios"]
    goals = {"before": scenario["targets"]["before"], "after": scenario["targets"]["after"]}
    w = scenario["workload"]
    if "needs" in w:
        shape = (
            f"{w['asks']} asks drawn from {w['needs']} needs (weight 1 / rank, Zipf s = "
            f"{w['zipf_s']:g}) in {w['phrasings']} phrasings, French and English, and from "
            f"{w['one_offs']} one-off questions; {w['distinct_wordings']} distinct wordings "
            f"(question and page), the most asked need {w['top_intent_share']:.0%} of asks, "
            f"{w['english']} in English"
        )
        shape += _repeats(w)
    else:
        shape = (
            f"{w['asks']} asks of the question set's {w['questions']} questions "
            f"(benchmarks/questions.json), each as often as its 'asks', shuffled; "
            f"{w['distinct_wordings']} distinct wordings, {w['intents']} needs, "
            f"{w['english']} in English"
        )
        shape += _repeats(w)
    rows: list[tuple[str, tuple[str, ...], str | None, str | None]] = [
        ("mean", ("total", "mean"), "mean", "mean"),
        ("p50", ("total", "p50"), "p50", None),
        ("p95", ("total", "p95"), "p95", None),
        ("max (worst)", ("total", "max"), "max", "max"),
        ("spread (p95 − p5)", ("spread_ms",), "spread", "spread"),
        ("spread of the model's answers alone", ("spread_model_ms",), None, None),
        ("first text p50 (token, fallback or whole answer)", ("first_text", "p50"),
         "first text p50", None),
        ("first text p95", ("first_text", "p95"), "first text p95", None),
        ("first model token p50 (misses)", ("first_token", "p50"), None, None),
        ("cache hit rate, all levels", ("cache_hit_rate",), "cache hit rate", "cache hit rate"),
        *(
            (f"hit rate: {level}", ("hit_rate_by_level", level), None, None)
            for level in sorted(
                set(before["hit_rate_by_level"]) | set(after["hit_rate_by_level"]),
                key=lambda level: (level != "exact", level != "similar", level),
            )
        ),
        ("model calls", ("model_calls",), "model calls", None),
        ("cold loads of the model", ("cold_loads",), None, None),
        ("TCP connections to the model", ("model_connections",), None, None),
        ("prompt tokens per model call", ("prompt_tokens_per_call",), None, None),
        ("prompt tokens per question", ("prompt_tokens_per_question",),
         "prompt tokens per question", None),
        ("prompt tokens, all", ("prompt_tokens",), "prompt tokens", None),
        ("errors", ("errors",), None, None),
    ]  # fmt: skip
    lines = [
        f"## {number}. {scenario['title']}: before and after",
        "",
        f"{shape}; a simulated day of {w['simulated_day_hours']} h (exponential gaps, mean "
        f"{w['mean_gap_s']:.0f} s, seed {w['seed']}), {users} simulated user(s). Times in ms, "
        "from the client, through gunicorn: before, the original module (POST "
        "/bench/original/ask, the whole answer in one JSON body); after, this app (POST "
        "/help/ask/stream). Rates are of all asks.",
        "",
        "| | before | after | after / before | original target: before / after |",
        "|---|---:|---:|---:|---|",
    ]
    for label, path, ratio_name, target in rows:
        ratio = _r(ratios.get(ratio_name)) if ratio_name else ""
        goal = ""
        if target:
            goal = (
                f"{TARGET_LIMITS[target]}: {_verdict(target, goals['before'][target])} / "
                f"{_verdict(target, goals['after'][target])}"
            )
        lines.append(
            f"| {label} | {_n(dig(before, path))} | {_n(dig(after, path))} | {ratio} | {goal} |"
        )
    lines.append(
        f"| answers by source | {_sources(before['sources'])} | {_sources(after['sources'])} | | |"
    )
    overhead = after["pipeline_overhead_on_miss"]
    if overhead.get("n"):
        lines += [
            "",
            f"Pipeline overhead on a miss (server total minus model time, {overhead['n']} model "
            f"answers, after): p50 {_n(overhead['p50'])} ms, p95 {_n(overhead['p95'])} ms.",
        ]
    b, a = before["simulated"], after["simulated"]
    lines += [
        "",
        f"Simulated clock: {b['unloads']} asks found the model unloaded before (never loaded, "
        f"or no keep_alive: Ollama's {b['keep_alive_s']:.0f} s elapsed since its last use) "
        f"and {a['unloads']} after (keep_alive {_duration(a['keep_alive_s'])}, loaded at "
        f"deploy); {b['cache_expiries']} cache entries expired before (TTL "
        f"{b['cache_ttl_s']:.0f} s of simulated time) and {a['cache_expiries']} after (TTL "
        f"{_duration(a['cache_ttl_s'])}; an answer is stored at each level); "
        f"{b['held_for_need_order']} asks before and {a['held_for_need_order']} after waited "
        "for an earlier ask of the same need to end. "
        f"After: {after['warm_up'] or 'no warm-up'}",
    ]
    return "\n".join(lines)


def _repeats(workload: dict[str, Any]) -> str:
    if "repeat_need_within_hour" not in workload:
        return ""
    return (
        f"; {workload['repeat_need_within_hour']:.0%} of asks are of a need asked in the hour "
        f"before, {workload['repeat_wording_within_hour']:.0%} repeat a wording (folded, same "
        "page and language) asked in the hour before"
    )


def _value(name: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0%}" if name == "cache hit rate" else f"{value / 1000:.2f} s"


def _met(target: dict[str, Any]) -> str:
    if target["met"] is None:
        return ""
    return "met" if target["met"] else "**not met**"


def _verdict(name: str, target: dict[str, Any]) -> str:
    if target["met"] is None:
        return "-"
    margin = target["margin"]
    if name == "cache hit rate":
        by = f"{margin * 100:.0f} pts {'over' if target['met'] else 'short'}"
    else:
        by = f"{margin / 1000:.2f} s {'to spare' if target['met'] else 'over'}"
    return f"{'met' if target['met'] else '**not met**'}, {by}"


def _duration(seconds: float) -> str:
    if math.isinf(seconds):
        return "forever"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _ceiling(number: int, data: dict[str, Any]) -> str:
    lines = [
        f"## {number}. A cached answer against the ceiling",
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


def _load(number: int, runs: list[dict[str, Any]]) -> str:
    lines = [
        f"## {number}. Load",
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


def _browser(number: int, data: dict[str, Any]) -> str:
    screen, dom, enter, repeat = (
        data["token_to_screen"],
        data["token_to_dom"],
        data["enter_to_first_text"],
        data["repeat"],
    )
    return "\n".join(
        [
            f"## {number}. In the browser (headless Chromium)",
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


def _settings(rows: list[dict[str, str]]) -> str:
    lines = [
        "## Compared: the original module and this app",
        "",
        "| | before: the original module | after: this app's defaults (HELP) |",
        "|---|---|---|",
    ]
    for row in rows:
        lines.append(f"| {row['setting']} | {row['before']} | {row['after']} |")
    lines += [
        "",
        "Both run on the same gunicorn, Redis, database and model backend; after, "
        "RATE_LIMIT is '1000000/m' (benchmark only: every simulated user shares one login).",
    ]
    return "\n".join(lines)


def _method() -> str:
    return "\n".join(
        [
            "## Method",
            "",
            "- Before is not today's code: it is benchmarks/original_module.py, a small view "
            "served on the same gunicorn (/bench/original/ask, benchmark only) that works as "
            "the original module did: its own answer cache keyed by the question exactly as "
            "typed and the page, 60 s; no single flight (identical questions at once each "
            "call the model); a prompt of the page hints cut at 800 characters and help "
            "articles at 1,200 (those holding the question's words or documenting its page); "
            "one POST /api/chat with stream false per attempt, on a new connection, no "
            "keep_alive, no options; 3 s connect and 20 s read timeouts; 3 attempts, 0.3 s "
            "backoff doubling; no streaming and no deadline, so its users saw nothing until "
            "the whole answer: its time to first text is its total.",
            "- The realistic day (benchmarks/needs.json): query logs of web and site search "
            "and help desks are skewed, a few requests making most of the traffic with a "
            "Zipf-like frequency (about 1 / rank) and a long tail asked once. So each ask is "
            "a need drawn from the demo's 18 tasks with weight 1 / rank, or, one ask in "
            "seven, a one-off question; then the language (a quarter English), a phrasing "
            "among 3 to 5 per language written as users type (weight 1 / its rank) and a "
            "page the need is asked from. The question set's day replays the previous "
            "workload (benchmarks/questions.json): flatter over needs, but with questions "
            "asked again in the very same words, so it is not the harder one for the cache. "
            "For each day the report gives two bounds for a 1 h cache: the asks whose "
            "wording (folded, same page and language) or whose need was already asked in "
            "the hour before.",
            "- The run is compressed; a simulated clock keeps the day's time. The model stays "
            "loaded for the keep-alive after its last use in simulated time (Ollama's 5 min "
            "default before, 60 min after), else it is unloaded and the next call is a cold "
            "load. Each cached answer is dated by the ask after which it appeared in Redis and "
            "deleted once its TTL has elapsed in simulated time (60 s before, 1 h after), "
            "not refreshed by hits. Asks of one need keep the day's order: one waits for a "
            "running ask of the same need unless it comes, in simulated time, while that one "
            "would still be running (later asks of other needs may go meanwhile); so "
            "identical questions run together only when they would have on the day.",
            "- After runs the product's defaults with the demo site's vocabulary "
            "(monchai.help_vocabulary, as monchai/settings.py sets it): the synonyms the "
            "search and the similar level use.",
            "- Hit rates are cache answers over all asks, by the level the answer reports "
            "(done event's 'match'): 'exact' (the same question once folded, same page) or "
            "'similar' (same concepts, section and top articles). A single-flight follower "
            "served the leader's answer counts as exact, as the app reports it.",
            "- Spread is p95 − p5 of the time to the whole answer. Targets: the original "
            "module's (help-module-diagnostic.md): mean < 3 s, worst < 5 s, spread < 2 s, "
            "cache hit rate > 50 %.",
            "- Page hints: each page's text as the old widget gathered it (headings, buttons, "
            "links, labels; at most 2000 characters), cut by each side to its own budget "
            "(800 characters before, 400 after).",
            "- Prompt tokens are estimated at four characters a token, like the stand-in; "
            "model calls count every chat request with messages (retries included, the "
            "after's warm-up excluded).",
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
