"""The two configurations compared side by side, as ``HELP`` settings.

"before" is the original help module's configuration (see /work/shared/background and the
README): no answer cache, a new connection per model call, 3 retries with a 0.3 s backoff,
a 20 s timeout, 800 + 1200 characters of page hints and articles, and no ``keep_alive``
(so Ollama's own 5 min default applies). The old module had no deadline: the user waited
for the model up to the timeout, hence a deadline just under it. "after" is the product's
defaults (help/conf.py DEFAULTS), nothing overridden.
"""

from __future__ import annotations

from typing import Any

from help.conf import DEFAULTS
from tests.ollama_standin.latency import parse_keep_alive

BEFORE: dict[str, Any] = {
    "CACHE_TTL": 0,
    "HTTP_KEEP_ALIVE": False,
    "OLLAMA_RETRIES": 3,
    "OLLAMA_RETRY_BACKOFF": 0.3,
    "TIMEOUT": 20.0,
    "DEADLINE": 19.9,
    "MAX_HINTS_CHARS": 800,
    "MAX_DOCS_CHARS": 1200,
    "OLLAMA_KEEP_ALIVE": "",
}
AFTER: dict[str, Any] = {}
PROFILES = {"before": BEFORE, "after": AFTER}

# Benchmark-only: every user of the load scenario shares one session (one login).
RATE_LIMIT = "1000000/m"
OLLAMA_DEFAULT_KEEP_ALIVE = 300.0  # Ollama's OLLAMA_KEEP_ALIVE when a request sends none


def help_settings(profile: str) -> dict[str, Any]:
    """The effective HELP values of a profile, for the report."""
    return {**DEFAULTS, **PROFILES[profile], "RATE_LIMIT": RATE_LIMIT}


def keep_alive_seconds(profile: str) -> float:
    """How long the model stays loaded after a call, under this profile."""
    value = help_settings(profile)["OLLAMA_KEEP_ALIVE"]
    if not value:
        return OLLAMA_DEFAULT_KEEP_ALIVE
    seconds = parse_keep_alive(value)
    return float("inf") if seconds is None else seconds
