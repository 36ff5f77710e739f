from __future__ import annotations

import pytest
from django.core.cache.backends.locmem import LocMemCache

from help.shared_state.safe_cache import safe_cache


def test_a_cache_outage_is_a_miss_and_skips_the_cache_for_a_while(redis_cache, caplog):
    safe_cache.set("help:kept", "value", 60)
    redis_cache.stop()
    assert safe_cache.get("help:kept") is None
    assert not safe_cache.available
    assert safe_cache.get("help:kept", "default") == "default"  # no new attempt meanwhile
    warnings = [r for r in caplog.records if "cache unavailable" in r.getMessage()]
    assert len(warnings) == 1  # logged once, not per request


def test_incr_many_counts_atomically_with_expiry(redis_cache):
    assert safe_cache.incr_many([("help:a", 1, 60), ("help:b", 5, None)]) == [1, 5]
    assert safe_cache.incr_many([("help:a", 2, 60)]) == [3]
    assert 0 < safe_cache.backend.ttl("help:a") <= 60


class BrokenBackend(LocMemCache):
    """A cache whose ``get`` has a bug, not an outage."""

    def get(self, key, default=None, version=None):
        raise TypeError("a programming error")


def test_a_programming_error_is_raised_not_taken_for_an_outage(settings):
    settings.CACHES = {
        "default": {"BACKEND": f"{__name__}.BrokenBackend", "LOCATION": "broken"},
    }
    with pytest.raises(TypeError):
        safe_cache.get("help:anything")
    assert safe_cache.available  # nobody else is sent around the cache for 5 s
