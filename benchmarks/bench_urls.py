"""The project's URLs plus two benchmark-only views: the ceiling, a bare JSON view doing one
Redis GET, and the original help module (original_module.py), the side-by-side's "before".

The ceiling sets the bar for a cached answer: the same server, middleware and Redis, and
nothing of the help pipeline (no CSRF check, rate limit, key hashing or logging).
"""

from __future__ import annotations

import os

from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.urls import path

from benchmarks import original_module
from monchai.urls import urlpatterns as project_urlpatterns

CEILING_KEY = "bench:ceiling"
# About the size of a cached answer entry.
CEILING_VALUE = {"answer": "x" * 600, "sources": [{"title": "t" * 30, "url": "/help/a/"}]}


def ceiling(request: HttpRequest) -> JsonResponse:
    value = cache.get(CEILING_KEY)
    if value is None:  # the first request only
        cache.set(CEILING_KEY, CEILING_VALUE, None)
        value = CEILING_VALUE
    return JsonResponse(value)


urlpatterns = [
    path("bench/ceiling", ceiling, name="bench_ceiling"),
    path("bench/original/ask", original_module.ask, name="bench_original_ask"),
    *project_urlpatterns,
]

if os.environ.get("BENCH_ASGI"):  # uvicorn (benchmarks/bench_asgi.py): the async stream view
    from benchmarks.asgi_stream import ask_stream

    urlpatterns.insert(0, path("help/ask/stream", ask_stream, name="bench_async_stream"))
