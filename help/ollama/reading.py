"""Reading what an Ollama server sends: bounded in time and size, checked in type.

A line, a body and an answer have a maximum size, and every field read has the JSON type
Ollama gives it; a server that breaks either rule is a ``BadResponse``, never a worker
holding megabytes. The wall-clock budget is checked after every read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any, TypeVar

import requests

from help.ollama.errors import (
    BadResponse,
    OllamaTimeout,
    StreamInterrupted,
    caused_by_timeout,
    root_cause,
)

# What a misbehaving server can make a worker read, hold or relay.
MAX_LINE_BYTES = 64 * 1024  # one NDJSON line; Ollama's are a few hundred bytes
MAX_BODY_BYTES = 1024 * 1024  # one JSON body: /api/tags, /api/ps, /api/version, a load
MAX_ANSWER_CHARS = 8_000  # one answer; num_predict=256 tokens is about 1,500 characters
READ_BYTES = 16 * 1024  # the most read from the socket at a time

_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
_T = TypeVar("_T")


def read_answer(response: requests.Response, deadline: float) -> Iterator[str]:
    """The answer's text pieces from a chat (or generate) stream."""
    where = "a stream line"
    received_done = False
    length = 0
    for line in read_lines(response, deadline, where):
        message: dict[str, Any] = field(line, "message", {}, where)
        text = field(message, "content", "", where) + field(line, "response", "", where)
        length += len(text)
        if length > MAX_ANSWER_CHARS:
            raise BadResponse(f"the answer is longer than {MAX_ANSWER_CHARS} characters")
        if text:
            yield text
        # No break on "done": reading on to the end of the chunked body is what
        # lets urllib3 put the connection back in the pool.
        received_done = field(line, "done", False, where) or received_done
    if not received_done:
        raise StreamInterrupted("the stream ended before its last line")


def read_lines(response: requests.Response, deadline: float, what: str) -> Iterator[dict[str, Any]]:
    """Each non-blank line of an NDJSON body, as a JSON object.

    Linear in the body: each byte is searched for a newline once (requests' ``iter_lines``
    splits its whole pending buffer again on every read, quadratic on a line without one).
    A line longer than ``MAX_LINE_BYTES`` fails as soon as the buffer passes the cap, so at
    most the cap and one read are ever held.
    """
    buffer = bytearray()
    for chunk in _read_chunks(response, deadline):
        start, searched = 0, len(buffer)
        buffer += chunk
        while (end := buffer.find(b"\n", searched)) >= 0 and end - start <= MAX_LINE_BYTES:
            line, start = buffer[start:end], end + 1
            searched = start
            if line.strip():
                yield _json_object(line, what)
        del buffer[:start]
        if len(buffer) > MAX_LINE_BYTES:  # a line past the cap, with or without its newline
            raise BadResponse(f"{what} is longer than {MAX_LINE_BYTES} bytes")
    if buffer.strip():  # a last line without its newline
        yield _json_object(buffer, what)


def read_json(response: requests.Response, deadline: float, what: str) -> dict[str, Any]:
    """A whole JSON body of at most ``MAX_BODY_BYTES``, as a JSON object."""
    body = bytearray()
    for chunk in _read_chunks(response, deadline):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise BadResponse(f"{what} is longer than {MAX_BODY_BYTES} bytes")
    return _json_object(body, what)


def _read_chunks(response: requests.Response, deadline: float) -> Iterator[bytes]:
    """The body as it arrives, a read at a time, within the wall-clock ``deadline``.

    The budget is checked after every read, and the socket's timeout narrowed to what is
    left, so a slow trickle cannot outlive it: a requests read timeout bounds only each gap.
    """
    try:
        for chunk in response.iter_content(chunk_size=READ_BYTES):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise OllamaTimeout("the response did not finish within the budget")
            _shorten_read_timeout(response, remaining)
            yield chunk
    except requests.Timeout as exc:
        raise OllamaTimeout("the stream stalled past the budget") from exc
    except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
        # requests reports a read timeout inside a body as a connection error.
        if caused_by_timeout(exc):
            raise OllamaTimeout("the stream stalled past the budget") from exc
        raise StreamInterrupted(f"connection lost mid-stream: {root_cause(exc)}") from exc


def _json_object(raw: bytearray, what: str) -> dict[str, Any]:
    """``raw`` parsed as a JSON object; an ``error`` field is Ollama reporting a failure."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[..." nested deep
        raise BadResponse(f"{what} is not JSON: {bytes(raw[:80])!r}") from exc
    if not isinstance(value, dict):
        raise BadResponse(f"{what} is {_json_type(value)}, not an object")
    if "error" in value:
        error = value["error"]
        detail = error[:200] if isinstance(error, str) else f"({_json_type(error)})"
        raise BadResponse(f"Ollama reported an error: {detail}")
    return value


def field(body: dict[str, Any], name: str, default: _T, what: str) -> _T:
    """``body[name]``, or ``default`` when it is absent; of the default's JSON type or refused."""
    value: _T = body.get(name, default)
    if type(value) is not type(default):  # exact: a boolean is not a number here
        raise BadResponse(f"{what}: {name!r} is {_json_type(value)}, not {_json_type(default)}")
    return value


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), "a number" if isinstance(value, int | float) else "null")


def _shorten_read_timeout(response: requests.Response, remaining: float) -> None:
    """Bound the next socket read by the time left, not by the request's initial read timeout.

    A requests read timeout bounds each gap between bytes, so a slow trickle could outlive
    the budget; narrowing the socket's timeout after each read makes the budget a wall clock.
    """
    sock = getattr(getattr(getattr(response.raw, "_fp", None), "fp", None), "raw", None)
    sock = getattr(sock, "_sock", None)
    if sock is not None:
        sock.settimeout(max(remaining, 0.01))
