from __future__ import annotations

import time

from help.answering.answer_cache import store_answer
from help.shared_state.safe_cache import safe_cache
from help.shared_state.single_flight import Flight

KEY = "help:answer:test-single-flight"


def test_only_one_flight_leads_and_followers_get_its_answer():
    leader, follower = Flight(KEY), Flight(KEY)
    assert leader.acquire()
    assert not follower.acquire()
    store_answer(KEY, {"answer": "Réponse"})
    leader.release()
    entry, kind = follower.wait(time.monotonic() + 1)
    assert (entry["answer"], kind) == ("Réponse", "")


def test_followers_learn_of_the_leaders_failure_at_once():
    leader, follower = Flight(KEY), Flight(KEY)
    leader.acquire()
    follower.acquire()
    leader.fail("unreachable")
    started = time.monotonic()
    assert follower.wait(started + 5) == (None, "unreachable")
    assert time.monotonic() - started < 1


def test_a_follower_takes_over_when_the_leader_vanishes():
    leader, follower = Flight(KEY), Flight(KEY)
    leader.acquire()
    follower.acquire()
    safe_cache.delete(leader.lock_key)  # the leader's lock expired without an answer
    assert follower.wait(time.monotonic() + 1) == (None, "leader_lost")
    assert follower.leader


def test_a_follower_waits_no_longer_than_its_deadline():
    leader, follower = Flight(KEY), Flight(KEY)
    leader.acquire()
    follower.acquire()
    assert follower.wait(time.monotonic() + 0.2) == (None, "timeout")


def test_with_the_cache_down_everyone_leads(redis_cache):
    redis_cache.stop()
    assert Flight(KEY).acquire()
    assert Flight(KEY).acquire()


def test_release_leaves_a_lock_that_has_passed_to_another_leader():
    leader = Flight(KEY)
    assert leader.acquire()
    # The lock expired and another process took it over before the leader finished.
    safe_cache.set(leader.lock_key, "another-leaders-token", 60)
    leader.release()
    assert safe_cache.get(leader.lock_key) == "another-leaders-token"


def test_release_is_one_atomic_command_on_redis(redis_cache):
    leader = Flight(KEY)
    leader.acquire()
    with redis_cache.monitor() as commands:
        leader.release()
    assert [command[0] for command in commands()] == ["EVAL"]
    assert safe_cache.get(leader.lock_key) is None
