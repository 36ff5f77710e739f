"""Fixed-window rate limits per user or IP, counted in the shared cache (every process agrees).

Each limit is named by the setting that holds its rate (``RATE_LIMIT`` for questions and
feedback, ``SUGGEST_RATE_LIMIT`` for suggestions) and has its own counters, so one kind of
request never spends another's budget.

When the cache is down nobody is limited: a broken Redis must not lock users out.
"""

from __future__ import annotations

import math
import time

from django.http import HttpRequest

from help.conf import help_settings, parse_rate
from help.shared_state.safe_cache import safe_cache


def asker(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    # REMOTE_ADDR is the proxy's address behind a reverse proxy: set it from the
    # trusted forwarding header there (e.g. with a middleware), not here, where it
    # could be forged.
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def retry_after(
    request: HttpRequest, now: float | None = None, *, setting: str = "RATE_LIMIT"
) -> int | None:
    """Count this request against the limit in ``HELP[setting]``; the seconds to wait when
    it is over that limit, else None."""
    limit, window = parse_rate(getattr(help_settings, setting))
    now = time.time() if now is None else now
    start = int(now // window) * window
    key = f"help:rate:{setting.lower()}:{asker(request)}:{start}"
    count = safe_cache.incr(key, timeout=window + 1)
    if count is None or count <= limit:
        return None
    return max(1, math.ceil(start + window - now))
