"""The assistant's state: cache, Ollama, model and breaker, for /help/health and the admin."""

from __future__ import annotations

from typing import Any

from help import breaker
from help.cache import safe_cache
from help.conf import help_settings
from help.ollama import ModelMissing, OllamaError, get_client

PROBE_TIMEOUT = 1.0


def find_model(models: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """The entry of ``name`` in an /api/tags or /api/ps list, or None."""

    def bare(entry: dict[str, Any]) -> str:
        # "phi3" and "phi3:latest" are one model to Ollama.
        return (entry.get("name") or entry.get("model") or "").removesuffix(":latest")

    wanted = bare({"name": name})
    return next((entry for entry in models if bare(entry) == wanted), None)


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
        installed = client.tags(timeout=PROBE_TIMEOUT)
        report["ollama"] = "up"
        report["model_available"] = find_model(installed, model) is not None
        if not report["model_available"]:
            raise ModelMissing(f"{model} is not on the Ollama server")
        report["model_loaded"] = find_model(client.ps(timeout=PROBE_TIMEOUT), model) is not None
    except OllamaError as exc:
        report["error"] = exc.kind
    healthy = report["cache"] == "up" and report["model_available"] and not report["error"]
    if not healthy or report["breaker"] != breaker.CLOSED:
        report["status"] = "degraded"
    return report
