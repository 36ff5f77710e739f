"""A frozen Redis (``CLIENT PAUSE``: what SIGSTOP or an overloaded server looks like from
a client) costs each answer at most one short wait, and the log one line per back-off."""

from __future__ import annotations

import logging
import time

import pytest
from django.test import Client

from help.shared_state.safe_cache import RETRY_AFTER_FAILURE, safe_cache
from tests.conftest import TEST_DEADLINE
from tests.helpers import ask, make_articles

pytestmark = pytest.mark.django_db

PAUSE_MS = 3000


@pytest.fixture
def paused(redis_cache):
    """Redis paused for every client already connected, unpaused at the end."""
    yield lambda: redis_cache.pause(PAUSE_MS)
    redis_cache.unpause()


def test_answers_and_pages_stay_within_the_deadline_while_redis_is_frozen(
    client, ollama, paused, caplog
):
    make_articles()
    assert ask(client, "Comment créer un client ?")[1]["source"] == "model"  # connections open
    paused()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        slowest = 0.0
        for number in range(6):
            started = time.monotonic()
            status, body = ask(client, f"Question {number} : comment créer un client ?")
            slowest = max(slowest, time.monotonic() - started)
            assert status == 200
            assert body["answer"]
        started = time.monotonic()
        assert Client().get("/connexion/").status_code == 200  # a page with the widget
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < TEST_DEADLINE + 0.3
    assert not safe_cache.available  # the back-off is on
    outages = [r for r in caplog.records if "cache unavailable" in r.getMessage()]
    assert len(outages) == 1  # one line for the back-off window, not one per request
    assert not [r for r in caplog.records if r.exc_info]  # and no traceback
    assert PAUSE_MS / 1000 < RETRY_AFTER_FAILURE  # so the whole pause is one window
