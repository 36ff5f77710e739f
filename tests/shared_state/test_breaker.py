from __future__ import annotations

import time

from help.shared_state import breaker


def test_breaker_opens_after_the_allowed_failures(settings):
    settings.HELP = {**settings.HELP, "BREAKER_FAILURES": 3, "BREAKER_RESET": 30}
    for _ in range(2):
        breaker.record_failure()
        assert breaker.state() == breaker.CLOSED
    breaker.record_failure()
    assert breaker.state() == breaker.OPEN
    assert not breaker.allow_request()


def test_a_success_resets_the_failure_count(settings):
    settings.HELP = {**settings.HELP, "BREAKER_FAILURES": 2}
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state() == breaker.CLOSED


def test_half_open_lets_exactly_one_probe_through(settings):
    settings.HELP = {**settings.HELP, "BREAKER_FAILURES": 1, "BREAKER_RESET": 0.2}
    breaker.record_failure()
    assert not breaker.allow_request()
    time.sleep(0.25)
    assert breaker.state() == breaker.HALF_OPEN
    assert breaker.allow_request()
    assert not breaker.allow_request()


def test_a_failed_probe_opens_it_again_and_a_good_one_closes_it(settings):
    settings.HELP = {**settings.HELP, "BREAKER_FAILURES": 3, "BREAKER_RESET": 0.2}
    for _ in range(3):
        breaker.record_failure()
    time.sleep(0.25)
    assert breaker.allow_request()
    breaker.record_failure()
    assert breaker.state() == breaker.OPEN
    time.sleep(0.25)
    assert breaker.allow_request()
    breaker.record_success()
    assert breaker.state() == breaker.CLOSED
    assert breaker.allow_request()


def test_without_the_cache_the_breaker_stays_closed(redis_cache):
    redis_cache.stop()
    for _ in range(5):
        breaker.record_failure()
    assert breaker.allow_request()
