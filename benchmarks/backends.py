"""The two model backends, both behind Ollama's HTTP API, with the counters the report needs.

- ``standin``: the test suite's Ollama stand-in on a latency model of a 3.8B model served
  on a CPU (phi3:mini): a cold load of 3 s, prompt evaluation at 250 tokens/s, generation
  at 15 tokens/s. Its answers are the first words of the articles the prompt carries.
- ``real``: SmolLM2-135M-Instruct run by llama-cpp-python (benchmarks/llama_ollama.py).
"""

from __future__ import annotations

import re
import time
from typing import Any, Protocol

from tests.ollama_standin import OllamaStandin
from tests.ollama_standin.handler import StandinHandler
from tests.ollama_standin.latency import LoadedModels, prompt_tokens

STANDIN_MODEL = "phi3:mini"
LOAD_SECONDS = 3.0
PROMPT_SECONDS_PER_TOKEN = 0.004
TOKENS_PER_SECOND = 15.0
ANSWER_TOKENS = 40
NOT_COVERED = {
    "French": "Les articles d'aide ne couvrent pas cette question : "
    "contactez l'administrateur du site.",
    "English": "The help articles do not cover this question: "
    "please contact the site's administrator.",
}
_ARTICLES = re.compile(r"<<<ARTICLES\n(.*?)\nARTICLES>>>", re.S)
# The original module's prompt (original_module.py).
_DOCUMENTATION = re.compile(r"\nDocumentation :\n(.*?)\n\nQuestion : ", re.S)
_LANGUAGE = re.compile(r"LANGUAGE: (\w+)")


class ModelBackend(Protocol):
    name: str
    model: str

    @property
    def url(self) -> str: ...

    @property
    def chat_requests(self) -> int: ...

    @property
    def connections(self) -> int: ...

    @property
    def loads(self) -> int: ...

    token_times: list[float]  # wall-clock time of each answer token sent

    def start(self) -> Any: ...

    def stop(self) -> None: ...

    def unload(self) -> None: ...

    def reset_counters(self) -> None: ...

    def prompt_token_counts(self) -> list[int]: ...

    def describe(self) -> dict[str, Any]: ...


def grounded_answer(payload: dict[str, Any]) -> str:
    """A stand-in answer of ANSWER_TOKENS words, taken from the articles in the prompt (the
    app's or the original module's)."""
    prompt = "\n".join(str(message.get("content", "")) for message in payload.get("messages", []))
    language = _LANGUAGE.search(prompt)
    articles = _ARTICLES.search(prompt) or _DOCUMENTATION.search(prompt)
    words = articles.group(1).replace("#", " ").split() if articles else []
    if not words:
        return NOT_COVERED.get(language.group(1) if language else "French", NOT_COVERED["French"])
    return " ".join(words[:ANSWER_TOKENS])


class _TimedHandler(StandinHandler):
    def write_line(self, body: dict[str, Any]) -> None:
        super().write_line(body)
        if not body.get("done") and (body.get("message") or {}).get("content"):
            self.standin.token_times.append(time.time())


class _Unloadable(LoadedModels):
    """Unloads a model even while calls use it. The benchmark unloads the model for an ask
    that comes after the keep-alive elapsed on its simulated clock: in simulated time the
    calls still running in the compressed run ended long before, so nothing holds it."""

    def unload(self, name: str | None = None) -> None:
        with self._lock:
            if name is None:
                self._slots.clear()
            else:
                self._slots.pop(name, None)


class TimedStandin(OllamaStandin):
    """The stand-in, also noting when each answer token leaves it (the browser scenario)."""

    name = "standin"
    model = STANDIN_MODEL

    def __init__(self) -> None:
        super().__init__(
            models=(STANDIN_MODEL,),
            answer=grounded_answer,
            load_seconds=LOAD_SECONDS,
            prompt_seconds_per_token=PROMPT_SECONDS_PER_TOKEN,
            tokens_per_second=TOKENS_PER_SECOND,
        )
        self.loaded = _Unloadable()
        self.token_times: list[float] = []

    def _open(self) -> None:
        super()._open()
        assert self._server is not None
        self._server.RequestHandlerClass = _TimedHandler

    def reset_counters(self) -> None:
        super().reset_counters()
        self.token_times.clear()

    def prompt_token_counts(self) -> list[int]:
        """Prompt size of each answering call, at the stand-in's four characters a token."""
        return [prompt_tokens(p) for p in self.payloads if p.get("messages")]

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "Ollama stand-in (tests/ollama_standin), latency model of phi3:mini "
            "(3.8B) on a CPU",
            "model": STANDIN_MODEL,
            "cold_load_s": LOAD_SECONDS,
            "prompt_tokens_per_s": round(1 / PROMPT_SECONDS_PER_TOKEN),
            "tokens_per_s": TOKENS_PER_SECOND,
            "answer_tokens": ANSWER_TOKENS,
            "concurrency": "calls are served in parallel with no slowdown (no CPU contention)",
        }


def make_backend(name: str) -> ModelBackend:
    if name == "standin":
        return TimedStandin()
    if name == "real":
        from benchmarks.llama_ollama import LlamaOllama  # needs `make bench-deps`

        return LlamaOllama()
    raise ValueError(f"unknown model backend {name!r}: 'standin' or 'real'")
