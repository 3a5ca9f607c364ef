"""Requests per token per minute, counted in Django's cache (shared by every process when CACHE_URL is set)."""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

WINDOW = 60  # seconds


def wait_seconds(token_id: int, *, now: float | None = None) -> int | None:
    """Count one request of the token; None while within the limit, else the seconds until the next window."""
    now = time.time() if now is None else now
    start = int(now // WINDOW) * WINDOW
    key = f"api-rate:{token_id}:{start}"
    cache.add(key, 0, timeout=WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # gone between add and incr (evicted): this request starts the count again
        cache.add(key, 1, timeout=WINDOW + 5)
        count = 1
    if count <= settings.SERVICEDESK_API_RATE_LIMIT:
        return None
    return max(1, math.ceil(start + WINDOW - now))
