"""What can go wrong when asking Ollama, each failure named by its ``kind``.

The kinds are what HelpQuery rows, metrics and /help/health report.
"""

from __future__ import annotations

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


def status_error(host: str, response: requests.Response) -> OllamaError:
    try:
        detail = response.json().get("error", "")
    except (ValueError, AttributeError):
        detail = response.text[:200]
    status = response.status_code
    if status == 404:
        return ModelMissing(f"{host}: model not found ({detail})")
    if status == 503:
        return OllamaOverloaded(f"{host}: overloaded ({detail})")
    if status >= 500:
        return OllamaServerError(f"{host}: HTTP {status} ({detail})")
    return BadResponse(f"{host}: HTTP {status} ({detail})")


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
