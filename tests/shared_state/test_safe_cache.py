from __future__ import annotations

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
