"""Ollama's API on top of the wire plumbing: routes, model checks, chat and generate."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tests.ollama_standin import catalog
from tests.ollama_standin.faults import ERROR_MESSAGES, RUNNER_FAILURE
from tests.ollama_standin.latency import parse_keep_alive, prompt_tokens, runner_key, split_tokens
from tests.ollama_standin.wire import JSON, Answered, WireHandler, dumps, parse_object

if TYPE_CHECKING:
    from tests.ollama_standin.server import OllamaStandin, StandinHTTPServer

FAULT_AFTER_TOKENS = 3  # the "few tokens" sent before a fault in the middle of a stream
MALFORMED_LINE = b'{"model":"phi3:mini","created_at":"2024-05-0\x00\n'
LIST_LINE = b'["phi3:mini",{"content":"Ouvrez"}]\n'
HUGE_BYTES = 2 * 1024 * 1024  # huge_line: the content of one token line
ENDLESS_BYTES = 8 * 1024 * 1024  # endless_line: the content of a line that never ends
# Long content goes out a piece at a time from this one buffer, so that what the process
# holds at its peak is the client's doing, not the stand-in's (tests measure it).
PIECE = b"x" * 64 * 1024
WRONG_CONTENT = 123  # wrong_type: a number where Ollama sends a string
STATUS_MODES = {"status_500": 500, "status_503": 503, "status_404": 404}


class StandinHandler(WireHandler):
    server: StandinHTTPServer

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_DELETE = do_GET

    @property
    def standin(self) -> OllamaStandin:
        return self.server.standin

    def _dispatch(self) -> None:
        path = urlsplit(self.path).path
        with self.standin.counters.lock:
            self.standin.counters.requests[f"{self.command} {path}"] += 1
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if path in ("/api/chat", "/api/generate"):
            self._record_inference(raw)
        try:
            if not self.standin.faults.wait_while_hung():
                self.drop()
            route = ROUTES.get(("GET" if self.command == "HEAD" else self.command, path))
            if route is None:
                self.send_body(404, b"404 page not found", "text/plain")
            else:
                route(self, raw)
        except Answered:
            pass
        except OSError:
            self.close_connection = True  # the client, stop() or "down" closed the socket

    def _record_inference(self, raw: bytes) -> None:
        # Recorded before any fault mode applies: a hung or failed request was still sent.
        try:
            payload: dict[str, Any] | None = parse_object(raw)
        except ValueError:
            payload = None
        with self.standin.counters.lock:
            self.standin.counters.chat_requests += 1
            if payload is not None:
                self.standin.counters.payloads.append(payload)

    # Plain endpoints

    def _root(self, raw: bytes) -> None:
        self.send_body(200, b"Ollama is running", "text/plain; charset=utf-8")

    def _version(self, raw: bytes) -> None:
        self.send_json(200, {"version": self.standin.version})

    def _tags(self, raw: bytes) -> None:
        standin = self.standin
        models = [catalog.tags_entry(name, standin.modified_at(name)) for name in standin.models]
        mode = standin.faults.mode
        if mode == "huge_line":
            models.append(catalog.tags_entry("x" * HUGE_BYTES, time.time()))
        if mode == "list_line":
            self.send_body(200, dumps(models), JSON)
        else:
            body = {entry["name"]: entry for entry in models} if mode == "wrong_type" else models
            self.send_json(200, {"models": body})

    def _ps(self, raw: bytes) -> None:
        loaded = self.standin.loaded.loaded()
        self.send_json(200, {"models": [catalog.ps_entry(n, t) for n, t in loaded.items()]})

    def _show(self, raw: bytes) -> None:
        model = self._model_name(self._payload(raw))
        self._check_model(model, failure=None)
        self.send_json(200, catalog.show_body(model, self.standin.modified_at(model)))

    def _pull(self, raw: bytes) -> None:
        payload = self._payload(raw)
        model = self._model_name(payload)
        if payload.get("stream", True) is False:
            self.standin.add_model(model)
            self.send_json(200, {"status": "success"})
            return
        digest = f"sha256:{catalog.digest(model)}"
        total = catalog.MODEL_SIZE
        self.start_stream()
        self.write_line({"status": "pulling manifest"})
        for completed in (0, total // 3, 2 * total // 3, total):
            status = f"pulling {digest[7:19]}"
            self.write_line(
                {"status": status, "digest": digest, "total": total, "completed": completed}
            )
        for status in ("verifying sha256 digest", "writing manifest"):
            self.write_line({"status": status})
        self.standin.add_model(model)
        self.write_line({"status": "success"})
        self.end_stream()

    # Chat and generate

    def _chat(self, raw: bytes) -> None:
        self._inference(raw, "chat")

    def _generate(self, raw: bytes) -> None:
        self._inference(raw, "generate")

    def _inference(self, raw: bytes, kind: str) -> None:
        standin = self.standin
        payload = self._payload(raw)
        model = self._model_name(payload)
        faults = standin.faults_for(model)
        if faults is not standin.faults and not faults.wait_while_hung():
            self.drop()
        self._check_model(model, failure=standin.faults.take_failure())
        try:
            keep_alive = parse_keep_alive(payload.get("keep_alive"))
        except ValueError as exc:
            self.fail(400, str(exc))
        is_load = not payload.get("messages" if kind == "chat" else "prompt")
        if is_load and keep_alive == 0:
            standin.unload(model)
            self.send_json(200, _chunk(kind, model, "", done=True, done_reason="unload"))
            return
        name = catalog.normalize(model)
        wait, cold = standin.loaded.acquire(
            name, runner_key(payload), keep_alive, standin.load_seconds / standin.speed(model)
        )
        if cold:
            with standin.counters.lock:
                standin.counters.loads += 1
        try:
            if is_load:
                self._sleep(wait)
                self.send_json(200, _chunk(kind, model, "", done=True, done_reason="load"))
            else:
                self._answer(kind, model, payload, wait)
        finally:
            standin.loaded.release(name, keep_alive)

    def _answer(self, kind: str, model: str, payload: dict[str, Any], load_wait: float) -> None:
        standin = self.standin
        faults = standin.faults_for(model)
        mode, extra = faults.mode, faults.seconds
        started = time.perf_counter_ns()
        self._sleep(load_wait)
        loaded_at = time.perf_counter_ns()
        prompt_count = prompt_tokens(payload)
        speed = standin.speed(model)
        self._sleep(prompt_count * standin.prompt_seconds_per_token / speed)
        prompted_at = time.perf_counter_ns()

        answer = standin.answer(payload) if callable(standin.answer) else standin.answer
        tokens = [] if mode == "empty" else split_tokens(answer)
        done_reason = "stop"
        limit = (payload.get("options") or {}).get("num_predict")
        if isinstance(limit, int) and 0 <= limit < len(tokens):
            tokens, done_reason = tokens[:limit], "length"
        per_token = 1 / (standin.tokens_per_second * speed) if standin.tokens_per_second else 0.0

        def produce(index: int) -> str:
            first = index == 0 and mode == "slow_first_token"
            self._sleep(per_token + (extra if first or (index and mode == "stall") else 0.0))
            return tokens[index]

        def final(content: str) -> dict[str, Any]:
            now = time.perf_counter_ns()
            return _chunk(kind, model, content, done=True, done_reason=done_reason) | {
                "total_duration": now - started,
                "load_duration": loaded_at - started,
                "prompt_eval_count": prompt_count,
                "prompt_eval_duration": prompted_at - loaded_at,
                "eval_count": len(tokens),
                "eval_duration": now - prompted_at,
            }

        if payload.get("stream", True) is False:
            content = "".join(produce(index) for index in range(len(tokens)))
            if mode == "reset":
                self.reset_connection()
            if mode == "error_line":  # without a stream, Ollama reports the failure as a 500
                self.fail(500, RUNNER_FAILURE)
            if mode == "malformed":
                self.send_body(200, MALFORMED_LINE, JSON)
            else:
                self.send_json(200, final(content))
            return

        cut = min(FAULT_AFTER_TOKENS, len(tokens))
        self.start_stream()
        for index in range(cut):
            self.write_line(_chunk(kind, model, produce(index), done=False))
        self._mid_stream_fault(mode, kind, model)
        for index in range(cut, len(tokens)):
            content = produce(index)
            self.write_line(
                _chunk(kind, model, WRONG_CONTENT if mode == "wrong_type" else content, done=False)
            )
        self.write_line(final(""))
        self.end_stream()

    def _mid_stream_fault(self, mode: str, kind: str, model: str) -> None:
        """What comes after the first few tokens: a line of the fault, or the end of it all."""
        if mode == "reset":
            self.reset_connection()
        if mode == "error_line":
            self.write_line({"error": RUNNER_FAILURE})
            self.end_stream()
            raise Answered
        if mode == "malformed":
            self.write_chunk(MALFORMED_LINE)
        if mode == "list_line":
            self.write_chunk(LIST_LINE)
        if mode in ("huge_line", "endless_line"):
            # A token line whose content is written in pieces: all of it and the line's end
            # (huge_line), or 8 MB of it and then the connection closes (endless_line).
            head, tail = dumps(_chunk(kind, model, "@", done=False)).split(b'"@"')
            self.write_chunk(head + b'"')
            for _ in range((HUGE_BYTES if mode == "huge_line" else ENDLESS_BYTES) // len(PIECE)):
                self.write_chunk(PIECE)
            if mode == "endless_line":
                self.drop()
            self.write_chunk(b'"' + tail + b"\n")

    # Checks shared by the model endpoints

    def _payload(self, raw: bytes) -> dict[str, Any]:
        try:
            return parse_object(raw)
        except ValueError as exc:
            self.fail(400, str(exc))

    def _model_name(self, payload: dict[str, Any]) -> str:
        model = payload.get("model") or payload.get("name")
        if not isinstance(model, str) or not model:
            self.fail(400, "model is required")
        return model

    def _check_model(self, model: str, failure: int | None) -> None:
        status = failure or STATUS_MODES.get(self.standin.faults_for(model).mode)
        if status == 404 or not self.standin.has_model(model):
            self.fail(404, catalog.not_found(model))
        if status:
            self.fail(status, ERROR_MESSAGES.get(status, f"stand-in failure ({status})"))

    def _sleep(self, seconds: float) -> None:
        if not self.standin.faults.sleep(seconds):
            self.drop()


def _chunk(kind: str, model: str, content: str | int, **fields: Any) -> dict[str, Any]:
    if kind == "chat":
        body: dict[str, Any] = {"message": {"role": "assistant", "content": content}}
    else:
        body = {"response": content}
    return {"model": model, "created_at": catalog.iso(), **body, **fields}


ROUTES: dict[tuple[str, str], Callable[[StandinHandler, bytes], None]] = {
    ("GET", "/"): StandinHandler._root,
    ("GET", "/api/version"): StandinHandler._version,
    ("GET", "/api/tags"): StandinHandler._tags,
    ("GET", "/api/ps"): StandinHandler._ps,
    ("POST", "/api/show"): StandinHandler._show,
    ("POST", "/api/pull"): StandinHandler._pull,
    ("POST", "/api/chat"): StandinHandler._chat,
    ("POST", "/api/generate"): StandinHandler._generate,
}
