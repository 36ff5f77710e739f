"""What is compared side by side: the original help module ("before") and this app's
defaults ("after").

"before" is not a configuration of today's code: it is benchmarks/original_module.py, a
small re-creation of the module the product grew out of, as its team's notes describe it
(/work/shared/background): ORIGINAL below holds its constants. "after" is the product's
defaults (help/conf.py DEFAULTS), nothing overridden.
"""

from __future__ import annotations

from typing import Any

from help.conf import DEFAULTS
from tests.ollama_standin.latency import parse_keep_alive

# The original module's constants (its settings' defaults before its own optimisations).
ORIGINAL: dict[str, Any] = {
    "CACHE_TTL": 60,  # seconds; the key is the question exactly as typed, and the page
    "MAX_HINTS_CHARS": 800,
    "MAX_DOCS_CHARS": 1200,
    "CONNECT_TIMEOUT": 3.0,
    "TIMEOUT": 20.0,  # read timeout of each attempt
    "ATTEMPTS": 3,
    "RETRY_BACKOFF": 0.3,  # seconds before the 2nd attempt, doubled before the 3rd
    "OLLAMA_KEEP_ALIVE": "",  # none sent: Ollama's default applies
}

# Benchmark-only: every user of the load scenario shares one session (one login).
RATE_LIMIT = "1000000/m"
# Likewise for the streams one client may have open at once (the load scenario's 50 users
# at most, and the highest the check allows: each slot is a key every stream reads); the
# crowd scenario, whose visitors each come from their own address, keeps the default.
MAX_STREAMS_PER_CLIENT = 100
OLLAMA_DEFAULT_KEEP_ALIVE = 300.0  # Ollama's OLLAMA_KEEP_ALIVE when a request sends none

# The report's settings table: label, the original module's value, this app's (a HELP key
# or a fixed text).
COMPARED: list[tuple[str, str, str]] = [
    ("answer cache", "60 s; the question as typed + page", "CACHE_TTL"),
    ("questions worded alike share an answer", "no", "exact key folded; similar level"),
    ("site vocabulary (synonyms, both languages)", "none", "VOCABULARY"),
    ("identical questions at once", "each calls the model", "single flight: one call"),
    ("user sees", "the whole answer at the end", "tokens as they come (streaming)"),
    ("deadline, then an answer from the articles", "none (waits up to the timeout)", "DEADLINE"),
    ("connection to Ollama", "a new one per call", "pooled, kept alive"),
    ("attempts / backoff", "3 / 0.3 s", "OLLAMA_RETRIES"),
    ("timeout", "3 s connect, 20 s read", "TIMEOUT"),
    ("page hints + articles, characters", "800 + 1,200", "MAX_HINTS_CHARS"),
    ("keep_alive sent to Ollama", "none (Ollama's 5 min)", "OLLAMA_KEEP_ALIVE"),
    ("model loaded at deploy", "no", "warm_ollama"),
]


VOCABULARY = "monchai.help_vocabulary.VOCABULARY"  # the demo site's (monchai/settings.py)


def help_settings() -> dict[str, Any]:
    """The effective HELP values of "after", for the report."""
    return {
        **DEFAULTS,
        "RATE_LIMIT": RATE_LIMIT,
        "MAX_STREAMS_PER_CLIENT": MAX_STREAMS_PER_CLIENT,
        "VOCABULARY": VOCABULARY,
    }


def compared_settings() -> list[dict[str, str]]:
    after = help_settings()
    values = {
        "CACHE_TTL": f"{after['CACHE_TTL']} s, both levels",
        "DEADLINE": f"{after['DEADLINE']} s",
        "OLLAMA_RETRIES": f"{after['OLLAMA_RETRIES']} / {after['OLLAMA_RETRY_BACKOFF']} s",
        "TIMEOUT": f"{after['OLLAMA_CONNECT_TIMEOUT']} s connect, {after['TIMEOUT']} s in all",
        "MAX_HINTS_CHARS": f"{after['MAX_HINTS_CHARS']} + {after['MAX_DOCS_CHARS']}",
        "OLLAMA_KEEP_ALIVE": repr(after["OLLAMA_KEEP_ALIVE"]),
        "warm_ollama": "yes (manage.py warm_ollama)",
        "VOCABULARY": f"the demo's ({after['VOCABULARY']})",
    }
    return [
        {"setting": label, "before": before, "after": values.get(after_key, after_key)}
        for label, before, after_key in COMPARED
    ]


def keep_alive_seconds(profile: str) -> float:
    """How long the model stays loaded after a call, under this profile."""
    value = ORIGINAL["OLLAMA_KEEP_ALIVE"] if profile == "before" else DEFAULTS["OLLAMA_KEEP_ALIVE"]
    if not value:
        return OLLAMA_DEFAULT_KEEP_ALIVE
    seconds = parse_keep_alive(value)
    return float("inf") if seconds is None else seconds


def cache_ttl(profile: str) -> float:
    """Seconds an answer stays cached, under this profile."""
    return float(ORIGINAL["CACHE_TTL"] if profile == "before" else DEFAULTS["CACHE_TTL"])
