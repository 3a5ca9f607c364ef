"""Our PostgreSQL backend (core/postgresql): no `SELECT 1` before a request's first query while the connection is
quiet, and a connection the server ended is still replaced before it is used. Against the real PostgreSQL server
of the machine, on both test runs (the connection here is the test's own, not the suite's database)."""

from __future__ import annotations

import datetime
import enum
import os
import select
import time
import zoneinfo

import dj_database_url
import psycopg
import pytest
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg import pq
from psycopg.adapt import PyFormat

from servicedesk.core.postgresql.base import DatabaseWrapper, quiet, register_found_dumpers
from servicedesk.policy import Channel, Priority, SupportType
from servicedesk.tickets.models import Ticket

SERVER = os.environ.get("SERVICEDESK_TEST_PG", "postgres://postgres@127.0.0.1:5432/postgres")


def connect(django_db_blocker, wrapper_class=DatabaseWrapper, time_zone=None):
    """A connection of a backend to the server's `postgres` database (pytest-django blocks connections of tests
    without the suite's database: this one is let through)."""
    config = dj_database_url.parse(SERVER, conn_max_age=600, conn_health_checks=True)
    config.update(ENGINE="servicedesk.core.postgresql", TIME_ZONE=time_zone, AUTOCOMMIT=True, ATOMIC_REQUESTS=False)
    config.setdefault("OPTIONS", {})
    return wrapper_class(config, alias=f"test-{wrapper_class.__module__}-{time_zone}")


@pytest.fixture
def wrapper(django_db_blocker):
    db = connect(django_db_blocker)
    with django_db_blocker.unblock():
        yield db
        db.close()


@pytest.fixture
def stock(django_db_blocker):
    """Django's own backend, to compare with."""
    db = connect(django_db_blocker, DjangoWrapper)
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


# -- timestamps ------------------------------------------------------------------------------------------------

MOMENTS = st.datetimes(
    min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30), timezones=st.just(datetime.UTC)
) | st.datetimes(  # other offsets and daylight saving changes: PostgreSQL sends them in the session's zone
    min_value=datetime.datetime(1900, 1, 2),
    max_value=datetime.datetime(2100, 1, 1),
    timezones=st.sampled_from([zoneinfo.ZoneInfo("Europe/Amsterdam"), zoneinfo.ZoneInfo("America/St_Johns")]),
)


def read_back(db, moments: list[datetime.datetime]) -> list[datetime.datetime]:
    """Timestamps sent as text and read as `timestamptz`, through a plain and a server-side (named) cursor."""
    texts = [moment.isoformat() for moment in moments]
    with db.cursor() as cursor:
        cursor.execute("SELECT t::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n", [texts])
        plain = [row[0] for row in cursor.fetchall()]
    with db.chunked_cursor() as cursor:  # what QuerySet.iterator() uses
        cursor.execute("SELECT t::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n", [texts])
        named = [row[0] for row in cursor.fetchall()]
    assert named == plain and [v.tzinfo for v in named] == [v.tzinfo for v in plain]
    return plain


@settings(max_examples=60, deadline=None)
@given(moments=st.lists(MOMENTS, min_size=1, max_size=20))
def test_timestamps_read_as_djangos_backend_reads_them(django_db_blocker, moments):
    ours, theirs = connect(django_db_blocker), connect(django_db_blocker, DjangoWrapper)
    with django_db_blocker.unblock():
        try:
            got, expected = read_back(ours, moments), read_back(theirs, moments)
        finally:
            ours.close()
            theirs.close()
    assert got == expected == [moment.astimezone(datetime.UTC) for moment in moments]  # gap times: PEP 495
    assert all(value.tzinfo is datetime.UTC for value in got)  # labelled as Django labels them, not ZoneInfo("UTC")


def test_psycopgs_own_loader_reads_them_when_the_connection_is_utc(wrapper, stock):
    """The point of it: psycopg's C loader (psycopg[binary]), not Django's subclass of the pure-Python one."""
    oid = psycopg.adapters.types["timestamptz"].oid
    for db in (wrapper, stock):
        db.ensure_connection()
    ours = wrapper.connection.adapters.get_loader(oid, pq.Format.TEXT)
    assert ours is psycopg.adapters.get_loader(oid, pq.Format.TEXT)
    if psycopg.pq.__impl__ in ("c", "binary"):
        assert ours.__module__.startswith(("psycopg_c", "psycopg_binary"))
    assert stock.connection.adapters.get_loader(oid, pq.Format.TEXT) is not ours


def test_a_database_time_zone_keeps_djangos_loader(django_db_blocker):
    """With a TIME_ZONE of the database's own, values come labelled in it, as Django's backend labels them."""
    db = connect(django_db_blocker, time_zone="Europe/Amsterdam")
    with django_db_blocker.unblock():
        try:
            [value] = read_back(db, [datetime.datetime(2026, 3, 29, 0, 30, tzinfo=datetime.UTC)])
        finally:
            db.close()
    assert value.tzinfo == zoneinfo.ZoneInfo("Europe/Amsterdam") and value.hour == 1


CHOICES = [Ticket.Status.OPEN, Channel.PORTAL, SupportType.MANAGED, Priority.DIRECT]


def test_choices_have_their_own_dumpers_that_psycopg_would_have_found(wrapper, stock):
    """Our backend's map knows the enumerations directly (no MRO walk per value) and gives each, in every format,
    the dumper Django's backend finds through `str` or `int`; values go to the server as the plain str."""
    for db in (wrapper, stock):
        db.ensure_connection()
    ours, theirs = wrapper.connection.adapters, stock.connection.adapters
    for value in CHOICES:
        cls = type(value)
        for fmt in PyFormat:
            assert cls in ours._dumpers[fmt], (cls, fmt)
            assert cls not in theirs._dumpers[fmt]
            assert ours.get_dumper(cls, fmt) is theirs.get_dumper(cls, fmt) is theirs.get_dumper(str, fmt)
    for db in (wrapper, stock):
        with db.cursor() as cursor:
            cursor.execute("SELECT %s, %s::text, pg_typeof(%s)::text", [Ticket.Status.OPEN, Priority.DIRECT, 7])
            assert cursor.fetchone() == ("open", "direct", "integer")


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2**40


class Odd(enum.StrEnum):
    A = "a"


def test_int_enums_keep_their_integer_dumpers_and_other_formats_are_left_alone():
    """`register_dumper` sets a dumper for its own format and AUTO: registered in the right order, every format
    gives what psycopg found before; a class with a dumper of its own stays as it is."""
    context = psycopg.adapt.AdaptersMap(psycopg.adapters)
    before = {fmt: context.get_dumper(Level, fmt) for fmt in PyFormat}
    assert register_found_dumpers(context, Level)
    assert {fmt: context._dumpers[fmt][Level] for fmt in PyFormat} == before
    assert before[PyFormat.TEXT] is not before[PyFormat.BINARY]  # so the order mattered

    class OddDumper(psycopg.adapt.Dumper):
        def dump(self, obj):
            return obj.value.upper().encode()

    context.register_dumper(Odd, OddDumper)
    assert register_found_dumpers(context, Odd)  # its own, as found
    assert context.get_dumper(Odd, PyFormat.TEXT) is OddDumper
