"""Fixtures shared by the whole suite: the session's real Redis, wired in as Django's cache."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.cache import caches

from monchai.settings import cache_settings
from tests.redis_server import RedisServer

# Playwright's sync API runs an event loop in the test thread; the ORM calls that
# the live server and fixtures make there are safe (one thread, no real async).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(autouse=True)
def redis_cache(settings, redis_server: RedisServer) -> Iterator[RedisServer]:
    """Every test runs against the real Redis, emptied before it starts."""
    if not redis_server.running:
        redis_server.start()
    redis_server.flush()
    settings.CACHES = cache_settings(redis_server.url)
    yield redis_server
    caches.close_all()
