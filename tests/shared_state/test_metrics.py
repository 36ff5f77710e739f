from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from help.shared_state import metrics
from help.shared_state.metrics import bucket_index, read_totals, read_window

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import django, sys
django.setup()
from help.shared_state import metrics
for _ in range(int(sys.argv[1])):
    metrics.record_answer("model", 1200.0, "")
    metrics.record_answer("fallback", 5001.0, "timeout")
"""


def test_latencies_fall_in_their_buckets():
    assert bucket_index(0) == 0
    assert bucket_index(5) == 0
    assert bucket_index(5.1) == 1
    assert bucket_index(999_999) == len(metrics.BUCKETS_MS)


def test_window_sums_counts_rates_and_percentiles():
    for _ in range(8):
        metrics.record_answer("cache", 3.0, "")
    metrics.record_answer("model", 1500.0, "")
    metrics.record_answer("fallback", 5001.0, "unreachable")
    window, buckets = read_window(3600)
    assert window.total == 10
    assert window.cache_hit_rate == pytest.approx(0.8)
    assert window.fallback_rate == pytest.approx(0.1)
    assert window.errors == {"unreachable": 1}
    assert window.percentile("cache", 0.99) == 5
    assert window.percentile("model", 0.5) == 2000
    assert window.percentile(None, 0.5) == 5
    assert window.percentile(None, 0.95) == 8000
    assert len(buckets) == 60
    assert sum(bucket.total for _, bucket in buckets) == 10


def test_answers_outside_the_window_are_not_counted():
    import time

    metrics.record_answer("cache", 3.0, "", now=time.time() - 2 * 3600)
    metrics.record_answer("cache", 3.0, "")
    assert read_window(3600)[0].total == 1
    assert read_window(24 * 3600)[0].total == 2
    assert read_totals()[0].requests["cache"] == 2


def test_metrics_add_up_when_two_processes_write_to_one_redis(redis_cache):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "REDIS_URL": redis_cache.url,
        "PYTHONPATH": str(ROOT),
    }
    other = subprocess.Popen([sys.executable, "-c", WRITER, "200"], cwd=ROOT, env=env)
    writers = [
        threading.Thread(
            target=lambda: [metrics.record_answer("model", 1200.0, "") for _ in range(100)]
        )
        for _ in range(2)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert other.wait(timeout=60) == 0
    window, _ = read_window(3600)
    assert window.requests["model"] == 400
    assert window.requests["fallback"] == 200
    assert window.errors["timeout"] == 200
    totals, sums = read_totals()
    assert totals.requests["model"] == 400
    assert sums["model"] == 400 * 1200


def test_metrics_are_silently_skipped_while_redis_is_down(redis_cache):
    redis_cache.stop()
    metrics.record_answer("cache", 3.0, "")  # no exception
    assert read_window(3600)[0].total == 0
