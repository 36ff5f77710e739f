"""The assistant's state: cache, Ollama, model and breaker, for /help/health and the admin."""

from __future__ import annotations

from typing import Any

from help.conf import help_settings
from help.ops.probe import probe_ollama
from help.shared_state import breaker
from help.shared_state.safe_cache import safe_cache


def health() -> dict[str, Any]:
    model = help_settings.OLLAMA_MODEL
    report: dict[str, Any] = {
        "status": "ok",
        "cache": "up" if safe_cache.ping() else "down",
        "ollama": "down",
        "model": model,
        "model_available": False,
        "model_loaded": False,
        "breaker": breaker.state(),
        "error": "",
    }
    ollama = probe_ollama()
    report["ollama"] = "up" if ollama.up else "down"
    report["model_available"] = ollama.available
    report["model_loaded"] = ollama.available and ollama.loaded
    report["error"] = ollama.error or ("" if ollama.available or not ollama.up else "model_missing")
    healthy = report["cache"] == "up" and report["model_available"] and not report["error"]
    if not healthy or report["breaker"] != breaker.CLOSED:
        report["status"] = "degraded"
    return report
