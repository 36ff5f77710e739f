"""The only code that speaks HTTP to Ollama: one pooled keep-alive session per process.

Every chat request carries the same ``keep_alive`` and runner ``options``: a change of
options makes Ollama reload the model, and an unloaded model costs seconds.

What the server sends is read through ``help.ollama.reading``: bounded in time and size,
checked in type.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from help.conf import help_settings, ollama_models, ollama_urls
from help.ollama.errors import (
    BadResponse,
    ModelMissing,
    OllamaError,
    OllamaOverloaded,
    OllamaServerError,
    OllamaTimeout,
    OllamaUnreachable,
    StreamInterrupted,
    root_cause,
    status_error,
)
from help.ollama.reading import field, read_answer, read_json, read_lines

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
# The fields of a pull progress line, with the JSON type of each.
_PROGRESS_FIELDS: dict[str, object] = {"status": "", "digest": "", "total": 0, "completed": 0}


@dataclass(frozen=True)
class ClientConfig:
    urls: tuple[str, ...]
    model: str  # the first model of the chain: the one warmed, pulled and probed by default
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
            model=ollama_models()[0],
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

    def chat(
        self, messages: list[dict[str, str]], budget: float, model: str | None = None
    ) -> Iterator[str]:
        """Stream the answer's text pieces as Ollama produces them, within ``budget`` seconds."""
        deadline = time.monotonic() + budget
        payload = self._chat_payload(messages, stream=True, model=model)
        response = self._post_with_retries("/api/chat", payload, deadline)
        with response:
            yield from read_answer(response, deadline)

    def _chat_payload(
        self, messages: list[dict[str, str]], stream: bool, model: str | None = None
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": model or self.config.model,
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

    # -- state and warm-up ---------------------------------------------------------------------

    def version(self, timeout: float = 2.0) -> str:
        return field(self._get_json("/api/version", timeout), "version", "", "/api/version")

    def tags(self, timeout: float = 2.0) -> list[dict[str, Any]]:
        return self._models("/api/tags", timeout)

    def ps(self, timeout: float = 2.0) -> list[dict[str, Any]]:
        return self._models("/api/ps", timeout)

    def load(self, timeout: float = 300.0, model: str | None = None) -> dict[str, Any]:
        """Load the model with the hot path's options and keep-alive; returns Ollama's stats.

        The timeout is generous on purpose: closing the connection aborts a load in progress.
        """
        deadline = time.monotonic() + timeout
        payload = self._chat_payload([], stream=False, model=model)
        response = self._post_with_retries("/api/chat", payload, deadline)
        with response:
            return read_json(response, deadline, "the load answer")

    def pull(self, timeout: float = 3600.0, model: str | None = None) -> Iterator[dict[str, Any]]:
        """Pull the model, yielding Ollama's progress lines (status, total, completed)."""
        deadline = time.monotonic() + timeout
        payload = {"model": model or self.config.model, "stream": True}
        response = self._post_with_retries("/api/pull", payload, deadline)
        with response:
            for progress in read_lines(response, deadline, "a pull progress line"):
                for name, default in _PROGRESS_FIELDS.items():
                    field(progress, name, default, "a pull progress line")
                yield progress

    def _models(self, path: str, timeout: float) -> list[dict[str, Any]]:
        models: list[Any] = field(self._get_json(path, timeout), "models", [], path)
        if not all(isinstance(model, dict) for model in models):
            raise BadResponse(f"{path}: a model entry is not a JSON object")
        return models

    def _get_json(self, path: str, timeout: float) -> dict[str, Any]:
        error: OllamaError = OllamaUnreachable("no Ollama URL configured")
        for host in self.config.urls:
            deadline = time.monotonic() + timeout
            try:
                response = self.session.get(
                    host + path,
                    stream=True,  # read under our size cap, not whole by requests
                    timeout=(min(self.config.connect_timeout, timeout), timeout),
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
                return read_json(response, deadline, host + path)
        raise error


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
