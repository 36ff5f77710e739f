"""Blocking database calls kept off gevent's event loop.

Under gunicorn's gevent workers (deploy/gunicorn.conf.py) every thread is a greenlet of one
OS thread, so a call that does not yield to gevent stops every request of the worker for as
long as it lasts: sqlite3 does not yield, nor does its busy wait on a locked database, nor
psycopg 2 without a wait callback. ``call`` runs such a call on a native thread kept for
the purpose while the calling greenlet waits cooperatively; without gevent's patching it
runs the call where it is.

One thread, not a pool: the database connection its calls open stays on it (closing it is
one more call), and the calls keep their order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")

_pools: dict[int, Any] = {}  # by process: a forked worker starts its own thread


def call(function: Callable[..., Result], *args: Any) -> Result:
    pool = _native_pool()
    if pool is None:
        return function(*args)
    result: Result = pool.apply(function, args)
    return result


def _native_pool() -> Any:
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("threading"):
        return None
    pool = _pools.get(os.getpid())
    if pool is None:
        from gevent.threadpool import ThreadPool  # type: ignore[import-untyped]

        pool = _pools[os.getpid()] = ThreadPool(1)
    return pool
