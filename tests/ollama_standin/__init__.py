"""A test double for Ollama: a real HTTP server on 127.0.0.1 with fault modes and counters.

Imported by tests and benchmarks alike, so it depends on neither pytest nor Django.
"""

from __future__ import annotations

from tests.ollama_standin.faults import MODES
from tests.ollama_standin.server import DEFAULT_ANSWER, OllamaStandin

__all__ = ["DEFAULT_ANSWER", "MODES", "OllamaStandin"]
