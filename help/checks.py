"""System checks for the ``HELP`` setting; ids are stable and listed in the README."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.module_loading import import_string

from help.conf import DEFAULTS, help_settings, ollama_urls, parse_rate, user_settings
from help.search.vocabulary import VocabularyError, load_vocabulary

TIMEOUT_SETTINGS = ("OLLAMA_CONNECT_TIMEOUT", "DEADLINE", "TIMEOUT", "BREAKER_RESET")
# Integers where 0 is meaningful: no retry, no answer cache, no pre-answering after an edit.
NON_NEGATIVE_INT_SETTINGS = ("OLLAMA_RETRIES", "CACHE_TTL", "PRE_ANSWER_ON_EDIT")
POSITIVE_INT_SETTINGS = (
    "HTTP_POOL_SIZE",
    "MAX_HINTS_CHARS",
    "MAX_DOCS_CHARS",
    "MAX_QUESTION_CHARS",
    "MAX_BODY_BYTES",
    "BREAKER_FAILURES",
    "QUERY_RETENTION_DAYS",
    "MAX_WAITING_STREAMS",
    "MAX_CONTEXT_CHARS",
)
WIDGET_POSITIONS = ("bottom-right", "bottom-left", "top-right", "top-left")
MAX_STREAM_SLOTS = 100  # help.shared_state.open_streams reads them all for each new stream
RATE_SETTINGS = ("RATE_LIMIT", "SUGGEST_RATE_LIMIT", "TICKET_RATE_LIMIT")


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@register(Tags.compatibility)
def check_settings(app_configs: Iterable[Any] | None = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        *check_unknown_keys(),
        *check_ollama_url(),
        *check_timeouts(),
        *check_positive_ints(),
        *check_cache_alias(),
        *check_rate_limit(),
        *check_permission(),
        *check_vocabulary(),
        *check_support(),
        *check_widget_position(),
        *check_max_streams(),
        *check_models(),
        *check_first_token_budget(),
        *check_upgrade_wait(),
    ]


def check_unknown_keys() -> list[CheckMessage]:
    return [
        Warning(
            f"HELP[{key!r}] is not a setting of the help app and is ignored.",
            hint="Check its spelling against the README's settings table.",
            id="help.W001",
        )
        for key in user_settings()
        if key not in DEFAULTS
    ]


def check_ollama_url() -> list[CheckMessage]:
    urls = ollama_urls(help_settings.OLLAMA_URL)
    bad = [url for url in urls if not _is_http_url(url)]
    if urls and not bad:
        return []
    return [
        Error(
            f"HELP['OLLAMA_URL'] must be one or more comma-separated http(s) URLs, "
            f"got {help_settings.OLLAMA_URL!r}.",
            hint="Set OLLAMA_URL, e.g. http://127.0.0.1:11434.",
            id="help.E001",
        )
    ]


def _is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def check_timeouts() -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name in TIMEOUT_SETTINGS:
        value = getattr(help_settings, name)
        if not is_number(value) or value <= 0:
            errors.append(
                Error(
                    f"HELP[{name!r}] must be a positive number of seconds, got {value!r}.",
                    id="help.E002",
                )
            )
    deadline, timeout = help_settings.DEADLINE, help_settings.TIMEOUT
    if not errors and deadline >= timeout:
        errors.append(
            Error(
                f"HELP['DEADLINE'] ({deadline}) must be shorter than HELP['TIMEOUT'] ({timeout}).",
                hint="The deadline is what a user waits; the timeout bounds the model call "
                "that goes on in the background to fill the cache.",
                id="help.E003",
            )
        )
    return errors


def check_positive_ints() -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name in POSITIVE_INT_SETTINGS:
        value = getattr(help_settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            errors.append(
                Error(f"HELP[{name!r}] must be a positive integer, got {value!r}.", id="help.E005")
            )
    for name in NON_NEGATIVE_INT_SETTINGS:
        value = getattr(help_settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(
                Error(
                    f"HELP[{name!r}] must be an integer of 0 or more, got {value!r}.",
                    id="help.E005",
                )
            )
    backoff = help_settings.OLLAMA_RETRY_BACKOFF
    if not is_number(backoff) or backoff < 0:
        errors.append(
            Error(
                f"HELP['OLLAMA_RETRY_BACKOFF'] must be 0 or more seconds, got {backoff!r}.",
                id="help.E005",
            )
        )
    return errors


def check_cache_alias() -> list[CheckMessage]:
    alias = help_settings.CACHE_ALIAS
    if alias in settings.CACHES:
        return []
    return [
        Error(
            f"HELP['CACHE_ALIAS'] names the cache {alias!r}, which is not in CACHES.",
            hint=f"Use one of: {', '.join(sorted(settings.CACHES))}.",
            id="help.E004",
        )
    ]


def check_rate_limit() -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    for name in RATE_SETTINGS:
        value = getattr(help_settings, name)
        try:
            count, _ = parse_rate(value)
        except (TypeError, ValueError):
            count = 0
        if count <= 0:
            errors.append(
                Error(
                    f"HELP[{name!r}] must look like '30/m' (a positive count per s, m, h or d), "
                    f"got {value!r}.",
                    id="help.E006",
                )
            )
    return errors


def check_support() -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    email = help_settings.SUPPORT_EMAIL
    if email:
        try:
            validate_email(email)
        except (ValidationError, TypeError):
            errors.append(
                Error(
                    f"HELP['SUPPORT_EMAIL'] must be an e-mail address, got {email!r}.",
                    hint="Where tickets are mailed; empty keeps them in the admin only.",
                    id="help.E012",
                )
            )
    url = help_settings.SUPPORT_URL
    if url and not _is_support_url(url):
        errors.append(
            Error(
                f"HELP['SUPPORT_URL'] must be an http(s) URL or a path starting with /, "
                f"got {url!r}.",
                hint="The site's own support page, which the widget links to instead of its "
                "ticket form; empty shows the form.",
                id="help.E013",
            )
        )
    return errors


def _is_support_url(url: object) -> bool:
    if not isinstance(url, str) or not url.isprintable() or any(c.isspace() for c in url):
        return False
    if url.startswith("/"):
        return not url.startswith("//")  # "//host/" is another site, written as a path
    return _is_http_url(url)


def check_max_streams() -> list[CheckMessage]:
    value = help_settings.MAX_STREAMS_PER_CLIENT
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_STREAM_SLOTS:
        return []
    return [
        Error(
            f"HELP['MAX_STREAMS_PER_CLIENT'] must be an integer from 1 to {MAX_STREAM_SLOTS}, "
            f"got {value!r}.",
            hint="Streams one user (or IP) may have open at once, e.g. 4; each is a cache key "
            "that every new stream of that client reads.",
            id="help.E014",
        )
    ]


def check_vocabulary() -> list[CheckMessage]:
    path = help_settings.VOCABULARY
    if not path:
        return []
    try:
        load_vocabulary(path)
    except VocabularyError as exc:
        return [
            Error(
                str(exc),
                hint="A dotted path to a list of groups of strings, e.g. "
                "[['devis', 'offre de prix', 'quote'], ['client', 'customer']].",
                id="help.E009",
            )
        ]
    return []


def check_permission() -> list[CheckMessage]:
    path = help_settings.PERMISSION
    try:
        permission = import_string(path)
    except (ImportError, AttributeError):
        permission = None
    if callable(permission):
        return []
    return [
        Error(
            f"HELP['PERMISSION'] must be the dotted path of a callable, got {path!r}.",
            hint="e.g. 'help.permissions.allow_all' or 'help.permissions.authenticated_only'.",
            id="help.E007",
        )
    ]


def check_widget_position() -> list[CheckMessage]:
    value = help_settings.WIDGET_POSITION
    if value in WIDGET_POSITIONS:
        return []
    return [
        Error(
            f"HELP['WIDGET_POSITION'] must be one of {', '.join(WIDGET_POSITIONS)}, got {value!r}.",
            id="help.E008",
        )
    ]


def check_models() -> list[CheckMessage]:
    chain = help_settings.OLLAMA_MODELS
    names = list(chain) if isinstance(chain, (list, tuple)) else [None]
    named = all(isinstance(name, str) and name.strip() for name in names)
    if named and len(set(names)) == len(names):
        return []
    return [
        Error(
            f"HELP['OLLAMA_MODELS'] must be a list of distinct model names, got {chain!r}.",
            hint="e.g. ['phi3:mini', 'qwen2.5:0.5b'], best first; empty for OLLAMA_MODEL alone.",
            id="help.E010",
        )
    ]


def check_first_token_budget() -> list[CheckMessage]:
    budget = help_settings.FIRST_TOKEN_BUDGET
    if budget is None:
        return []
    if not is_number(budget) or budget <= 0:
        return [
            Error(
                f"HELP['FIRST_TOKEN_BUDGET'] must be a positive number of seconds or None, "
                f"got {budget!r}.",
                id="help.E011",
            )
        ]
    deadline = help_settings.DEADLINE
    if is_number(deadline) and budget >= deadline:
        return [
            Warning(
                f"HELP['FIRST_TOKEN_BUDGET'] ({budget}) is not shorter than the deadline "
                f"({deadline}): the next model of the chain would never answer in time.",
                hint="Leave it unset (half the deadline) or make it shorter than DEADLINE.",
                id="help.W002",
            )
        ]
    return []


def check_upgrade_wait() -> list[CheckMessage]:
    wait, timeout = help_settings.UPGRADE_WAIT, help_settings.TIMEOUT
    if not is_number(timeout) or timeout <= 0:
        timeout = float("inf")  # E002 says what is wrong with it
    if is_number(wait) and 0 <= wait < timeout:
        return []
    return [
        Error(
            f"HELP['UPGRADE_WAIT'] must be 0 or more seconds, shorter than TIMEOUT, got {wait!r}.",
            hint="A few seconds: after that the widget fetches the model's answer by its id.",
            id="help.E015",
        )
    ]
