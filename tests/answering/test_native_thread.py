"""Blocking calls run on a native thread under gevent, where they are without it."""

from __future__ import annotations

import subprocess
import sys
import threading

from help.answering import native_thread
from tests.deployed_site import ROOT

UNDER_GEVENT = """
from gevent import monkey
monkey.patch_all()

import gevent
from help.answering import native_thread

original_sleep = monkey.get_original("time", "sleep")
os_thread = monkey.get_original("_thread", "get_ident")
ticks = []
ticker = gevent.spawn(lambda: [ticks.append(gevent.sleep(0.01)) for _ in range(100)])
gevent.sleep(0)
# A call that blocks its OS thread for 0.5 s, as sqlite3 does while a database is locked.
thread = native_thread.call(lambda: (original_sleep(0.5), os_thread())[1])
print(len(ticks) >= 10, thread != os_thread())
try:
    native_thread.call(lambda: 1 / 0)
except ZeroDivisionError:
    print("raised")
"""


def test_without_gevent_the_call_runs_where_it_is():
    assert native_thread.call(threading.get_ident) == threading.get_ident()
    assert native_thread.call(lambda a, b: a + b, 2, 3) == 5


def test_under_gevent_other_greenlets_run_while_a_call_blocks():
    done = subprocess.run(
        [sys.executable, "-c", UNDER_GEVENT], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert done.stdout.split() == ["True", "True", "raised"], done.stderr
