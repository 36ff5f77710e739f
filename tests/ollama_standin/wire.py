"""HTTP/1.1 plumbing for the stand-in: JSON bodies, chunked NDJSON streams, dropped connections."""

from __future__ import annotations

import json
import os
import socket
import struct
from http.server import BaseHTTPRequestHandler
from typing import Any, NoReturn

JSON = "application/json; charset=utf-8"


class Answered(Exception):
    """The request is finished (answered with an error, or dropped): stop handling it."""


class WireHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Ollama's Go server
    server_version = "OllamaStandin"

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read the counters; per-request logs would only be noise

    def send_body(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status: int, body: dict[str, Any]) -> None:
        self.send_body(status, dumps(body), JSON)

    def fail(self, status: int, message: str) -> NoReturn:
        """Answer Ollama's error body and end the request."""
        self.send_json(status, {"error": message})
        raise Answered

    def start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def write_line(self, body: dict[str, Any]) -> None:
        self.write_chunk(dumps(body) + b"\n")

    def write_chunk(self, data: bytes) -> None:
        # wfile is unbuffered: one chunk is one send, so the client sees every line at once.
        self.wfile.write(b"%X\r\n%s\r\n" % (len(data), data))

    def end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    def drop(self) -> NoReturn:
        """End the request without (finishing) an answer, and the connection with it."""
        self.close_connection = True
        raise Answered

    def reset_connection(self) -> NoReturn:
        # SO_LINGER 0 turns close() into a RST. detach() first: the handler's file objects
        # hold references that would otherwise keep the socket open.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(self.connection.detach())
        self.drop()


def parse_object(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise ValueError("EOF")  # what Ollama's JSON binding says about an empty body
    try:
        payload = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"invalid JSON body: {exc}") from None
    if not isinstance(payload, dict):
        raise ValueError("invalid JSON body: expected an object")
    return payload


def dumps(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
