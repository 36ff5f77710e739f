"""gunicorn for the help assistant: gevent workers, where a stream waiting on the model is a
greenlet of a few kilobytes, not one of a handful of threads (README, "Deployment").

    gunicorn monchai.wsgi -c deploy/gunicorn.conf.py [--bind 127.0.0.1:8000]

Command-line options override the values here. The measurements behind the choice are in
the README's "Performance" section (benchmarks/crowd.py).

What must be patched first: gunicorn's gevent worker calls ``gevent.monkey.patch_all()``
in each worker right after the fork, before it imports the application. Everything the app
blocks on then yields to the other greenlets: sockets (requests to Ollama, redis-py to
Redis, the client's own socket), ``time.sleep``, ``threading`` (the pool's model calls and
the question log's writer run as greenlets, ``queue.Queue`` waits cooperatively) and
``ssl``. psycopg 3 (3.1.14 and later) notices the patching on its own. So this file imports
nothing of Django, requests, redis or ssl, and ``preload_app`` stays off: an application
imported in the master, before the patching, would keep blocking locks and sockets.
SQLite's calls are not cooperative: the question log writes its rows on a native thread
(help/answering/native_thread.py), but sessions, the admin and the site's own pages block
the worker for their milliseconds; use PostgreSQL for a busy site.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.workers.base_async import AsyncWorker
from gunicorn.workers.ggevent import GeventWorker

# A read or write on a client's socket that makes no progress for this long drops the
# client: a client that stops reading a stream (or trickles its body) frees its greenlet,
# its open-stream count and its wait for the model. Healthy streams write a line at least
# every HELP_DEADLINE seconds and the kernel buffers what a reader has not read yet, so
# only a client that has stopped reading for this long meets it.
SOCKET_TIMEOUT = float(os.environ.get("GUNICORN_SOCKET_TIMEOUT", "10"))


class HelpGeventWorker(GeventWorker):
    """gunicorn's gevent worker with a timeout on each client socket (gunicorn's own leaves
    them blocking without one, so a client that never reads holds its greenlet for ever)."""

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        client.settimeout(SOCKET_TIMEOUT)
        AsyncWorker.handle(self, listener, client, addr)

    def handle_request(self, listener_name: Any, req: Any, sock: Any, addr: Any) -> Any:
        try:
            return super().handle_request(listener_name, req, sock, addr)
        except TimeoutError:
            # One line, not gunicorn's traceback for "socket error": expected, and the
            # response's iterator is closed already (the stream records client_gone).
            self.log.info("Dropped %s: no progress for %.0f s", addr, SOCKET_TIMEOUT)
            raise StopIteration() from None


bind = "127.0.0.1:8000"
worker_class = HelpGeventWorker
# One worker per core: a worker's greenlets share one core, and the pipeline's CPU work
# (retrieval, JSON) is what a worker spends its time on.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Connections (so streams, cache hits and idle keep-alive clients) one worker serves at
# once; past it, new connections wait in the listen backlog.
worker_connections = 1000
preload_app = False  # see the module's docstring: the app is imported after the patching
# A worker whose event loop has not run for this long (a CPU-bound bug) is restarted.
timeout = 30
# On a deploy (SIGTERM, SIGHUP), a worker stops accepting and lets open streams end for up
# to HELP_TIMEOUT, the longest a stream waits for the model.
graceful_timeout = 30
# Seconds an idle keep-alive connection is kept. The gevent worker also gives a client this
# long to send a request's line and headers, so headers trickled byte by byte (slowloris)
# cost one greenlet for 5 s, then the connection is closed.
keepalive = 5
# The request line and headers are capped (gunicorn's defaults, stated): a 16 KB body is
# the app's own cap (HELP["MAX_BODY_BYTES"]).
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
