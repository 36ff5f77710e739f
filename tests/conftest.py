"""Fixtures shared by the whole suite: the session's real Redis, wired in as Django's cache."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.core.cache import caches

from help.answering import question_log
from help.answering.pool import pool
from help.shared_state.safe_cache import safe_cache
from monchai.settings import cache_settings
from tests.ollama_standin import OllamaStandin
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
    safe_cache.reset()
    yield redis_server
    caches.close_all()


@pytest.fixture(autouse=True)
def question_log_written() -> Iterator[None]:
    """The rows the question log still holds are written before the test's database is reset
    (pytest-django's own autouse fixture is set up first, so it is torn down after this one);
    none leaks into the next test."""
    yield
    assert question_log.flush(10), "the question log did not drain"


# Short enough to keep the suite fast, long enough for a loaded 2-core CI machine.
TEST_DEADLINE = 1.0
TEST_TIMEOUT = 4.0


@pytest.fixture
def ollama(settings) -> Iterator[OllamaStandin]:
    """The Ollama stand-in, with the help app pointed at it and short deadlines."""
    standin = OllamaStandin(answer="Ouvrez Clients puis cliquez sur Nouveau client.")
    standin.start()
    settings.HELP = {
        **settings.HELP,
        "OLLAMA_URL": standin.url,
        "DEADLINE": TEST_DEADLINE,
        "TIMEOUT": TEST_TIMEOUT,
        "OLLAMA_CONNECT_TIMEOUT": 0.5,
        "BREAKER_RESET": 2.0,
    }
    yield standin
    standin.stop()
    # Background model calls must not outlive their test.
    assert pool.wait_idle(TEST_TIMEOUT + 2), "a model call outlived its test"
