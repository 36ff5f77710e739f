"""OllamaStandin: a real HTTP server on 127.0.0.1 that speaks Ollama's API, with fault modes."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import Any

from tests.ollama_standin.catalog import normalize
from tests.ollama_standin.faults import Faults
from tests.ollama_standin.handler import StandinHandler
from tests.ollama_standin.latency import LoadedModels

DEFAULT_ANSWER = "Ollama stand-in here: this is the answer to your question."

Answer = str | Callable[[dict[str, Any]], str]


class Counters:
    """What the server saw, for assertions; every update holds the lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.connections = 0
            self.requests: Counter[str] = Counter()
            self.chat_requests = 0
            self.payloads: list[dict[str, Any]] = []
            self.loads = 0


class StandinHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for hung handlers
    allow_reuse_address = True  # "down" then back up rebinds the same port at once

    def __init__(self, standin: OllamaStandin, port: int) -> None:
        self.standin = standin
        self.active: set[socket.socket] = set()
        self.active_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), StandinHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.standin.counters.lock:
            self.standin.counters.connections += 1
        with self.active_lock:
            self.active.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.active_lock:
            self.active.discard(request)
        super().shutdown_request(request)

    def abort_connections(self) -> None:
        # shutdown() wakes handler threads blocked reading the next keep-alive request.
        with self.active_lock:
            connections, self.active = list(self.active), set()
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed or reset
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up, and connections closed by stop() or "down", are expected.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class OllamaStandin:
    """Start it, point the client at `.url`, switch `.mode`, assert on the counters."""

    version = "0.6.8"

    def __init__(
        self,
        models: Iterable[str] = ("phi3:mini",),
        answer: Answer = DEFAULT_ANSWER,
        load_seconds: float = 0.0,
        prompt_seconds_per_token: float = 0.0,
        tokens_per_second: float = 0.0,
        port: int = 0,
        speeds: dict[str, float] | None = None,
    ) -> None:
        """``speeds``: how many times faster than the latency model a model is (a small
        model of a fast-model chain), 1 for those not named."""
        self.answer = answer
        self.load_seconds = load_seconds
        self.prompt_seconds_per_token = prompt_seconds_per_token
        self.tokens_per_second = tokens_per_second  # 0: no delay between tokens
        self.speeds = {normalize(name): speed for name, speed in (speeds or {}).items()}
        self.counters = Counters()
        self.faults = Faults()
        self._model_faults: dict[str, Faults] = {}  # faults of one model, over `faults`
        self.loaded = LoadedModels()
        self._models: dict[str, float] = {normalize(name): time.time() for name in models}
        self._models_lock = threading.Lock()
        self._port = port
        self._server: StandinHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.RLock()
        self._running = False

    # Lifecycle

    def start(self) -> OllamaStandin:
        with self._lifecycle:
            if not self._running:
                self._running = True
                self.faults.set_stopping(False)
                for faults in list(self._model_faults.values()):
                    faults.set_stopping(False)
                if self.faults.mode != "down":
                    self._open()
        return self

    def stop(self) -> None:
        with self._lifecycle:
            self._running = False
            self.faults.set_stopping(True)
            for faults in list(self._model_faults.values()):
                faults.set_stopping(True)
            self._close()

    def __enter__(self) -> OllamaStandin:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the stand-in has no port before start()")
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _open(self) -> None:
        server = StandinHTTPServer(self, self._port)
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ollama-standin-{self._port}",
            daemon=True,
        )
        self._thread.start()

    def _close(self) -> None:
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is None or thread is None:
            return
        server.shutdown()
        server.server_close()
        server.abort_connections()
        thread.join()

    # Faults

    @property
    def mode(self) -> str:
        return self.faults.mode

    @mode.setter
    def mode(self, mode: str) -> None:
        self.set_mode(mode)

    def set_mode(self, mode: str, seconds: float | None = None) -> None:
        """`seconds` is the extra delay of "slow_first_token" and "stall" (default 1.0)."""
        with self._lifecycle:
            previous = self.faults.set(mode, seconds)
            if not self._running or (previous == "down") == (mode == "down"):
                return
            if mode == "down":
                self._close()  # like a dead process: in-flight connections die too
            else:
                self._open()

    def set_model_mode(self, model: str, mode: str, seconds: float | None = None) -> None:
        """A fault of one model's chat and generate requests (any mode but "down", which is
        the whole server's); "ok" gives the model back to the server's own mode."""
        if mode == "down":
            raise ValueError("a single model cannot be down: make it missing or hung")
        name = normalize(model)
        with self._models_lock:
            faults = self._model_faults.get(name)
            if mode == "ok":
                self._model_faults.pop(name, None)
            elif faults is None:
                faults = self._model_faults[name] = Faults()
        if faults is not None:
            faults.set(mode, seconds)  # "ok" also wakes requests hung on it

    def speed(self, model: str) -> float:
        return self.speeds.get(normalize(model), 1.0)

    def faults_for(self, model: str) -> Faults:
        with self._models_lock:
            return self._model_faults.get(normalize(model), self.faults)

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        """The next `count` chat/generate requests answer `status`, then back to normal."""
        self.faults.fail_next(count, status)

    # Models

    @property
    def models(self) -> list[str]:
        with self._models_lock:
            return list(self._models)

    def has_model(self, name: str) -> bool:
        with self._models_lock:
            return normalize(name) in self._models

    def add_model(self, name: str) -> None:
        with self._models_lock:
            self._models[normalize(name)] = time.time()

    def modified_at(self, name: str) -> float:
        with self._models_lock:
            return self._models.get(normalize(name), time.time())

    def unload(self, name: str | None = None) -> None:
        """Forget loaded models (all by default) so that the next request is a cold load."""
        self.loaded.unload(normalize(name) if name else None)

    # Counters: copies, so that assertions see a stable snapshot

    @property
    def connections(self) -> int:
        return self.counters.connections

    @property
    def requests(self) -> Counter[str]:
        with self.counters.lock:
            return Counter(self.counters.requests)

    @property
    def chat_requests(self) -> int:
        return self.counters.chat_requests

    @property
    def payloads(self) -> list[dict[str, Any]]:
        with self.counters.lock:
            return list(self.counters.payloads)

    @property
    def loads(self) -> int:
        return self.counters.loads

    def reset_counters(self) -> None:
        self.counters.reset()
