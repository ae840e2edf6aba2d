"""The database backend pings a reused connection before a request only when it has not just
proved itself: a dropped connection is still replaced before it fails a request."""

from __future__ import annotations

import pytest
from django.db import ProgrammingError, connection, connections
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

from lasso.postgresql import base

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pings(monkeypatch):
    calls = []
    real = DjangoWrapper.is_usable

    def counting(self):
        calls.append(self.alias)
        return real(self)

    monkeypatch.setattr(DjangoWrapper, "is_usable", counting)
    return calls


def request_cycle(sql: str = "SELECT 1") -> None:
    """What a request (or a task) does with its connection, as Django's signals drive it."""
    connection.close_if_unusable_or_obsolete()  # request_started
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close_if_unusable_or_obsolete()  # request_finished


def test_it_runs_on_the_lasso_backend():
    assert isinstance(connections["default"], base.DatabaseWrapper)
    assert connection.health_check_enabled


def test_it_does_not_ping_a_connection_that_served_the_last_request_cleanly(pings):
    request_cycle()  # the first use after connecting is checked as Django checks it
    pings.clear()
    for _ in range(5):
        request_cycle()
    assert pings == []


def test_it_pings_a_connection_idle_for_longer_than_a_second(pings):
    request_cycle()
    connection.proven_at -= base.PROVEN_FOR + 0.1
    pings.clear()
    request_cycle()
    assert pings == ["default"]


def test_a_request_that_hit_a_database_error_proves_nothing(pings):
    request_cycle()
    proven = connection.proven_at
    connection.close_if_unusable_or_obsolete()
    with pytest.raises(ProgrammingError), connection.cursor() as cursor:
        cursor.execute("SELECT no_such_column FROM no_such_table")
    connection.close_if_unusable_or_obsolete()
    assert connection.proven_at == proven
    connection.proven_at -= base.PROVEN_FOR + 0.1
    pings.clear()
    request_cycle()
    assert pings == ["default"]


def test_a_connection_the_database_dropped_is_replaced_before_the_next_request(pings):
    request_cycle()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    connection.close_if_unusable_or_obsolete()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    connection.proven_at -= base.PROVEN_FOR + 0.1  # the restart took longer than a second
    request_cycle("SELECT 1")  # would raise if the dead connection were used
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_the_second_counts_from_the_last_query_not_from_the_next_task(pings, monkeypatch):
    """A worker looks at its connection only when a task starts (lasso.celery): a connection
    idle since the last task's queries must be checked, however soon the check comes."""
    clock = [1000.0]
    monkeypatch.setattr(base, "monotonic", lambda: clock[0])

    def task() -> None:
        connection.close_if_unusable_or_obsolete()  # task_prerun
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    task()
    task()  # back to back: no ping
    clock[0] += base.PROVEN_FOR + 0.5  # a quiet spell (a database restart, say)
    pings.clear()
    task()
    assert pings == ["default"]
