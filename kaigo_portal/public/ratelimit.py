"""Limits on the inquiry form, kept in Django's cache (Redis in production, local memory otherwise).

A fixed window: each key counts hits in the current window of KAIGO_INQUIRY_LIMIT_WINDOW_SECONDS and the
count starts again in the next window. `cache.incr` is atomic on Redis, so two web processes never both
take the last slot. Keys hold a hash of the address, never the address itself.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _key(kind: str, value: str, window: int) -> str:
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]
    return f"public:inquiry-limit:{kind}:{digest}:{window}"


def hit(kind: str, value: str, *, limit: int) -> bool:
    """Counts one submission for (kind, value); True while the count stays within `limit`."""
    seconds = settings.KAIGO_INQUIRY_LIMIT_WINDOW_SECONDS
    key = _key(kind, value, int(time.time()) // seconds)
    cache.add(key, 0, timeout=seconds * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 1, timeout=seconds * 2)
        count = 1
    return count <= limit


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the one KAIGO_INQUIRY_PROXY_COUNT trusted proxies saw.

    Each trusted proxy appends the address it received from, so the client is the Nth entry from the
    right; anything further left was written by the client and is not trusted.
    """
    proxies = settings.KAIGO_INQUIRY_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "") or "unknown"
