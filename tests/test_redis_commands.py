"""Redis 6.2 is enough: every command the app sends, seen by MONITOR, exists in 6.2.

``EXPIRE``/``PEXPIRE`` with ``NX``/``XX``/``GT``/``LT`` need Redis 7.0: on 6.x they fail, the
counters they were meant to bound never expire, and the rate limit never applies.
"""

from __future__ import annotations

import pytest
from django.test import Client

from help.shared_state import breaker
from tests.helpers import ask, ask_stream, make_articles

pytestmark = pytest.mark.django_db

# Every command here exists in Redis 6.2 (most since 2.x).
REDIS_6_2 = frozenset(
    {
        "GET", "SET", "DEL", "UNLINK", "MGET", "MSET", "EXISTS", "INCRBY", "DECRBY",
        "EXPIRE", "PEXPIRE", "TTL", "PTTL", "SCAN", "KEYS", "EVAL", "EVALSHA", "MULTI",
        "EXEC", "PING", "ECHO", "FLUSHDB", "INFO",
    }
)  # fmt: skip
SET_OPTIONS_6_2 = frozenset({"NX", "XX", "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "GET"})


def test_every_command_exists_in_redis_6_2(redis_cache, ollama, admin_client, settings):
    settings.HELP = {**settings.HELP, "RATE_LIMIT": "3/m"}
    make_articles()
    visitor = Client(REMOTE_ADDR="10.0.0.7")
    with redis_cache.monitor() as commands:
        ask(visitor, "Comment créer un client ?")  # a miss: lock, model, store, metrics
        ask(visitor, "Comment créer un client ?")  # a hit
        ask_stream(visitor, "Comment faire un devis ?")
        assert ask(visitor, "Encore ?")[0] == 429  # past the rate limit
        visitor.get("/help/suggest", {"q": "devis"})
        visitor.get("/help/health")
        ollama.set_mode("down")
        for _ in range(4):  # failures open the breaker
            breaker.record_failure()
        admin_client.get("/admin/help/helpdashboard/")
        admin_client.post("/admin/help/helpdashboard/", {"action": "clear_cache"})
        admin_client.get("/help/metrics")
    seen = commands()
    names = {command[0] for command in seen}
    assert {"INCRBY", "SET", "GET", "EVAL"} <= names  # the scenario did use Redis
    assert names <= REDIS_6_2
    for name, *args in seen:
        upper = {arg.upper() for arg in args}
        if name in {"EXPIRE", "PEXPIRE"}:
            assert not upper & {"NX", "XX", "GT", "LT"}, (name, args)
        if name == "SET":
            options = {arg for arg in upper if arg.isalpha()} & {
                "NX", "XX", "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "GET", "IFEQ"
            }  # fmt: skip
            assert options <= SET_OPTIONS_6_2, args
