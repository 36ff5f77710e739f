"""The production server (deploy/gunicorn.conf.py: gunicorn's gevent workers) serving the
site: its key endpoints, cache hits while streams wait on a hung model and clients never
read, a client that stops reading dropped after the socket timeout, headers trickled
byte by byte (slowloris) cut after the keep-alive time, cache hits while the question log
waits for a locked database, failover between two Ollama hosts.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests

from tests.deployed_site import PRODUCTION_CONFIG, ROOT, deployed_site
from tests.ollama_standin import OllamaStandin
from tests.redis_server import RedisServer, free_port

CSRF = "s" * 32  # any 32-character secret works as cookie and header alike
HEADERS = {"X-CSRFToken": CSRF, "Cookie": f"csrftoken={CSRF}"}
ANSWER = "Ouvrez Clients puis cliquez sur Nouveau client."
KEEPALIVE = 5.0  # deploy/gunicorn.conf.py's keepalive
BIG_FILE_BYTES = 32 * 1024 * 1024  # far more than the kernel buffers of a stalled socket


@pytest.fixture(scope="module")
def standin() -> Iterator[OllamaStandin]:
    with OllamaStandin(answer=ANSWER) as server:
        yield server


@pytest.fixture(scope="module")
def site_env(redis_server: RedisServer, standin: OllamaStandin) -> Iterator[dict[str, str]]:
    """A deployed site's environment: database migrated, static files collected."""
    folder = Path(tempfile.mkdtemp(prefix="help-serving-"))
    env = deployed_site(folder, redis_server.url, standin.url, static=True)
    # A large static file (a video, a bundle): more than a client that stops reading can
    # leave in flight, so the server's writes to it block.
    with (folder / "static" / "big.bin").open("wb") as big:
        big.truncate(BIG_FILE_BYTES)
    yield env
    shutil.rmtree(folder, ignore_errors=True)


class Server:
    def __init__(self, env: dict[str, str], *options: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        handle, name = tempfile.mkstemp(prefix="help-gunicorn-", suffix=".log")
        os.close(handle)
        self.log = Path(name)
        command = [
            sys.executable, "-m", "gunicorn", "monchai.wsgi", "--config", str(PRODUCTION_CONFIG),
            "--bind", f"127.0.0.1:{self.port}", "--workers", "1", *options,
        ]  # fmt: skip
        with self.log.open("wb") as log:  # the child keeps its own copy of the file
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/help/health", timeout=2)
                return
            except requests.RequestException:  # not listening yet
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def server(site_env: dict[str, str]) -> Iterator[Server]:
    started = Server(site_env)
    yield started
    started.stop()


@pytest.fixture(autouse=True)
def fresh_standin(standin: OllamaStandin) -> None:
    standin.set_mode("ok")
    standin.tokens_per_second = 0
    standin.reset_counters()


def ask_stream(url: str, question: str, source_address: str = "127.0.0.1") -> list[dict]:
    session = requests.Session()
    session.mount("http://", _SourceAdapter(source_address))
    response = session.post(
        f"{url}/help/ask/stream", json={"question": question, "path": "/clients/"},
        headers=HEADERS, timeout=15,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return [json.loads(line) for line in response.text.splitlines() if line.strip()]


class _SourceAdapter(requests.adapters.HTTPAdapter):
    """Requests from one loopback address: per-client limits count each address apart."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def open_socket(port: int, source: str, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket()
    if rcvbuf is not None:  # before connecting: the window is agreed on at connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((source, 0))
    sock.connect(("127.0.0.1", port))
    return sock


def stream_request(port: int, question: str) -> bytes:
    body = json.dumps({"question": question, "path": "/clients/"}).encode()
    return (
        f"POST /help/ask/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"X-CSRFToken: {CSRF}\r\nCookie: csrftoken={CSRF}\r\n\r\n"
    ).encode() + body


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """True when the server closes ``sock`` within ``within`` seconds (read to its end)."""
    sock.settimeout(0.5)
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            continue
        except ConnectionResetError:
            return True
    return False


def test_the_production_server_serves_questions_health_and_static_files(server):
    assert "Using worker: HelpGeventWorker" in server.output()
    assert requests.get(f"{server.url}/help/health", timeout=5).json()["status"] in (
        "ok",
        "degraded",
    )
    widget = requests.get(f"{server.url}/static/help/widget.js", timeout=5)
    assert widget.status_code == 200 and b"function" in widget.content
    first = ask_stream(server.url, "Comment créer un client ?")
    assert [first[0]["event"], first[-1]["event"]] == ["start", "done"]
    assert first[-1]["source"] == "model"
    assert "".join(e["text"] for e in first if e["event"] == "token") == ANSWER
    again = ask_stream(server.url, "Comment créer un client ?")
    assert (again[-1]["source"], again[-1]["answer"]) == ("cache", ANSWER)


def test_cache_hits_answer_while_60_streams_wait_on_a_hung_model_and_never_read(
    server, standin, redis_server
):
    ask_stream(server.url, "Comment créer un devis ?")  # cached before the model hangs
    standin.set_mode("hung")
    idle = []
    for number in range(60):  # each from its own address: 60 visitors, not one
        sock = open_socket(server.port, f"127.31.0.{number + 1}", rcvbuf=1024)
        sock.sendall(stream_request(server.port, f"Question jamais posée numéro {number}"))
        idle.append(sock)
    try:
        time.sleep(0.5)
        started = time.monotonic()
        hit = ask_stream(server.url, "Comment créer un devis ?", "127.32.0.1")
        assert hit[-1]["source"] == "cache"
        assert time.monotonic() - started < 2.0  # not behind 60 streams (no thread each)
        # Each stream ends (its fallback, then the bounded wait for the model), its slot is
        # given back, and the idle connection is closed after the keep-alive time.
        window = 6 + KEEPALIVE + 10  # HELP_TIMEOUT, keepalive, a loaded machine
        assert all(closed_by_server(sock, window) for sock in idle)
        keys = redis.Redis.from_url(redis_server.url).keys("*help:streams:*")
        assert keys == []
    finally:
        for sock in idle:
            sock.close()
        standin.set_mode("ok")


def test_cache_hits_answer_while_the_question_log_waits_for_a_locked_database(server, site_env):
    question = "Comment supprimer un client ?"
    ask_stream(server.url, question)  # the model's answer, cached
    database = site_env["DATABASE_URL"].removeprefix("sqlite:///")

    def rows() -> int:
        with contextlib.closing(sqlite3.connect(database, timeout=10)) as reader:
            query = "SELECT COUNT(*) FROM help_helpquery WHERE question = ?"
            return reader.execute(query, [question]).fetchone()[0]

    end = time.monotonic() + 10
    while rows() < 1:  # the model answer's row, written in the background
        assert time.monotonic() < end
        time.sleep(0.1)
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        assert ask_stream(server.url, question)[-1]["source"] == "cache"
        time.sleep(0.5)  # its row's batch now waits for the lock (a 5 s busy timeout)
        for _ in range(3):
            started = time.monotonic()
            assert ask_stream(server.url, question)[-1]["source"] == "cache"
            assert time.monotonic() - started < 1.0  # not behind the database's lock
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    end = time.monotonic() + 10
    while rows() < 5:  # nothing lost: written once the lock is gone
        assert time.monotonic() < end, rows()
        time.sleep(0.1)


def test_a_client_that_stops_reading_is_dropped_after_the_socket_timeout(site_env):
    # One worker with room for two connections: two clients that stop reading a large
    # file would hold it for ever without the socket timeout.
    timeout = 1.5
    pinned = Server(
        {**site_env, "GUNICORN_SOCKET_TIMEOUT": str(timeout)}, "--worker-connections", "2"
    )
    stalled = []
    try:
        for number in range(2):
            sock = open_socket(pinned.port, f"127.33.0.{number + 1}", rcvbuf=1024)
            sock.sendall(b"GET /static/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            stalled.append(sock)
        time.sleep(0.3)
        started = time.monotonic()
        health = requests.get(f"{pinned.url}/help/health", timeout=30)
        waited = time.monotonic() - started
        assert health.status_code == 200
        assert 0.5 * timeout <= waited <= timeout + 8  # it waited for a slot, then got one
        assert pinned.output().count("no progress for") == 2
    finally:
        for sock in stalled:
            sock.close()
        pinned.stop()


def test_headers_trickled_byte_by_byte_are_cut_after_the_keepalive_time(server):
    ask_stream(server.url, "Comment voir le stock ?")
    slow = [open_socket(server.port, f"127.34.0.{n + 1}") for n in range(20)]
    stop = threading.Event()

    def trickle() -> None:
        for sock in slow:
            sock.sendall(b"POST /help/ask/stream HTTP/1.1\r\n")
        line = 0
        while not stop.wait(1.0):  # a header line every second, as slowloris does
            line += 1
            for sock in slow:
                with contextlib.suppress(OSError):  # closed by the server: the point
                    sock.sendall(f"X-Slow-{line}: x\r\n".encode())

    feeder = threading.Thread(target=trickle, daemon=True)
    feeder.start()
    try:
        time.sleep(1.5)
        started = time.monotonic()
        hit = ask_stream(server.url, "Comment voir le stock ?", "127.32.0.2")
        assert hit[-1]["source"] == "cache" and time.monotonic() - started < 2.0
        assert all(closed_by_server(sock, KEEPALIVE + 8) for sock in slow)
    finally:
        stop.set()
        feeder.join()
        for sock in slow:
            sock.close()


def test_questions_fail_over_to_the_second_ollama_host_when_the_first_dies(site_env):
    with OllamaStandin(answer=ANSWER) as first, OllamaStandin(answer=ANSWER) as second:
        first.tokens_per_second = second.tokens_per_second = 0
        spread = Server({**site_env, "OLLAMA_URL": f"{first.url},{second.url}"})
        try:
            for number in range(4):
                answer = ask_stream(spread.url, f"Comment faire un inventaire {number} ?")
                assert answer[-1]["source"] == "model"
            assert first.chat_requests and second.chat_requests  # both hosts answer
            first.set_mode("down")  # the host dies: its port refuses connections
            before = second.chat_requests
            for number in range(4):
                answer = ask_stream(spread.url, f"Comment corriger une facture {number} ?")
                assert (answer[-1]["source"], answer[-1]["answer"]) == ("model", ANSWER)
            assert second.chat_requests == before + 4
        finally:
            spread.stop()


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)")
def test_the_shipped_nginx_configuration_is_valid(tmp_path):
    main = tmp_path / "nginx.conf"
    main.write_text(
        "pid " + str(tmp_path / "nginx.pid") + ";\n"
        "error_log " + str(tmp_path / "error.log") + ";\n"
        "events {}\n"
        "http {\n"
        "    access_log off;\n"
        "    include " + str(ROOT / "deploy" / "nginx.conf") + ";\n"
        "}\n"
    )
    checked = subprocess.run(
        [NGINX, "-t", "-q", "-p", str(tmp_path), "-c", str(main)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
