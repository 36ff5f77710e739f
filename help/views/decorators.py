"""HTTP plumbing shared by the API views: JSON errors, body parsing, CSRF, Server-Timing."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
    UnreadablePostError,
)
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

from help.conf import DEFAULTS, help_settings
from help.shared_state.rate_limits import retry_after

View = Callable[..., HttpResponseBase]


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


class _JsonCsrfCheck(CsrfViewMiddleware):
    """Django's CSRF check, answering a failure in the API's JSON error format."""

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        return error_response(403, "csrf_failed", f"CSRF verification failed: {reason}")


def api_view(
    methods: tuple[str, ...], *, for_askers: bool = True, rate: str | None = "RATE_LIMIT"
) -> Callable[[View], View]:
    """Method check, JSON content type and CSRF on POST, the permission callback (when
    ``for_askers``), the rate limit whose setting ``rate`` names (none when None; each
    setting counts apart), a ``Server-Timing`` header, and ApiError -> JSON error."""
    if rate is not None and rate not in DEFAULTS:  # a typo fails at import, not per request
        raise ValueError(f"api_view(rate={rate!r}) does not name a HELP setting")

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            started = time.monotonic()
            response = _answer(request, *args, **kwargs)
            if not response.has_header("Server-Timing"):
                response["Server-Timing"] = f"total;dur={(time.monotonic() - started) * 1000:.1f}"
            return response

        def _answer(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in methods:
                return error_response(
                    405,
                    "method_not_allowed",
                    f"Use {' or '.join(methods)}.",
                    {"Allow": ", ".join(methods)},
                )
            if request.method == "POST":
                # Before the CSRF check: it would parse a form body, which a JSON API
                # never needs and a malformed multipart body would turn into a 500.
                if request.content_type != "application/json":
                    return error_response(
                        415, "unsupported_media_type", "Send the body as application/json."
                    )
                rejection = _JsonCsrfCheck(view).process_view(request, view, args, kwargs)
                if rejection is not None:
                    return rejection
            if for_askers and not import_string(help_settings.PERMISSION)(request):
                return error_response(403, "forbidden", "You may not use the help assistant.")
            if rate is not None and (wait := retry_after(request, setting=rate)) is not None:
                return error_response(
                    429,
                    "rate_limited",
                    f"Too many questions in a row: try again in {wait} s.",
                    {"Retry-After": str(wait)},
                )
            try:
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return error_response(exc.status, exc.code, exc.message, exc.headers)

        # The global CSRF middleware steps aside; the wrapper runs the same check itself.
        return csrf_exempt(wrapper)

    return decorator


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object (its content type checked by ``api_view``), or an
    ApiError naming what is wrong with it."""
    limit = int(help_settings.MAX_BODY_BYTES)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise ApiError(413, "payload_too_large", f"The body must not exceed {limit} bytes.")
    try:
        raw = request.body
    except RequestDataTooBig as exc:
        raise ApiError(413, "payload_too_large", "The body is too large.") from exc
    except UnreadablePostError as exc:  # the client stopped sending before the end
        raise ApiError(400, "incomplete_body", "The body did not arrive whole.") from exc
    if len(raw) > limit:
        raise ApiError(413, "payload_too_large", f"The body must not exceed {limit} bytes.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return data


def server_timing(timings: dict[str, float]) -> str:
    """``cache;dur=0.4, retrieval;dur=1.2`` from ``{"cache_ms": 0.4, "retrieval_ms": 1.2}``."""
    return ", ".join(
        f"{name.removesuffix('_ms')};dur={value:.1f}" for name, value in timings.items()
    )
