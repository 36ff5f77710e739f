"""Every fault of Ollama crossed with every state of Redis: an answer, in time, flagged right.

Within ``HELP_DEADLINE`` + 0.3 s, whatever happens, the user has a non-empty answer; a
degraded answer says so, carries its error kind in the HelpQuery row, and is never served
later as the model's.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.test import Client

from help.answering import question_log
from help.answering.pool import pool
from help.models import HelpQuery
from tests.conftest import TEST_DEADLINE, TEST_TIMEOUT
from tests.helpers import make_articles

pytestmark = pytest.mark.django_db(transaction=True)

ANSWER = "Ouvrez Clients puis cliquez sur Nouveau client."
QUESTION = {"question": "Comment créer un client ?", "path": "/clients/", "lang": "fr"}
SLACK = 0.3

# mode -> (extra delay given to set_mode, error kind of the JSON answer)
FAULTS = {
    "ok": (None, ""),
    "down": (None, "unreachable"),
    "hung": (None, "timeout"),
    "slow_first_token": (TEST_DEADLINE + 0.5, "timeout"),
    "stall": (0.4, "stalled"),  # tokens came, the answer did not finish in time
    "status_500": (None, "server_error"),
    "status_503": (None, "overloaded"),
    "status_404": (None, "model_missing"),
    "malformed": (None, "bad_response"),
    "error_line": (None, "bad_response"),
    "reset": (None, "interrupted"),
    "empty": (None, "empty_answer"),
}
REDIS_STATES = ["up", "down", "stopped_during"]


@pytest.fixture
def fault(request, ollama, redis_cache):
    """Put the stand-in and Redis in the cell's state; restore both afterwards."""
    make_articles()
    mode, redis_state = request.param
    seconds, _ = FAULTS[mode]
    ollama.set_mode(mode, seconds=seconds)
    timer = None
    if redis_state == "down":
        redis_cache.stop()
    elif redis_state == "stopped_during":
        timer = threading.Timer(0.05, redis_cache.stop)
        timer.start()
    yield mode
    if timer is not None:
        timer.cancel()
        timer.join()  # a stop under way ends before the next test looks at Redis
    ollama.set_mode("ok")
    assert pool.wait_idle(TEST_TIMEOUT + 1)


CELLS = [(mode, state) for mode in FAULTS for state in REDIS_STATES]
IDS = [f"{mode}-redis_{state}" for mode, state in CELLS]


@pytest.mark.parametrize("fault", CELLS, ids=IDS, indirect=True)
def test_json_answer_is_in_time_and_flagged_with_its_error_kind(fault):
    client = Client()
    started = time.monotonic()
    response = client.post("/help/ask", QUESTION, content_type="application/json")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    body = response.json()
    assert body["answer"].strip()
    assert elapsed < TEST_DEADLINE + SLACK
    expected_kind = FAULTS[fault][1]
    assert body["degraded"] is bool(expected_kind)
    assert body["source"] == ("fallback" if expected_kind else "model")
    assert question_log.flush()  # the row is written in the background
    assert HelpQuery.objects.get(pk=body["id"]).error_kind == expected_kind


@pytest.mark.parametrize("fault", CELLS, ids=IDS, indirect=True)
def test_stream_shows_something_in_time_and_ends_with_a_flagged_answer(fault):
    started = time.monotonic()
    response = Client().post("/help/ask/stream", QUESTION, content_type="application/json")
    assert response.status_code == 200
    first_content = None
    events = []
    for line in b"".join(_timed(response.streaming_content, events)).splitlines():
        assert json.loads(line)
    for at, event in events:
        if event["event"] in {"token", "fallback", "done"}:
            first_content = at - started
            break
    assert first_content is not None and first_content < TEST_DEADLINE + SLACK
    done = events[-1][1]
    assert done["event"] == "done"
    assert done["answer"].strip()
    assert done["degraded"] is (done["source"] == "fallback")
    if FAULTS[fault][1] and fault not in {"stall", "slow_first_token", "hung"}:
        assert done["degraded"]


def _timed(chunks, events):
    """Pass the chunks on, noting when each event arrived."""
    for chunk in chunks:
        for line in chunk.splitlines():
            if line.strip():
                events.append((time.monotonic(), json.loads(line)))
        yield chunk


@pytest.mark.parametrize("mode", [m for m in FAULTS if m != "ok"])
def test_after_a_fault_the_next_answer_is_the_models(mode, ollama):
    make_articles()
    seconds, _ = FAULTS[mode]
    ollama.set_mode(mode, seconds=seconds)
    client = Client()
    first = client.post("/help/ask", QUESTION, content_type="application/json").json()
    assert first["degraded"]
    ollama.set_mode("ok")
    assert pool.wait_idle(TEST_TIMEOUT + 1)
    again = client.post("/help/ask", QUESTION, content_type="application/json").json()
    assert (again["degraded"], again["answer"]) == (False, ANSWER)
    assert again["source"] in {"model", "cache"}
