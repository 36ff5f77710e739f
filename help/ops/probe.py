"""One look at Ollama for health, warm-up and the dashboard: is it up, are the chain's
models installed, which models are loaded and until when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from help.conf import ollama_models
from help.ollama.client import get_client
from help.ollama.errors import OllamaError

PROBE_TIMEOUT = 1.0


@dataclass(frozen=True)
class RunningModel:
    name: str
    size: int
    expires_at: datetime | None


@dataclass
class OllamaState:
    model: str  # the one ``available``, ``loaded`` and ``expires_at`` speak of
    up: bool = False
    error: str = ""  # the kind of the error that stopped the probe, else empty
    available: bool = False
    running: list[RunningModel] = field(default_factory=list)
    installed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        return self.is_loaded(self.model)

    @property
    def expires_at(self) -> datetime | None:
        return self.expiry(self.model)

    def has(self, model: str) -> bool:
        return find_model(self.installed, model) is not None

    def is_loaded(self, model: str) -> bool:
        return find_model([{"name": entry.name} for entry in self.running], model) is not None

    def expiry(self, model: str) -> datetime | None:
        """When ``model`` unloads, if it is loaded."""
        wanted = _bare(model)
        entry = next((entry for entry in self.running if _bare(entry.name) == wanted), None)
        return entry.expires_at if entry else None


def find_model(models: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The entry of ``name`` in an /api/tags or /api/ps list, or None."""
    wanted = _bare(name)
    return next(
        (
            entry
            for entry in models
            if _bare(entry.get("name") or entry.get("model") or "") == wanted
        ),
        None,
    )


def _bare(name: str) -> str:
    # "phi3" and "phi3:latest" are one model to Ollama.
    return name.removesuffix(":latest")


def probe_ollama(timeout: float = PROBE_TIMEOUT) -> OllamaState:
    """Ask /api/tags then /api/ps; an Ollama error is recorded in ``error``, never raised."""
    state = OllamaState(model=ollama_models()[0])
    try:
        read_ollama_state(state, timeout)
    except OllamaError as exc:
        state.error = exc.kind
    return state


def read_ollama_state(state: OllamaState, timeout: float) -> OllamaState:
    """Fill ``state`` from /api/tags then /api/ps; the client's errors propagate."""
    client = get_client()
    state.installed = client.tags(timeout=timeout)
    state.up = True
    state.available = state.has(state.model)
    state.running = [
        RunningModel(
            entry.get("name") or entry.get("model") or "",
            int(entry.get("size") or 0),
            parse_time(entry.get("expires_at", "")),
        )
        for entry in client.ps(timeout=timeout)
    ]
    return state


def parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
