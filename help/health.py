"""The assistant's state: cache, Ollama, model and breaker, for /help/health and the admin."""

from __future__ import annotations

from typing import Any

from help import breaker
from help.cache import safe_cache
from help.conf import help_settings
from help.ollama import ModelMissing, OllamaError, get_client

PROBE_TIMEOUT = 1.0


def model_names(models: list[dict[str, Any]]) -> set[str]:
    names = {entry.get("name") or entry.get("model") or "" for entry in models}
    # "phi3" and "phi3:latest" are one model to Ollama.
    return names | {name.removesuffix(":latest") for name in names}


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
    client = get_client()
    try:
        available = model_names(client.tags(timeout=PROBE_TIMEOUT))
        report["ollama"] = "up"
        report["model_available"] = model in available or f"{model}:latest" in available
        if not report["model_available"]:
            raise ModelMissing(f"{model} is not on the Ollama server")
        report["model_loaded"] = model in model_names(client.ps(timeout=PROBE_TIMEOUT))
    except OllamaError as exc:
        report["error"] = exc.kind
    healthy = report["cache"] == "up" and report["model_available"] and not report["error"]
    if not healthy or report["breaker"] != breaker.CLOSED:
        report["status"] = "degraded"
    return report
