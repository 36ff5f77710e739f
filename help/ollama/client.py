"""The only code that speaks HTTP to Ollama: one pooled keep-alive session per process.

Every chat request carries the same ``keep_alive`` and runner ``options``: a change of
options makes Ollama reload the model, and an unloaded model costs seconds.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from help.conf import help_settings, ollama_urls
from help.ollama.errors import (
    BadResponse,
    ModelMissing,
    OllamaError,
    OllamaOverloaded,
    OllamaServerError,
    OllamaTimeout,
    OllamaUnreachable,
    StreamInterrupted,
    caused_by_timeout,
    root_cause,
    status_error,
)

# The errors are part of this module's interface: callers catch them from here.
__all__ = [
    "RUNNER_OPTIONS",
    "BadResponse",
    "ClientConfig",
    "ModelMissing",
    "OllamaClient",
    "OllamaError",
    "OllamaOverloaded",
    "OllamaServerError",
    "OllamaTimeout",
    "OllamaUnreachable",
    "StreamInterrupted",
    "get_client",
]

logger = logging.getLogger(__name__)

# Fixed runner options: identical on every request so Ollama never reloads the model.
RUNNER_OPTIONS: dict[str, Any] = {"num_ctx": 2048, "num_predict": 256, "temperature": 0, "seed": 7}


@dataclass(frozen=True)
class ClientConfig:
    urls: tuple[str, ...]
    model: str
    keep_alive: str
    connect_timeout: float
    retries: int
    retry_backoff: float
    pool_size: int
    reuse_connections: bool

    @classmethod
    def from_settings(cls) -> ClientConfig:
        return cls(
            urls=tuple(ollama_urls(help_settings.OLLAMA_URL)),
            model=help_settings.OLLAMA_MODEL,
            keep_alive=help_settings.OLLAMA_KEEP_ALIVE,
            connect_timeout=float(help_settings.OLLAMA_CONNECT_TIMEOUT),
            retries=int(help_settings.OLLAMA_RETRIES),
            retry_backoff=float(help_settings.OLLAMA_RETRY_BACKOFF),
            pool_size=int(help_settings.HTTP_POOL_SIZE),
            reuse_connections=bool(help_settings.HTTP_KEEP_ALIVE),
        )


class OllamaClient:
    def __init__(self, config: ClientConfig) -> None:
        self.config = config
        self.session = requests.Session()
        # Retries are ours (connection errors and 503 only, within the time left):
        # urllib3's own would not respect the caller's budget.
        adapter = HTTPAdapter(
            pool_connections=max(len(config.urls), 1),
            pool_maxsize=config.pool_size,
            max_retries=0,
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        if not config.reuse_connections:
            # Only for comparisons with a connection per call (benchmarks' "before").
            self.session.headers["Connection"] = "close"
        self._next_host = itertools.count()

    # -- answering -----------------------------------------------------------------------------

    def chat(self, messages: list[dict[str, str]], budget: float) -> Iterator[str]:
        """Stream the answer's text pieces as Ollama produces them, within ``budget`` seconds."""
        deadline = time.monotonic() + budget
        payload = self._chat_payload(messages, stream=True)
        response = self._post_with_retries("/api/chat", payload, deadline)
        with response:
            yield from self._read_stream(response, deadline)

    def _chat_payload(self, messages: list[dict[str, str]], stream: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "stream": stream,
            "options": RUNNER_OPTIONS,
        }
        if self.config.keep_alive:  # empty: leave it to the server's default
            payload["keep_alive"] = self.config.keep_alive
        return payload

    def _post_with_retries(
        self, path: str, payload: dict[str, Any], deadline: float
    ) -> requests.Response:
        hosts = self.config.urls
        start = next(self._next_host)
        error: OllamaError = OllamaUnreachable("no Ollama URL configured")
        for attempt in range(self.config.retries + 1):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OllamaTimeout(f"no answer within the budget ({error})")
            host = hosts[(start + attempt) % len(hosts)]
            try:
                response = self.session.post(
                    host + path,
                    json=payload,
                    stream=True,
                    timeout=(min(self.config.connect_timeout, remaining), remaining),
                )
            except requests.ConnectTimeout as exc:
                error = OllamaUnreachable(f"{host}: connect timeout ({exc.__class__.__name__})")
            except requests.ReadTimeout as exc:
                raise OllamaTimeout(f"{host}: no response headers in time") from exc
            except requests.ConnectionError as exc:
                error = OllamaUnreachable(f"{host}: {root_cause(exc)}")
            else:
                if response.status_code == 200:
                    return response
                error = status_error(host, response)
                response.close()
                if not isinstance(error, OllamaOverloaded):
                    raise error
            # Back off before asking the same host again; another host is asked at once.
            if attempt < self.config.retries and len(hosts) == 1:
                time.sleep(max(0.0, min(self.config.retry_backoff, deadline - time.monotonic())))
        raise error

    def _read_stream(self, response: requests.Response, deadline: float) -> Iterator[str]:
        received_done = False
        try:
            for line in response.iter_lines():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise OllamaTimeout("the answer did not finish within the budget")
                _shorten_read_timeout(response, remaining)
                if not line:
                    continue
                try:
                    chunk = json.loads(line)
                except ValueError as exc:
                    raise BadResponse(f"malformed line in the stream: {line[:80]!r}") from exc
                if not isinstance(chunk, dict):
                    raise BadResponse("a stream line is not a JSON object")
                if "error" in chunk:
                    raise BadResponse(f"Ollama reported an error: {chunk['error']}")
                text = (chunk.get("message") or {}).get("content") or chunk.get("response") or ""
                if text:
                    yield text
                # No break on "done": reading on to the end of the chunked body is what
                # lets urllib3 put the connection back in the pool.
                received_done = received_done or bool(chunk.get("done"))
        except requests.Timeout as exc:
            raise OllamaTimeout("the stream stalled past the budget") from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            # requests reports a read timeout inside a body as a connection error.
            if caused_by_timeout(exc):
                raise OllamaTimeout("the stream stalled past the budget") from exc
            raise StreamInterrupted(f"connection lost mid-stream: {root_cause(exc)}") from exc
        if not received_done:
            raise StreamInterrupted("the stream ended before its last line")

    # -- state and warm-up ---------------------------------------------------------------------

    def version(self, timeout: float = 2.0) -> str:
        version: str = self._get_json("/api/version", timeout).get("version", "")
        return version

    def tags(self, timeout: float = 2.0) -> list[dict[str, Any]]:
        models: list[dict[str, Any]] = self._get_json("/api/tags", timeout).get("models", [])
        return models

    def ps(self, timeout: float = 2.0) -> list[dict[str, Any]]:
        models: list[dict[str, Any]] = self._get_json("/api/ps", timeout).get("models", [])
        return models

    def load(self, timeout: float = 300.0) -> dict[str, Any]:
        """Load the model with the hot path's options and keep-alive; returns Ollama's stats.

        The timeout is generous on purpose: closing the connection aborts a load in progress.
        """
        payload = self._chat_payload([], stream=False)
        response = self._post_with_retries("/api/chat", payload, time.monotonic() + timeout)
        with response:
            try:
                stats: dict[str, Any] = response.json()
            except ValueError as exc:
                raise BadResponse("the load answer is not JSON") from exc
            return stats

    def pull(self, timeout: float = 3600.0) -> Iterator[dict[str, Any]]:
        """Pull the model, yielding Ollama's progress lines (status, total, completed)."""
        deadline = time.monotonic() + timeout
        payload = {"model": self.config.model, "stream": True}
        response = self._post_with_retries("/api/pull", payload, deadline)
        with response:
            for line in response.iter_lines():
                if not line:
                    continue
                try:
                    progress = json.loads(line)
                except ValueError as exc:
                    raise BadResponse("malformed pull progress line") from exc
                if "error" in progress:
                    raise BadResponse(f"pull failed: {progress['error']}")
                yield progress

    def _get_json(self, path: str, timeout: float) -> dict[str, Any]:
        error: OllamaError = OllamaUnreachable("no Ollama URL configured")
        for host in self.config.urls:
            try:
                response = self.session.get(
                    host + path, timeout=(min(self.config.connect_timeout, timeout), timeout)
                )
            except requests.Timeout as exc:
                error = OllamaTimeout(f"{host}{path}: {exc.__class__.__name__}")
                continue
            except requests.ConnectionError as exc:
                error = OllamaUnreachable(f"{host}: {root_cause(exc)}")
                continue
            with response:
                if response.status_code != 200:
                    raise status_error(host, response)
                try:
                    body = response.json()
                except ValueError as exc:
                    raise BadResponse(f"{host}{path}: not JSON") from exc
            if not isinstance(body, dict):
                raise BadResponse(f"{host}{path}: not a JSON object")
            return body
        raise error


def _shorten_read_timeout(response: requests.Response, remaining: float) -> None:
    """Bound the next socket read by the time left, not by the request's initial read timeout.

    A requests read timeout bounds each gap between bytes, so a slow trickle could outlive
    the budget; narrowing the socket's timeout after each line makes the budget a wall clock.
    """
    sock = getattr(getattr(getattr(response.raw, "_fp", None), "fp", None), "raw", None)
    sock = getattr(sock, "_sock", None)
    if sock is not None:
        sock.settimeout(max(remaining, 0.01))


_clients: dict[ClientConfig, OllamaClient] = {}
_clients_lock = threading.Lock()


def get_client() -> OllamaClient:
    """The process's client for the current settings (one pool per distinct configuration)."""
    config = ClientConfig.from_settings()
    client = _clients.get(config)
    if client is None:
        with _clients_lock:
            client = _clients.setdefault(config, OllamaClient(config))
    return client
