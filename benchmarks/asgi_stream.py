"""The ASGI side of the serving comparison (benchmarks/crowd.py ``--servers uvicorn``), not
a product: ``POST /help/ask/stream`` as an async view, under uvicorn workers.

Django serves a synchronous view under ASGI in one thread per process and reads a
synchronous ``StreamingHttpResponse`` whole before sending it, so today's view cannot be
measured there as it is. This is the smallest async variant that streams:

- the view's checks (method, JSON, CSRF, permission, rate limit: ``api_view``) and
  ``Run.start`` (curated answers, exact cache, retrieval, similar level, prompt) are
  today's code, run in a thread (``sync_to_async``);
- a cached answer is streamed from there (start, done), as the pipeline does;
- a miss is this module's prototype of the pipeline's miss path, on the event loop: the
  same ``/api/chat`` payload to the same Ollama through ``httpx.AsyncClient`` (a pool of
  ``HTTP_POOL_SIZE`` connections, at most that many calls per process, past it the
  fallback with ``busy``), tokens relayed until ``DEADLINE``, then the pipeline's fallback,
  an upgrade when the model finishes within ``TIMEOUT``, the answer stored in both cache
  levels and the question recorded (in threads).

It leaves out what a real async pipeline would need: single flight, the breaker, retries
and failover across hosts, the stall check between tokens, the model chain and the
client-gone record. Everything it has is a second copy of the pipeline's miss path.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse

from help.answering.answer_cache import store_answer
from help.answering.meaning import store_similar
from help.answering.pipeline import Run
from help.conf import help_settings, ollama_urls
from help.ollama.client import get_client
from help.views.api import parse_question
from help.views.decorators import api_view, server_timing

_client: httpx.AsyncClient | None = None
_calls = 0  # model calls running in this process


class _Started(HttpResponse):
    """What the synchronous checks hand to the async view: the started run."""

    def __init__(self, run: Run) -> None:
        super().__init__()
        self.run = run


@api_view(("POST",))
def _start(request: HttpRequest) -> HttpResponse:
    return _Started(Run.start(parse_question(request), stream=True))


async def ask_stream(request: HttpRequest) -> HttpResponseBase:
    started = await sync_to_async(_start, thread_sensitive=False)(request)
    if not isinstance(started, _Started):
        return started  # an error answer of the checks
    run = started.run
    response = StreamingHttpResponse(_lines(run), content_type="application/x-ndjson")
    response["Server-Timing"] = server_timing(run.timings)
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"
    return response


async def _lines(run: Run) -> AsyncIterator[bytes]:
    async for event in _events(run):
        yield (json.dumps(event, ensure_ascii=False) + "\n").encode()


async def _events(run: Run) -> AsyncIterator[dict[str, Any]]:
    yield {"event": "start", "id": str(run.id), "sources": run.sources}
    if run.cached is not None:
        run._finish(run.cached["answer"], "cache", run.outcome.match)
    else:
        async for event in _miss(run):
            yield event
    done = run._done_event()
    await sync_to_async(run._record, thread_sensitive=False)()
    yield done


async def _miss(run: Run) -> AsyncIterator[dict[str, Any]]:
    global _calls
    if _calls >= int(help_settings.HTTP_POOL_SIZE):
        yield await _fallback(run, "busy")
        return
    events: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    _calls += 1
    call = asyncio.create_task(_call(run, events))  # goes on after the deadline
    call.add_done_callback(_call_ended)
    tokens = 0
    while True:
        try:
            kind, value = await asyncio.wait_for(
                events.get(), timeout=max(0.0, run.deadline - time.monotonic())
            )
        except TimeoutError:
            break
        if kind == "token":
            tokens += 1
            if tokens == 1:
                run.outcome.timings["first_token_ms"] = _ms_since(run.started)
            yield {"event": "token", "text": value}
            run.deadline = time.monotonic() + float(help_settings.DEADLINE)  # between tokens
        elif kind == "done":
            run._finish(value, "model")
            return
        else:
            yield await _fallback(run, value)
            return
    yield await _fallback(run, "stalled" if tokens else "timeout")
    end = run.started + float(help_settings.TIMEOUT)
    while True:  # the upgrade, if the model finishes while the stream is open
        try:
            kind, value = await asyncio.wait_for(
                events.get(), timeout=max(0.0, end - time.monotonic())
            )
        except TimeoutError:
            return
        if kind == "done":
            run._finish(value, "model")
            run.outcome.error_kind = ""
            yield {"event": "upgrade", "answer": value}
            return
        if kind == "error":
            return


def _call_ended(task: asyncio.Task[None]) -> None:
    global _calls
    _calls -= 1


async def _fallback(run: Run, kind: str) -> dict[str, Any]:
    return await sync_to_async(run._fallback, thread_sensitive=False)(kind)


async def _call(run: Run, events: asyncio.Queue[tuple[str, str]]) -> None:
    model = run.models[0]
    payload = get_client()._chat_payload(run.messages, stream=True)
    payload["model"] = model
    url = ollama_urls(help_settings.OLLAMA_URL)[0] + "/api/chat"
    pieces: list[str] = []
    try:
        async with asyncio.timeout(float(help_settings.TIMEOUT)):
            async with _http().stream("POST", url, json=payload) as response:
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}")
                async for line in response.aiter_lines():
                    if not line.strip():
                        continue
                    text = (json.loads(line).get("message") or {}).get("content", "")
                    if text:
                        pieces.append(text)
                        events.put_nowait(("token", text))
    except TimeoutError:
        events.put_nowait(("error", "timeout"))
        return
    except (httpx.HTTPError, RuntimeError, ValueError):
        events.put_nowait(("error", "server_error"))
        return
    answer = "".join(pieces).strip()
    entry = {"sources": run.sources, "slugs": run.cited_slugs, "model": model, "answer": answer}
    await sync_to_async(store_answer, thread_sensitive=False)(run.key, entry)
    if run.meaning is not None:
        await sync_to_async(store_similar, thread_sensitive=False)(run.meaning.key, entry)
    events.put_nowait(("done", answer))


def _http() -> httpx.AsyncClient:
    global _client
    if _client is None:  # created on the worker's event loop
        size = int(help_settings.HTTP_POOL_SIZE)
        _client = httpx.AsyncClient(
            timeout=httpx.Timeout(float(help_settings.TIMEOUT), connect=2.0),
            limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
        )
    return _client


def _ms_since(start: float) -> float:
    return round((time.monotonic() - start) * 1000, 1)
