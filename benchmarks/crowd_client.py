"""The crowd's clients (benchmarks/crowd.py), in a process of their own so that their event
loop shares no interpreter lock with the model stand-in: one asyncio loop, raw sockets,
HTTP/1.1 keep-alive, each client from its own loopback address (127.10.x.y, 127.20.x.y for
the ones that never read), as distinct visitors are.

Reads its plan as JSON on stdin, writes what it saw as JSON on stdout:

    {"host", "port", "csrf", "questions": [{"text", "path", "lang", "hints", "weight"}],
     "readers", "non_readers", "seconds", "new_share", "think": [low, high], "seed"}

A reader asks a question, reads the stream to its ``done`` line, thinks (a uniform pause
in ``think``), asks again. One question in ``1 / new_share`` is one nobody asked before. A
non-reader opens a connection with a tiny receive buffer, asks a new question and never
reads a byte; it hangs up after ``HOLD_SECONDS`` and starts again.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import socket
import sys
import time
from dataclasses import dataclass
from typing import Any

REQUEST_TIMEOUT = 60.0  # a reply slower than this is an error
HOLD_SECONDS = 20.0  # how long a non-reader keeps its connection open
GRACE_SECONDS = 35.0  # after the run, for the streams still open to end
SAMPLE_SECONDS = 0.5
NON_READER_RCVBUF = 1024  # bytes; the kernel rounds it up to its minimum


@dataclass
class Reply:
    started: float  # seconds from the start of the run
    status: int = 0
    source: str = ""
    total: float = 0.0
    error: str = ""


class Crowd:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan
        self.replies: list[Reply] = []
        self.open_streams = 0
        self.samples: list[int] = []
        self.non_reader_streams = 0
        self.loop_lag = 0.0
        self.start = 0.0
        self.end = 0.0
        questions = plan["questions"]
        self.weights = [q["weight"] for q in questions]

    # -- readers ------------------------------------------------------------------------------

    async def reader(self, number: int) -> None:
        rng = random.Random(f"{self.plan['seed']}-{number}")
        address = f"127.10.{number // 250}.{number % 250 + 1}"
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        low, high = self.plan["think"]
        await asyncio.sleep(rng.uniform(0, high))  # the crowd does not arrive in step
        asked = 0
        while time.monotonic() < self.end:
            question = dict(rng.choices(self.plan["questions"], self.weights)[0])
            asked += 1
            if rng.random() < self.plan["new_share"]:
                question["text"] += f" ({number}-{asked})"
            reply = Reply(started=time.monotonic() - self.start)
            self.open_streams += 1
            try:
                connection = await asyncio.wait_for(
                    self._ask_on(connection, address, question, reply), REQUEST_TIMEOUT
                )
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                reply.error = reply.error or exc.__class__.__name__
            except TimeoutError:
                reply.error = "timeout"
            finally:
                self.open_streams -= 1
            if reply.error and connection is not None:
                _close(connection)
                connection = None
            reply.total = time.monotonic() - self.start - reply.started
            self.replies.append(reply)
            await asyncio.sleep(rng.uniform(low, high))
        if connection is not None:
            _close(connection)

    async def _ask_on(
        self,
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None,
        address: str,
        question: dict[str, Any],
        reply: Reply,
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """The question on the kept-alive connection, else a new one; the connection to keep.

        As browsers do, a request that fails on a reused connection before any byte of an
        answer (the server closed it while idle) is sent again on a new one.
        """
        if connection is not None:
            try:
                return await self._ask(connection, question, reply)
            except (OSError, asyncio.IncompleteReadError):
                _close(connection)
                if reply.status:
                    raise
        return await self._ask(await _connect(self.plan, address), question, reply)

    async def _ask(
        self,
        connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        question: dict[str, Any],
        reply: Reply,
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """One question on ``connection``; the connection when it may be used again."""
        reader, writer = connection
        writer.write(_request(self.plan, question))
        status, headers = await _read_head(reader)
        reply.status = status
        body = await _read_body(reader, headers)
        if status != 200:
            reply.error = f"HTTP {status}"
        else:
            for line in body.splitlines():
                if line.strip():
                    event = json.loads(line)
                    if event.get("event") == "done":
                        reply.source = event.get("source", "")
            if not reply.source:
                reply.error = "no done line"
        if headers.get("connection", "").lower() == "close":
            _close(connection)
            return None
        return connection

    # -- non-readers --------------------------------------------------------------------------

    async def non_reader(self, number: int) -> None:
        rng = random.Random(f"{self.plan['seed']}-idle-{number}")
        address = f"127.20.{number // 250}.{number % 250 + 1}"
        await asyncio.sleep(rng.uniform(0, 2))
        opened = 0
        while time.monotonic() < self.end:
            opened += 1
            question = dict(rng.choice(self.plan["questions"]))
            question["text"] += f" (idle {number}-{opened})"
            try:
                sock = await _socket(self.plan, address, rcvbuf=NON_READER_RCVBUF)
            except OSError:
                await asyncio.sleep(1)
                continue
            # A bare socket: nothing reads it, not even an event loop's buffer.
            await asyncio.get_running_loop().sock_sendall(sock, _request(self.plan, question))
            self.non_reader_streams += 1
            await asyncio.sleep(min(HOLD_SECONDS, max(0.0, self.end - time.monotonic())))
            sock.close()

    # -- the run ------------------------------------------------------------------------------

    async def sample(self) -> None:
        """Open streams, and how late the loop wakes up (the client's own delay)."""
        while time.monotonic() < self.end:
            self.samples.append(self.open_streams)
            asleep = time.monotonic()
            await asyncio.sleep(SAMPLE_SECONDS)
            self.loop_lag = max(self.loop_lag, time.monotonic() - asleep - SAMPLE_SECONDS)

    async def run(self) -> dict[str, Any]:
        self.start = time.monotonic()
        self.end = self.start + float(self.plan["seconds"])
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        tasks = [asyncio.create_task(self.reader(n)) for n in range(self.plan["readers"])]
        idle = [asyncio.create_task(self.non_reader(n)) for n in range(self.plan["non_readers"])]
        sampler = asyncio.create_task(self.sample())
        await asyncio.sleep(self.plan["seconds"])
        await sampler
        await asyncio.gather(*idle)
        done, pending = await asyncio.wait(tasks, timeout=GRACE_SECONDS)
        for task in pending:
            task.cancel()
        elapsed = time.monotonic() - self.start
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
        return {
            "replies": [
                [r.started, r.status, r.source, round(r.total, 5), r.error] for r in self.replies
            ],
            "unfinished": len(pending),
            "open_streams": self.samples,
            "non_reader_streams": self.non_reader_streams,
            "elapsed_s": round(elapsed, 2),
            "client_cpu_s": round(cpu, 2),
            "client_loop_lag_max_s": round(self.loop_lag, 3),
        }


async def _socket(plan: dict[str, Any], address: str, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        if rcvbuf is not None:  # before connecting: the window is agreed on at connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((address, 0))
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (plan["host"], plan["port"]))
    except OSError:
        sock.close()
        raise
    return sock


async def _connect(
    plan: dict[str, Any], address: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(sock=await _socket(plan, address), limit=1 << 20)


def _close(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
    connection[1].transport.abort()


def _request(plan: dict[str, Any], question: dict[str, Any]) -> bytes:
    fields = {"question": question["text"], **{k: question[k] for k in ("path", "lang", "hints")}}
    data = json.dumps(fields, ensure_ascii=False).encode()
    head = (
        f"POST /help/ask/stream HTTP/1.1\r\nHost: {plan['host']}:{plan['port']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        f"X-CSRFToken: {plan['csrf']}\r\nCookie: csrftoken={plan['csrf']}\r\n\r\n"
    )
    return head.encode() + data


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return b"".join(parts)
            parts.append(chunk[:-2])
    return await reader.readexactly(int(headers.get("content-length", "0")))


def main() -> None:
    plan = json.load(sys.stdin)
    try:
        import uvloop  # the client's own speed: uvloop when installed (requirements-dev)

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    json.dump(runner(Crowd(plan).run()), sys.stdout)


if __name__ == "__main__":
    main()
