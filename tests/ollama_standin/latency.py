"""The stand-in's model of time: tokens, prompt size, keep_alive and which models are loaded."""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

DEFAULT_KEEP_ALIVE = 300.0  # Ollama's OLLAMA_KEEP_ALIVE default, "5m"

# Options Ollama's scheduler compares to decide whether the runner must be reloaded
# (api.Runner); a change of any of them costs a cold load, sampling options do not.
RUNNER_DEFAULTS: dict[str, Any] = {
    "num_ctx": 4096,
    "num_batch": 512,
    "num_gpu": -1,
    "main_gpu": 0,
    "use_mmap": None,
    "num_thread": 0,
}

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h)")


def split_tokens(text: str) -> list[str]:
    # Whitespace stays attached to a word so that "".join(tokens) == text.
    return re.findall(r"\s*\S+\s*", text)


def prompt_tokens(payload: dict[str, Any]) -> int:
    """About four characters a token, over every message, the prompt and the system text."""
    texts = [m.get("content") for m in payload.get("messages") or () if isinstance(m, dict)]
    texts += [payload.get("prompt"), payload.get("system")]
    chars = sum(len(text) for text in texts if isinstance(text, str))
    return max(1, math.ceil(chars / 4))


def parse_keep_alive(value: Any) -> float | None:
    """Seconds a model stays loaded after a request: None is forever, 0 unloads at once.

    Follows Ollama's api.Duration: a JSON number is seconds, a string is a Go duration
    ("5m", "1h30m", "0"), anything negative means forever. Raises ValueError with Ollama's
    wording for what Ollama would answer 400 to.
    """
    if value is None:
        return DEFAULT_KEEP_ALIVE
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"Unsupported type: '{type(value).__name__}'")
    seconds = float(value) if not isinstance(value, str) else _go_duration(value)
    return None if seconds < 0 else seconds


def _go_duration(text: str) -> float:
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    if not body or _DURATION_PART.sub("", body):
        unit_missing = body and _DURATION_PART.sub("", body).replace(".", "").isdigit()
        reason = "missing unit in duration" if unit_missing else "invalid duration"
        raise ValueError(f'time: {reason} "{text}"')
    return sign * sum(float(number) * _UNITS[unit] for number, unit in _DURATION_PART.findall(body))


RELOAD_WAIT = 1.0  # seconds a model still held by a finished request is waited for


def runner_key(payload: dict[str, Any]) -> tuple[Any, ...]:
    options = payload.get("options")
    options = options if isinstance(options, dict) else {}
    return tuple(options.get(name, default) for name, default in RUNNER_DEFAULTS.items())


@dataclass
class _Slot:
    ready_at: float  # monotonic time at which the load finishes
    expires_at: float | None  # wall-clock time; None is "forever"
    runner: tuple[Any, ...]
    busy: int = 0

    def alive(self, now: float) -> bool:
        return self.busy > 0 or self.expires_at is None or self.expires_at > now


class LoadedModels:
    """Which models are in memory, until when, with reference counts like Ollama's scheduler."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._slots: dict[str, _Slot] = {}

    def acquire(
        self, name: str, runner: tuple[Any, ...], keep_alive: float | None, load_seconds: float
    ) -> tuple[float, bool]:
        """Mark `name` in use; returns (seconds until it is loaded, whether this is a cold load)."""
        with self._lock:
            # Like Ollama's scheduler, a runner asked for with other options is reloaded once
            # the requests on it end; a request whose answer was just sent still holds it for
            # an instant (it is released after the last byte): wait up to RELOAD_WAIT for that.
            self._lock.wait_for(lambda: not self._held_with_other(name, runner), RELOAD_WAIT)
            now, mono = time.time(), time.monotonic()
            slot = self._slots.get(name)
            cold = slot is None or not slot.alive(now) or (slot.runner != runner and not slot.busy)
            if cold:
                slot = self._slots[name] = _Slot(mono + load_seconds, None, runner)
            slot.busy += 1
            slot.expires_at = _expiry(now, keep_alive)
            return max(0.0, slot.ready_at - mono), cold

    def _held_with_other(self, name: str, runner: tuple[Any, ...]) -> bool:
        slot = self._slots.get(name)
        return slot is not None and slot.busy > 0 and slot.runner != runner

    def release(self, name: str, keep_alive: float | None) -> None:
        with self._lock:
            slot = self._slots.get(name)
            if slot is None:
                return
            slot.busy -= 1
            slot.expires_at = _expiry(time.time(), keep_alive)
            if keep_alive == 0 and slot.busy <= 0:
                del self._slots[name]
            self._lock.notify_all()

    def is_loaded(self, name: str) -> bool:
        with self._lock:
            slot = self._slots.get(name)
            return slot is not None and slot.alive(time.time())

    def loaded(self) -> dict[str, float | None]:
        """Name -> wall-clock expiry (None: forever) of every model still in memory."""
        with self._lock:
            now = time.time()
            return {name: s.expires_at for name, s in self._slots.items() if s.alive(now)}

    def unload(self, name: str | None = None, wait: float = RELOAD_WAIT) -> None:
        """Forget idle models. A request whose answer was just sent still holds its model
        for an instant (it is released after the last byte): wait up to ``wait`` for that."""
        with self._lock:
            self._lock.wait_for(lambda: not any(s.busy for s in self._slots.values()), wait)
            for key in [name] if name is not None else list(self._slots):
                slot = self._slots.get(key)
                if slot is not None and not slot.busy:
                    del self._slots[key]


def _expiry(now: float, keep_alive: float | None) -> float | None:
    return None if keep_alive is None else now + keep_alive
