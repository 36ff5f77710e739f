"""A stream ends a bounded time after its fallback; the model's answer is then read by id,
by whoever asked and nobody else."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
from django.test import Client

from help.answering import question_log
from help.answering.waiting import waiting_questions
from help.models import HelpQuery
from tests.conftest import TEST_DEADLINE
from tests.helpers import ask, ask_stream, make_articles

pytestmark = pytest.mark.django_db

ANSWER = "Ouvrez Clients puis cliquez sur Nouveau client."
UPGRADE_WAIT = 0.5


@pytest.fixture(autouse=True)
def slow_model(ollama, settings):
    """A model that answers after the deadline and after the upgrade wait."""
    make_articles()
    settings.HELP = {**settings.HELP, "UPGRADE_WAIT": UPGRADE_WAIT}
    ollama.set_mode("slow_first_token", seconds=TEST_DEADLINE + UPGRADE_WAIT + 0.8)
    return ollama


def visitor(cookie: str = "a" * 32) -> Client:
    client = Client()
    client.cookies["csrftoken"] = cookie
    return client


def late(client: Client, answer_id: str) -> tuple[int, dict]:
    response = client.get(f"/help/answers/{answer_id}")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def wait_until_ready(client: Client, answer_id: str, timeout: float = 6.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status, body = late(client, answer_id)
        assert status == 200
        if body["state"] != "waiting":
            return body
        time.sleep(0.1)
    raise AssertionError("the late answer never came")


def test_a_stream_ends_after_the_upgrade_wait_and_its_answer_is_read_by_id_later():
    client = visitor()
    started = time.monotonic()
    events = ask_stream(client, "Comment créer un client ?")
    elapsed = time.monotonic() - started
    names = [event["event"] for event in events]
    assert "fallback" in names and "upgrade" not in names
    done = events[-1]
    assert (done["source"], done["pending"]) == ("fallback", True)
    assert elapsed < TEST_DEADLINE + UPGRADE_WAIT + 0.3  # not held until the model answers
    answer_id = events[0]["id"]
    assert late(client, answer_id) == (200, {"ready": False, "state": "waiting"})
    body = wait_until_ready(client, answer_id)
    assert body == {
        "ready": True,
        "state": "ready",
        "answer": ANSWER,
        "source": "model",
        "model": "phi3:mini",
    }


def test_the_json_answer_is_whole_at_its_fallback_and_its_model_answer_comes_by_id():
    client = visitor()
    status, body = ask(client, "Comment créer un client ?")
    assert status == 200
    assert (body["source"], body["pending"]) == ("fallback", True)
    assert wait_until_ready(client, body["id"])["answer"] == ANSWER


def test_another_visitor_or_user_reads_nothing(django_user_model):
    owner = visitor("a" * 32)
    answer_id = ask_stream(owner, "Comment créer un client ?")[0]["id"]
    assert late(visitor("b" * 32), answer_id)[0] == 404
    assert late(Client(), answer_id)[0] == 404  # no cookie at all
    alice, bob = (django_user_model.objects.create_user(n, password="x") for n in "ab")
    as_alice, as_bob = Client(), Client()
    as_alice.force_login(alice)
    as_bob.force_login(bob)
    alices = ask_stream(as_alice, "Comment supprimer un client ?")[0]["id"]
    status, body = late(as_bob, alices)
    assert (status, body["error"]["code"]) == (404, "not_found")
    assert late(as_alice, alices)[0] == 200
    wait_until_ready(owner, answer_id)  # and its owner still does


@pytest.mark.parametrize("answer_id", [str(uuid.uuid4()), "not-an-id", "0" * 300, "%00"])
def test_unknown_or_malformed_ids_are_a_json_404(answer_id):
    status, body = late(visitor(), answer_id)
    assert (status, body["error"]["code"]) == (404, "not_found")


def test_an_answer_that_never_comes_is_reported_failed(slow_model):
    slow_model.set_mode("hung")
    client = visitor()
    answer_id = ask_stream(client, "Comment créer un client ?")[0]["id"]
    assert wait_until_ready(client, answer_id, timeout=8.0) == {"ready": False, "state": "failed"}
    slow_model.set_mode("ok")


def test_nobody_to_tell_apart_means_no_pending_answer():
    events = ask_stream(Client(), "Comment créer un client ?")
    assert events[-1]["pending"] is False


def test_an_answer_within_the_wait_still_upgrades_the_stream(slow_model):
    slow_model.set_mode("slow_first_token", seconds=TEST_DEADLINE + 0.2)
    events = ask_stream(visitor(), "Comment créer un client ?")
    assert [e["event"] for e in events][-2:] == ["upgrade", "done"]
    assert events[-1]["pending"] is False


@pytest.mark.django_db(transaction=True)  # the holder asks from a thread of its own
def test_past_the_waiting_bound_a_miss_is_the_fallback_at_once_and_hits_still_answer(
    slow_model, settings
):
    settings.HELP = {**settings.HELP, "MAX_WAITING_STREAMS": 1}
    slow_model.set_mode("ok")
    ask_stream(visitor(), "Comment créer un client ?")  # cached now
    slow_model.set_mode("hung")
    holder = threading.Thread(target=ask_stream, args=(visitor(), "Comment supprimer un client ?"))
    holder.start()
    end = time.monotonic() + 5
    while waiting_questions.count < 1 and time.monotonic() < end:
        time.sleep(0.01)
    started = time.monotonic()
    done = ask_stream(visitor(), "Comment modifier un client ?")[-1]
    assert (done["source"], done["pending"]) == ("fallback", False)
    assert time.monotonic() - started < TEST_DEADLINE / 2  # not waited for
    assert ask_stream(visitor(), "Comment créer un client ?")[-1]["source"] == "cache"
    assert question_log.flush(5)
    assert HelpQuery.objects.filter(error_kind="busy").count() == 1
    slow_model.set_mode("ok")
    holder.join(timeout=10)
    assert waiting_questions.count == 0


def test_the_late_answer_endpoint_is_get_only():
    response = visitor().post("/help/answers/" + str(uuid.uuid4()), content_type="application/json")
    assert response.status_code == 405
    assert json.loads(response.content)["error"]["code"] == "method_not_allowed"
