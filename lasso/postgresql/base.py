"""Django's PostgreSQL backend, with one change: a connection that just proved itself is not
pinged again.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first query of every request and
every task, so that a connection the database dropped (a restart, a failover) is replaced
instead of failing that request. Under load that is one extra round trip per webhook and per
text, on connections that served a request a few milliseconds earlier. Here a connection
whose last request or task used it without a database error less than PROVEN_FOR seconds
ago skips the ping; any other (idle for longer, or its last use raised a database error) is
pinged exactly as Django does. A database that goes away within that second fails the
requests in flight either way; the voice webhooks answer from the routing cache then
(calls.voice_path), and the connection is replaced at the end of the request.
"""

from __future__ import annotations

from time import monotonic

from django.db.backends.postgresql import base

PROVEN_FOR = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.last_query_at: float | None = None
        self.proven_at = float("-inf")

    def create_cursor(self, name=None):  # type: ignore[no-untyped-def]
        # Django makes a cursor for every query: this is when the connection was last used.
        self.last_query_at = monotonic()
        return super().create_cursor(name)

    def close_if_unusable_or_obsolete(self) -> None:
        # Called when a request or task starts (and when a request ends). What counts is when
        # the last one queried, without a database error, not when the next one began.
        last_query_at, self.last_query_at = self.last_query_at, None
        clean = not self.errors_occurred
        super().close_if_unusable_or_obsolete()
        if last_query_at is not None and clean and self.connection is not None:
            self.proven_at = last_query_at

    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and monotonic() - self.proven_at < PROVEN_FOR
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close(self) -> None:
        self.proven_at = float("-inf")
        super().close()
