"""What can go wrong when asking Ollama, each failure named by its ``kind``.

The kinds are what HelpQuery rows, metrics and /help/health report.
"""

from __future__ import annotations

import json

import requests
import urllib3


class OllamaError(Exception):
    """A model call that did not produce an answer; ``kind`` names what happened."""

    kind = "error"


class OllamaUnreachable(OllamaError):
    kind = "unreachable"


class OllamaTimeout(OllamaError):
    kind = "timeout"


class OllamaOverloaded(OllamaError):
    kind = "overloaded"


class ModelMissing(OllamaError):
    """The model is not on the server: a configuration error, reported by health and admin."""

    kind = "model_missing"


class OllamaServerError(OllamaError):
    kind = "server_error"


class BadResponse(OllamaError):
    kind = "bad_response"


class StreamInterrupted(BadResponse):
    kind = "interrupted"


# An error body is Ollama's {"error": message}; a longer one is cut, not read to its end.
MAX_ERROR_BODY_BYTES = 4096


def status_error(host: str, response: requests.Response) -> OllamaError:
    detail = _error_detail(response)
    status = response.status_code
    if status == 404:
        return ModelMissing(f"{host}: model not found ({detail})")
    if status == 503:
        return OllamaOverloaded(f"{host}: overloaded ({detail})")
    if status >= 500:
        return OllamaServerError(f"{host}: HTTP {status} ({detail})")
    return BadResponse(f"{host}: HTTP {status} ({detail})")


def _error_detail(response: requests.Response) -> str:
    body = b""
    try:
        for chunk in response.iter_content(chunk_size=1024):
            body += chunk
            if len(body) >= MAX_ERROR_BODY_BYTES:
                break
    except requests.RequestException as exc:
        return f"unreadable body: {exc.__class__.__name__}"
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        parsed = None
    detail = parsed.get("error", "") if isinstance(parsed, dict) else body.decode(errors="replace")
    return str(detail)[:200]


def root_cause(exc: BaseException) -> str:
    while (parent := exc.__cause__ or exc.__context__) is not None:
        exc = parent
    return f"{exc.__class__.__name__}: {exc}"[:200]


def caused_by_timeout(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, (TimeoutError, urllib3.exceptions.TimeoutError)):
            return True
        exc = exc.__cause__ or exc.__context__ or (exc.args[0] if exc.args else None)
        if not isinstance(exc, BaseException):
            return False
    return False
