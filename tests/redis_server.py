"""A real redis-server on a free loopback port, owned by the test session."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

# Commands redis-py sends when it opens a connection.
SETUP = frozenset({"HELLO", "CLIENT", "SELECT", "AUTH"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise RuntimeError(
                "redis-server is required by the test suite: `make test` installs it "
                "(apt-get install redis-server)."
            )
        self.executable = executable
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = Path(tempfile.mkdtemp(prefix="help-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def flush(self) -> None:
        redis.Redis.from_url(self.url, socket_timeout=1).flushall()

    def pause(self, milliseconds: int) -> None:
        """Freeze every client for a while, as a stopped or overloaded Redis would."""
        redis.Redis.from_url(self.url, socket_timeout=1).execute_command(
            "CLIENT", "PAUSE", milliseconds, "ALL"
        )

    def unpause(self) -> None:
        # Long enough to outlast a pause that would still hold the new connection's set-up.
        redis.Redis.from_url(self.url, socket_timeout=10).execute_command("CLIENT", "UNPAUSE")

    @contextmanager
    def monitor(self) -> Iterator[Callable[[], list[list[str]]]]:
        """The commands the server runs inside the block, as ``[NAME, arg, ...]`` lists
        (MONITOR's view: what really reached Redis, whichever client sent it)."""
        end = "help-tests-monitor-end"
        commands: list[list[str]] = []
        client = redis.Redis.from_url(self.url, socket_timeout=5)
        with client.monitor() as monitor:
            reader_ready = threading.Event()

            def read() -> None:
                reader_ready.set()
                while True:
                    seen = monitor.next_command()
                    words = seen["command"].split()
                    if words[:2] == ["ECHO", end]:
                        return
                    # Left out: what a script runs inside Redis, and connection set-up.
                    if seen.get("client_type") != "lua" and words[0].upper() not in SETUP:
                        commands.append([words[0].upper(), *words[1:]])

            thread = threading.Thread(target=read, daemon=True)
            thread.start()
            reader_ready.wait()
            time.sleep(0.05)
            try:
                yield lambda: list(commands)
            finally:
                redis.Redis.from_url(self.url, socket_timeout=1).echo(end)
                thread.join(5)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
