"""The one accessor for the app's settings: ``settings.HELP`` read lazily over DEFAULTS,
and the parsers of settings that both the system checks and the running code read."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}  # of a rate limit: "30/m", "10/5m"
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")

DEFAULTS: dict[str, Any] = {
    "OLLAMA_URL": "http://127.0.0.1:11434",
    "OLLAMA_MODEL": "phi3:mini",
    # The fast-model chain, best first; empty: OLLAMA_MODEL alone.
    "OLLAMA_MODELS": (),
    # Seconds a model of the chain has for its first token before the next one is asked;
    # None: half the deadline.
    "FIRST_TOKEN_BUDGET": None,
    "OLLAMA_KEEP_ALIVE": "60m",
    "OLLAMA_CONNECT_TIMEOUT": 2.0,
    "DEADLINE": 5.0,
    "TIMEOUT": 30.0,
    # Seconds a stream stays open for the model's answer after its fallback; later, the
    # widget fetches it by id.
    "UPGRADE_WAIT": 3.0,
    # Questions that may wait for the model at once in one process; past it, fallback.
    "MAX_WAITING_STREAMS": 64,
    "OLLAMA_RETRIES": 2,
    "OLLAMA_RETRY_BACKOFF": 0.2,
    "HTTP_POOL_SIZE": 20,
    "HTTP_KEEP_ALIVE": True,
    "CACHE_TTL": 3600,
    "MAX_HINTS_CHARS": 400,
    "MAX_DOCS_CHARS": 600,
    "MAX_QUESTION_CHARS": 500,
    "RATE_LIMIT": "30/m",
    "SUGGEST_RATE_LIMIT": "120/m",
    "METRICS_TOKEN": "",
    "CACHE_ALIAS": "default",
    "PERMISSION": "help.permissions.allow_all",
    "WIDGET_POSITION": "bottom-right",
    "WIDGET_SHORTCUT": "Alt+Shift+H",
    "BREAKER_FAILURES": 3,
    "BREAKER_RESET": 30.0,
    "MAX_BODY_BYTES": 16384,
    "QUERY_RETENTION_DAYS": 90,
    # Streams one user (or one IP for visitors) may have open at once; past it, 429.
    "MAX_STREAMS_PER_CLIENT": 4,
    "PRE_ANSWER_ON_EDIT": 10,
    "MAX_CONTEXT_CHARS": 300,
    "VOCABULARY": "",
    # Tickets: where they are mailed (empty: admin only), or the site's own support page
    # that the widget links to instead of its form.
    "SUPPORT_EMAIL": "",
    "SUPPORT_URL": "",
    "TICKET_RATE_LIMIT": "5/h",
}


class HelpSettings:
    """Attribute access to ``settings.HELP[name]``, falling back to ``DEFAULTS[name]``.

    Nothing is cached, so ``override_settings(HELP=...)`` takes effect at once.
    """

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown help setting: {name!r}")
        return user_settings().get(name, DEFAULTS[name])

    def as_dict(self) -> dict[str, Any]:
        return {**DEFAULTS, **user_settings()}


def user_settings() -> dict[str, Any]:
    return getattr(settings, "HELP", None) or {}


help_settings = HelpSettings()


def ollama_urls(value: str) -> list[str]:
    """The comma-separated Ollama base URLs, without trailing slashes."""
    return [url.strip().rstrip("/") for url in str(value).split(",") if url.strip()]


def ollama_models() -> tuple[str, ...]:
    """The models that may answer, in the order they are tried."""
    return tuple(help_settings.OLLAMA_MODELS or (help_settings.OLLAMA_MODEL,))


def first_token_budget() -> float:
    budget = help_settings.FIRST_TOKEN_BUDGET
    return float(help_settings.DEADLINE) / 2 if budget is None else float(budget)


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/m"`` -> (30, 60); ``"10/5m"`` -> (10, 300)."""
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"not a rate: {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * UNITS[unit]
