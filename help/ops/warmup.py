"""Getting the assistant ready: load the model as the hot path will use it, pre-answer.

Shared by ``manage.py warm_ollama`` and the admin dashboard's actions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Re-exported: manage.py warm_ollama reaches the question log's counts through ops.
from help.answering.most_asked import most_asked as most_asked
from help.answering.pipeline import Question, Run
from help.conf import help_settings
from help.ollama.client import get_client
from help.ollama.errors import ModelMissing
from help.ops.probe import OllamaState, read_ollama_state

LOAD_TIMEOUT = 600.0
STATE_TIMEOUT = 2.0


@dataclass(frozen=True)
class WarmResult:
    model: str
    seconds: float
    loaded: bool
    expires_at: datetime | None


def warm_model(model: str) -> WarmResult:
    """Load ``model`` with the hot path's options and keep-alive, then check ``/api/ps``.

    Raises the client's errors (OllamaUnreachable, ModelMissing...) for the caller to report.
    """
    if not read_ollama_state(OllamaState(model), STATE_TIMEOUT).available:
        raise ModelMissing(f"{model} is not on the Ollama server")
    started = time.monotonic()
    get_client().load(timeout=LOAD_TIMEOUT, model=model)
    seconds = time.monotonic() - started
    state = read_ollama_state(OllamaState(model), STATE_TIMEOUT)
    return WarmResult(model, seconds, state.loaded, state.expires_at)


def pull_model(model: str) -> Iterator[dict[str, Any]]:
    yield from get_client().pull(model=model)


def pre_answer(
    questions: list[Question], progress: Callable[[int, Question, str], None] | None = None
) -> dict[str, int]:
    """Answer each question into the cache, waiting for the model up to HELP_TIMEOUT.

    Returns how many answers came from each source ("cache" means already warm).
    """
    sources: dict[str, int] = {}
    for index, question in enumerate(questions, start=1):
        run = Run.start(question, stream=False, wait=float(help_settings.TIMEOUT), record=False)
        source = run.result()["source"]
        sources[source] = sources.get(source, 0) + 1
        if progress is not None:
            progress(index, question, source)
    return sources
