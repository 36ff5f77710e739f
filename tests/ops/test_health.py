from __future__ import annotations

import threading
import time

import pytest
from django.test import Client

from help.ollama.client import get_client
from help.ops import health as health_module
from help.ops.health import health, probe_memo
from help.shared_state import breaker

pytestmark = pytest.mark.django_db

TOKEN = "health-token"


@pytest.fixture(autouse=True)
def fresh_probe(settings):
    """Each test starts with no remembered probe, and the full report open to a token."""
    settings.HELP = {**settings.HELP, "METRICS_TOKEN": TOKEN}
    probe_memo.forget()
    yield
    probe_memo.forget()


def full_report(client: Client | None = None):
    response = (client or Client()).get("/help/health", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return response.json()


def probes(ollama) -> tuple[int, int]:
    requests = ollama.requests
    return requests["GET /api/tags"], requests["GET /api/ps"]


def test_fifty_health_requests_in_a_row_probe_ollama_once(ollama):
    client = Client()
    for _ in range(50):
        assert client.get("/help/health").json() == {"status": "ok"}
    assert probes(ollama) == (1, 1)


def test_concurrent_first_requests_wait_for_one_probe(ollama, gate):
    gate.close()  # the first probe holds until released
    reports = get_in_threads(12)
    wait_for(gate.entered.is_set)
    time.sleep(0.2)  # the other eleven are waiting now, not probing
    gate.open()
    join_all(reports)
    assert probes(ollama) == (1, 1)
    assert len(reports) == 12
    assert {report["ollama"] for report in reports} == {"up"}


def test_a_stale_probe_is_refreshed_by_one_caller_while_the_others_reuse_it(
    ollama, gate, monkeypatch
):
    monkeypatch.setattr(health_module, "HEALTH_PROBE_TTL", 0.3)
    ollama.unload()
    assert full_report()["model_loaded"] is False
    time.sleep(0.35)
    get_client().load(timeout=5)  # what the refresh will find
    gate.close()
    reports = get_in_threads(12)
    # Eleven answer at once from the last probe while the twelfth is still probing.
    wait_for(lambda: len(reports) == 11)
    assert {report["model_loaded"] for report in reports} == {False}
    gate.open()
    join_all(reports)
    assert [report["model_loaded"] for report in reports] == [False] * 11 + [True]
    assert probes(ollama) == (2, 2)
    assert full_report()["model_loaded"] is True  # the next caller reuses the refresh
    assert probes(ollama) == (2, 2)


def test_after_the_ttl_the_next_request_probes_again(ollama, monkeypatch):
    monkeypatch.setattr(health_module, "HEALTH_PROBE_TTL", 0.3)
    assert full_report()["ollama"] == "up"
    ollama.set_mode("down")
    assert full_report()["ollama"] == "up"  # within the TTL: the remembered probe
    assert probes(ollama) == (1, 1)
    time.sleep(0.35)
    report = full_report()
    assert (report["status"], report["ollama"], report["error"]) == (
        "degraded",
        "down",
        "unreachable",
    )


def test_a_changed_model_is_probed_at_once(ollama, settings):
    assert health()["model_available"] is True
    settings.HELP = {**settings.HELP, "OLLAMA_MODEL": "absent:1b"}
    report = health()
    assert (report["model"], report["model_available"], report["error"]) == (
        "absent:1b",
        False,
        "model_missing",
    )
    assert probes(ollama) == (2, 2)


def test_health_answers_200_with_redis_and_ollama_down(redis_cache):
    redis_cache.stop()
    response = Client().get("/help/health")
    assert (response.status_code, response.json()) == (200, {"status": "degraded"})
    report = full_report()
    assert (report["cache"], report["ollama"]) == ("down", "down")


class Gate:
    """Holds every Ollama probe while closed; counts them with the stand-in all the same."""

    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()
        self.entered = threading.Event()

    def open(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._open.clear()

    def wrap(self, probe):
        def gated(*args, **kwargs):
            self.entered.set()
            assert self._open.wait(5), "the gate stayed closed"
            return probe(*args, **kwargs)

        return gated


@pytest.fixture
def gate(monkeypatch) -> Gate:
    gate = Gate()
    monkeypatch.setattr(health_module, "probe_ollama", gate.wrap(health_module.probe_ollama))
    yield gate
    gate.open()


class Reports(list):
    threads: list[threading.Thread]


def get_in_threads(count: int) -> Reports:
    reports = Reports()

    def get() -> None:
        reports.append(full_report())

    reports.threads = [threading.Thread(target=get) for _ in range(count)]
    for thread in reports.threads:
        thread.start()
    return reports


def join_all(reports: Reports) -> None:
    for thread in reports.threads:
        thread.join(timeout=5)


def wait_for(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_report_shows_each_model_of_the_chain(ollama, settings):
    settings.HELP = {**settings.HELP, "OLLAMA_MODELS": ["phi3:mini", "absent:1b"]}
    breaker.record_failure("phi3:mini")
    report = full_report()
    assert report["models"] == [
        {"name": "phi3:mini", "available": True, "loaded": False, "breaker": "closed"},
        {"name": "absent:1b", "available": False, "loaded": False, "breaker": "closed"},
    ]
    # The first model is fine, but the one behind it is missing: the chain is not whole.
    assert (report["model"], report["model_available"], report["status"]) == (
        "phi3:mini",
        True,
        "degraded",
    )
    ollama.add_model("absent:1b")
    probe_memo.forget()
    assert full_report()["status"] == "ok"
    settings.HELP = {**settings.HELP, "BREAKER_FAILURES": 1}
    breaker.record_failure("absent:1b")
    report = full_report()
    assert (report["models"][1]["breaker"], report["status"]) == ("open", "degraded")
