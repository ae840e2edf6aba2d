"""A per-IP limit on callback form submissions, counted in the shared cache (Redis)."""

from __future__ import annotations

from django.core.cache import cache

SUBMISSIONS_PER_WINDOW = 5
WINDOW_SECONDS = 10 * 60


def allow_submission(*, ip_address: str | None) -> bool:
    """Count one submission from this address; False once it exceeds the limit.

    A fixed window opened by the first submission. When the cache is unreachable the form
    stays open (incr answers None): losing real requests is worse than a burst of spam, and
    the confirmation texts have caps of their own (messaging.services).
    """
    # No trustworthy address (a proxy chain shorter than configured): one shared bucket,
    # so hiding the address never lifts the limit.
    key = f"callback-form:submissions:{ip_address or 'unknown'}"
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        # The window expired between add() and incr(): this submission opens a new one.
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count is None or count <= SUBMISSIONS_PER_WINDOW
