"""What the benchmark runs against: Redis, a demo database, static files, the model backend
and, per profile, gunicorn on loopback: by default as the README deploys it (gevent workers,
deploy/gunicorn.conf.py); the serving comparison (crowd.py) also starts the other servers."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
import requests

from benchmarks.backends import ModelBackend
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
# Cached answers (not their locks or failure markers), by profile: the app's two levels,
# the original module's one.
ANSWER_ENTRIES = {
    "after": re.compile(rb"help:(answer|meaning):[0-9a-f]{40}$"),
    "before": re.compile(rb"bench:original:[0-9a-f]{40}$"),
}
WORKERS = 2
THREADS = 16  # today's gthread command before gevent: README's "2 x 16"
READY_TIMEOUT = 60.0
# The servers compared; every one with WORKERS processes, stopped within 10 s.
SERVERS = {
    "gevent": ["benchmarks.bench_wsgi:application", "--config", "deploy/gunicorn.conf.py"],
    "gthread": [
        "benchmarks.bench_wsgi:application", "--worker-class", "gthread",
        "--threads", str(THREADS), "--timeout", "60",
    ],
    "uvicorn": [
        "benchmarks.bench_asgi:application", "--worker-class", "uvicorn.workers.UvicornWorker",
        "--timeout", "60",
    ],
}  # fmt: skip
SERVER_TITLES = {
    "gevent": f"gunicorn gevent (deploy/gunicorn.conf.py), {WORKERS} workers x 1000 connections",
    "gthread": f"gunicorn gthread, {WORKERS} workers x {THREADS} threads",
    "uvicorn": f"gunicorn + uvicorn workers (uvloop, httptools), {WORKERS} workers, "
    "async stream view (benchmarks/asgi_stream.py)",
}
DEFAULT_SERVER = "gevent"


class Stack:
    def __init__(self, backend: ModelBackend) -> None:
        self.backend = backend
        self.directory = Path(tempfile.mkdtemp(prefix="help-bench-"))
        self.redis = RedisServer()
        self._redis: redis.Redis | None = None

    def prepare(self) -> None:
        """Start Redis, create the database (migrate, load_demo) and collect static files."""
        self.redis.start()
        self.manage("migrate", "--noinput", "--verbosity", "0")
        self.manage("load_demo")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")

    def close(self) -> None:
        if self._redis is not None:
            self._redis.close()
        self.redis.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def environment(self, profile: str) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
            "BENCH_PROFILE": profile,
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "OLLAMA_URL": self.backend.url,
            "OLLAMA_MODEL": self.backend.model,
            "REDIS_URL": self.redis.url,
            "DATABASE_URL": f"sqlite:///{self.directory / 'db.sqlite3'}",
            "STATIC_ROOT": str(self.directory / "static"),
        }

    def manage(self, *args: str, profile: str = "after") -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environment(profile),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    @contextmanager
    def serve(
        self, profile: str, server: str = DEFAULT_SERVER, env: dict[str, str] | None = None
    ) -> Iterator[str]:
        """One of SERVERS for one profile (``env`` added to its environment); yields its
        base URL."""
        port = free_port()
        log = (self.directory / f"gunicorn-{profile}-{server}.log").open("wb")
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                *SERVERS[server],
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--graceful-timeout",
                "10",
            ],  # fmt: skip
            cwd=ROOT,
            env={**self.environment(profile), **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            self._wait_ready(process, base_url)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()

    def _wait_ready(self, process: subprocess.Popen[bytes], base_url: str) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.directory}/gunicorn-*.log")
            try:
                if requests.get(f"{base_url}/connexion/", timeout=2).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or its workers still starting on a busy machine
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within a minute")

    def redis_client(self) -> redis.Redis:
        if self._redis is None:
            self._redis = redis.Redis.from_url(self.redis.url)
        return self._redis

    def expire_answers(self) -> None:
        """Delete every cached answer, both levels (and the locks and failure markers)."""
        client = self.redis_client()
        for pattern in ("*help:answer:*", "*help:meaning:*"):
            keys = list(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)

    def answer_entries(self, profile: str) -> set[bytes]:
        """The Redis keys of every answer the profile has cached."""
        pattern = ANSWER_ENTRIES[profile]
        client = self.redis_client()
        return {key for key in client.scan_iter(count=1000) if pattern.search(key)}

    def delete(self, keys: list[bytes]) -> None:
        if keys:
            self.redis_client().delete(*keys)

    def flush(self) -> None:
        self.redis_client().flushdb()
