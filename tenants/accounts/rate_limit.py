"""Counting attempts per person or address in the cache (Redis in production), in fixed
windows, to refuse the ones over a limit with a "try again in N minutes".

A fixed window keyed by its number needs one INCR per attempt and no clean-up: the key
expires with its window. The identity in the key is hashed, so no email address or IP
address sits in the cache. If the cache is down the attempt is allowed: these limits slow
abuse down, and a cache outage must not lock every owner out of their account.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.core.cache import cache


def now() -> float:
    """The clock the windows are counted on (tests set it, to stay inside one window)."""
    return time.time()


@dataclass(frozen=True)
class Limit:
    scope: str
    count: int
    window_seconds: int


def _key(limit: Limit, ident: str, at: float) -> str:
    window = int(at // limit.window_seconds)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"rate:{limit.scope}:{digest}:{window}"


def _seconds_left(limit: Limit, at: float) -> int:
    return max(1, math.ceil(limit.window_seconds - at % limit.window_seconds))


def record(limit: Limit, ident: str) -> int:
    """Count one attempt; the number of attempts in this window so far (0 if unknown)."""
    key = _key(limit, ident, now())
    # add() creates the counter only when it is missing, so concurrent first attempts do not
    # reset each other; incr() is atomic on Redis.
    cache.add(key, 0, timeout=limit.window_seconds + 60)
    try:
        return int(cache.incr(key) or 0)
    except ValueError:  # the key expired between add() and incr()
        cache.set(key, 1, timeout=limit.window_seconds + 60)
        return 1


def wait_seconds(limit: Limit, ident: str) -> int:
    """0 when another attempt is allowed now, else the seconds until it is."""
    at = now()
    used = cache.get(_key(limit, ident, at)) or 0
    return _seconds_left(limit, at) if int(used) >= limit.count else 0


def attempt(limit: Limit, ident: str) -> int:
    """Count an attempt and say whether it was allowed: 0 when it was, else the seconds
    until another one will be."""
    used = record(limit, ident)
    return _seconds_left(limit, now()) if used > limit.count else 0


def minutes(seconds: int) -> str:
    """ "N minutes" for a person, rounded up: "1 minute", "45 minutes"."""
    count = max(1, math.ceil(seconds / 60))
    return f"{count} minute{'s' if count != 1 else ''}"
