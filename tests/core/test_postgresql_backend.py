"""Our PostgreSQL backend (core/postgresql): no `SELECT 1` before a request's first query while the connection is
quiet, and a connection the server ended is still replaced before it is used. Against the real PostgreSQL server
of the machine, on both test runs (the connection here is the test's own, not the suite's database)."""

from __future__ import annotations

import os
import select
import time

import dj_database_url
import psycopg
import pytest

from servicedesk.core.postgresql.base import DatabaseWrapper, quiet

SERVER = os.environ.get("SERVICEDESK_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def wrapper(django_db_blocker):
    """A connection of our backend to the server's `postgres` database (pytest-django blocks connections of tests
    without the suite's database: this one is let through)."""
    settings = dj_database_url.parse(SERVER, conn_max_age=600, conn_health_checks=True)
    settings.update(ENGINE="servicedesk.core.postgresql", TIME_ZONE=None, AUTOCOMMIT=True, ATOMIC_REQUESTS=False)
    settings.setdefault("OPTIONS", {})
    db = DatabaseWrapper(settings, alias="health-check-test")
    with django_db_blocker.unblock():
        yield db
        db.close()


def counted_checks(db, monkeypatch) -> list[bool]:
    checks: list[bool] = []
    real = db.is_usable

    def is_usable():
        checks.append(real())
        return checks[-1]

    monkeypatch.setattr(db, "is_usable", is_usable)
    return checks


def backend_pid(db) -> int:
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def next_request(db) -> None:
    """What Django does between requests (request_finished / request_started)."""
    db.close_if_unusable_or_obsolete()


def test_a_quiet_connection_is_used_without_a_round_trip_first(wrapper, monkeypatch):
    pid = backend_pid(wrapper)
    checks = counted_checks(wrapper, monkeypatch)
    for _ in range(3):
        next_request(wrapper)
        assert backend_pid(wrapper) == pid
    assert checks == []  # no SELECT 1: the socket said enough


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(wrapper, monkeypatch):
    pid = backend_pid(wrapper)
    with psycopg.connect(SERVER, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    socket = wrapper.connection.pgconn.socket
    readable, _, _ = select.select([socket], [], [], 5)  # the server's goodbye arrives
    assert readable and not quiet(wrapper.connection)
    checks = counted_checks(wrapper, monkeypatch)
    next_request(wrapper)
    new_pid = backend_pid(wrapper)  # no error for the request: a new connection
    assert checks == [False] and new_pid != pid


def test_an_open_transaction_or_a_broken_connection_is_not_quiet(wrapper):
    backend_pid(wrapper)
    raw = wrapper.connection
    assert quiet(raw)
    raw.autocommit = False
    raw.execute("SELECT 1")  # a transaction begins
    assert not quiet(raw)
    raw.rollback()
    raw.autocommit = True
    assert quiet(raw)
    raw.close()
    assert not quiet(raw)


def test_an_idle_session_timeout_is_noticed_too(wrapper, monkeypatch):
    """The server ends a connection idle too long (idle_session_timeout): the next request gets a new one."""
    with wrapper.cursor() as cursor:
        cursor.execute("SET idle_session_timeout = 200")  # milliseconds, this session only
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    deadline = time.monotonic() + 5
    while quiet(wrapper.connection) and time.monotonic() < deadline:
        time.sleep(0.05)
    checks = counted_checks(wrapper, monkeypatch)
    next_request(wrapper)
    assert backend_pid(wrapper) != pid and checks == [False]
