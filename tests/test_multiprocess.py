"""Two gunicorn processes (the production configuration) on one Redis behave as one
assistant.

Single flight, the breaker and the metrics live in Redis, so concurrent identical
questions across both processes make one model call, the breaker opens for both, and the
metrics add up.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.deployed_site import PRODUCTION_CONFIG, ROOT, deployed_site
from tests.ollama_standin import OllamaStandin
from tests.redis_server import RedisServer, free_port

CSRF = "m" * 32  # any 32-character secret works as cookie and header alike
HEADERS = {"X-CSRFToken": CSRF, "Cookie": f"csrftoken={CSRF}"}
METRICS_TOKEN = "multiprocess-token"


@pytest.fixture(scope="module")
def standin() -> Iterator[OllamaStandin]:
    with OllamaStandin(answer="Ouvrez Clients puis cliquez sur Nouveau client.") as server:
        yield server


@pytest.fixture(scope="module")
def site_env(redis_server: RedisServer, standin: OllamaStandin) -> dict[str, str]:
    """The environment of a deployed site (settings from variables), its database migrated."""
    folder = Path(tempfile.mkdtemp(prefix="help-multiprocess-"))
    return deployed_site(folder, redis_server.url, standin.url, HELP_METRICS_TOKEN=METRICS_TOKEN)


def start_gunicorn(env: dict[str, str], *options: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "monchai.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--config", str(PRODUCTION_CONFIG), "--workers", "1", *options,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def servers(site_env: dict[str, str]) -> Iterator[list[str]]:
    started = [start_gunicorn(site_env) for _ in range(2)]
    try:
        for _, url in started:
            _wait_until_serving(url)
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_serving(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/help/suggest?q=client", timeout=2)
            return
        except requests.RequestException:  # not listening yet, or its first answer is slow
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start at {url}")


@pytest.fixture(autouse=True)
def fresh_standin(standin: OllamaStandin) -> None:
    standin.set_mode("ok")
    standin.tokens_per_second = 0
    standin.reset_counters()


def ask(url: str, question: str) -> dict:
    response = requests.post(
        f"{url}/help/ask", json={"question": question, "path": "/clients/"}, headers=HEADERS,
        timeout=10,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


def test_concurrent_identical_questions_across_processes_make_one_model_call(servers, standin):
    standin.tokens_per_second = 20  # the call lasts long enough for all askers to overlap
    answers: list[dict] = []
    barrier = threading.Barrier(12)

    def asker(url: str) -> None:
        barrier.wait()
        answers.append(ask(url, "Comment créer un client ?"))

    threads = [threading.Thread(target=asker, args=(servers[n % 2],)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(answers) == 12
    assert standin.chat_requests == 1
    assert {answer["answer"] for answer in answers} == {
        "Ouvrez Clients puis cliquez sur Nouveau client."
    }


def test_the_breaker_opened_by_one_process_holds_for_the_other(servers, standin):
    standin.set_mode("status_500")
    for number in range(3):
        assert ask(servers[0], f"Question {number} sur les devis")["source"] == "fallback"
    assert standin.chat_requests == 3
    assert ask(servers[1], "Encore une question sur le stock")["source"] == "fallback"
    assert standin.chat_requests == 3  # the second process did not call the model
    health = requests.get(
        f"{servers[1]}/help/health",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        timeout=5,
    ).json()
    assert health["breaker"] == "open"


def model_answers(url: str) -> int:
    exposition = requests.get(
        f"{url}/help/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=5
    ).text
    match = re.search(r'^help_answers_total\{source="model"\} (\d+)$', exposition, re.MULTILINE)
    return int(match.group(1)) if match else 0


def settled_model_answers(url: str) -> int:
    """The count once the earlier tests' batches have landed: each process counts its answers
    with their log rows, a batch at a time (0.2 s), so a batch may land after Redis was
    emptied for this test."""
    previous = model_answers(url)
    while True:
        time.sleep(0.5)
        current = model_answers(url)
        if current == previous:
            return current
        previous = current


def test_metrics_add_up_across_processes(servers, standin):
    before = settled_model_answers(servers[0])
    for number in range(6):
        ask(servers[number % 2], f"Question de métrique {number}")

    end = time.monotonic() + 5
    while model_answers(servers[0]) != before + 6:
        assert time.monotonic() < end, (before, model_answers(servers[0]))
        time.sleep(0.1)
    assert model_answers(servers[1]) == before + 6
    assert standin.chat_requests == 6


def test_a_worker_stopped_mid_call_leaves_no_lock_behind(servers, site_env, standin):
    doomed, url = start_gunicorn(site_env, "--graceful-timeout", "3")
    _wait_until_serving(url)
    standin.set_mode("hung")
    question = "Comment modifier un client ?"
    assert ask(url, question)["source"] == "fallback"  # the model call goes on, hung
    stopping = time.monotonic()
    doomed.send_signal(signal.SIGTERM)
    doomed.wait(timeout=15)
    # It neither waited for the hung call nor needed gunicorn's SIGKILL.
    assert time.monotonic() - stopping < 2.5
    standin.set_mode("ok")
    answer = ask(servers[0], question)
    assert (answer["source"], answer["degraded"]) == ("model", False)
