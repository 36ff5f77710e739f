from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from help.shared_state import open_streams
from help.shared_state.open_streams import open_stream, slot_keys
from help.shared_state.safe_cache import safe_cache

pytestmark = pytest.mark.django_db


def held(client: str) -> int:
    return len(safe_cache.get_many(slot_keys(client)))


def test_a_client_gets_its_limit_of_slots_then_none(settings):
    settings.HELP = {**settings.HELP, "MAX_STREAMS_PER_CLIENT": 3}
    slots = [open_stream("ip:10.0.0.1") for _ in range(3)]
    assert all(slots)
    assert open_stream("ip:10.0.0.1") is None
    assert open_stream("ip:10.0.0.2") is not None  # another client counts apart
    slots[1].release()
    assert held("ip:10.0.0.1") == 2
    assert open_stream("ip:10.0.0.1") is not None


def test_release_is_once_and_never_frees_another_streams_slot(settings, monkeypatch):
    settings.HELP = {**settings.HELP, "MAX_STREAMS_PER_CLIENT": 1, "TIMEOUT": 0.2}
    slot = open_stream("user:7")
    assert slot is not None
    slot.release()
    slot.release()
    assert held("user:7") == 0
    # A slot outlives the longest stream by SLOT_MARGIN at most, so a worker that died
    # mid-stream frees it in time; the dead stream's late release leaves the new one's.
    monkeypatch.setattr(open_streams, "SLOT_MARGIN", 0.0)
    stale = open_stream("user:7")
    assert stale is not None and open_stream("user:7") is None
    time.sleep(0.35)
    fresh = open_stream("user:7")
    assert fresh is not None
    stale.release()
    assert held("user:7") == 1


def test_nobody_is_limited_while_the_cache_is_down(settings, redis_cache):
    settings.HELP = {**settings.HELP, "MAX_STREAMS_PER_CLIENT": 1}
    redis_cache.stop()
    slots = [open_stream("ip:10.0.0.3") for _ in range(3)]
    assert all(slot is not None for slot in slots)
    for slot in slots:
        slot.release()  # nothing to give back, and no error


def stream(client: Client, question: str, ip: str):
    return client.post(
        "/help/ask/stream", {"question": question}, content_type="application/json",
        REMOTE_ADDR=ip,
    )  # fmt: skip


def test_past_the_limit_a_stream_is_429_too_many_streams_until_one_ends(settings, ollama):
    settings.HELP = {**settings.HELP, "MAX_STREAMS_PER_CLIENT": 2}
    ollama.set_mode("hung")
    client = Client()
    first = stream(client, "Comment créer un client ?", "10.1.0.1")
    second = stream(client, "Comment créer un devis ?", "10.1.0.1")
    assert (first.status_code, second.status_code) == (200, 200)
    refused = stream(client, "Comment voir le stock ?", "10.1.0.1")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_streams"
    assert int(refused["Retry-After"]) >= 1
    assert stream(client, "Comment voir le stock ?", "10.1.0.2").status_code == 200
    ollama.set_mode("ok")
    lines = b"".join(first.streaming_content).decode().splitlines()
    assert json.loads(lines[-1])["event"] == "done"  # ended: its slot is given back
    assert held("ip:10.1.0.1") == 1
    assert stream(client, "Comment voir le stock ?", "10.1.0.1").status_code == 200


def test_a_client_that_goes_away_mid_stream_gives_its_slot_back(settings, ollama):
    settings.HELP = {**settings.HELP, "MAX_STREAMS_PER_CLIENT": 1}
    ollama.set_mode("hung")
    client = Client()
    response = stream(client, "Comment créer un client ?", "10.1.0.3")
    assert json.loads(next(iter(response.streaming_content)))["event"] == "start"
    assert stream(client, "Comment créer un devis ?", "10.1.0.3").status_code == 429
    response.close()  # what the server does when the client has gone
    assert held("ip:10.1.0.3") == 0
    ollama.set_mode("ok")
    assert stream(client, "Comment créer un devis ?", "10.1.0.3").status_code == 200
