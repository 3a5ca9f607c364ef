"""Our SQLite backend (core/sqlite): BEGIN IMMEDIATE waits for the write lock in short steps, gives SQLite's own
error when the lock stays taken past the connection's busy timeout, and leaves that timeout as it was. Against
files of its own, with connections of our backend, on both test runs."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import OperationalError

from servicedesk.core.sqlite.base import DatabaseWrapper


@pytest.fixture
def database(tmp_path, django_db_blocker):
    path = tmp_path / "lock.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (n INTEGER)")
    setup.close()
    made = []

    def connect(busy_ms: int = 10_000) -> DatabaseWrapper:
        db = DatabaseWrapper(
            {
                "NAME": str(path),
                "OPTIONS": {"init_command": f"PRAGMA busy_timeout={busy_ms};", "transaction_mode": "IMMEDIATE"},
                "TIME_ZONE": None,
                "CONN_MAX_AGE": 0,
                "CONN_HEALTH_CHECKS": False,
                "AUTOCOMMIT": True,
                "ATOMIC_REQUESTS": False,
            },
            alias=f"lock-test-{len(made)}",
        )
        made.append(db)
        return db

    with django_db_blocker.unblock():
        yield path, connect
        for db in made:
            db.close()


def hold_lock(path, seconds: float) -> threading.Event:
    """Another process's writer: holds the write lock for `seconds` (in a thread); the event is set once held."""
    held = threading.Event()

    def run():
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t VALUES (0)")
        held.set()
        time.sleep(seconds)
        other.execute("COMMIT")
        other.close()

    threading.Thread(target=run, daemon=True).start()
    held.wait(5)
    return held


def begin_and_write(db, value: int) -> None:
    """What `transaction.atomic` does with the connection on SQLite: begin (the method under test), write, commit."""
    db.ensure_connection()
    db._start_transaction_under_autocommit()
    try:
        with db.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (%s)", [value])
    except BaseException:
        db.connection.rollback()
        raise
    db.connection.commit()


def busy_timeout(db) -> int:
    with db.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        return cursor.fetchone()[0]


def test_a_transaction_waits_for_the_lock_and_goes_on_once_it_is_free(database):
    path, connect = database
    db = connect()
    begin_and_write(db, 1)  # the connection exists, its timeout read
    hold_lock(path, 0.15)
    started = time.monotonic()
    begin_and_write(db, 2)
    waited = time.monotonic() - started
    assert 0.1 < waited < 5
    assert [n for (n,) in sqlite3.connect(path).execute("SELECT n FROM t ORDER BY rowid")] == [1, 0, 2]
    assert busy_timeout(db) == 10_000


def test_a_lock_held_past_the_busy_timeout_gives_sqlites_error_and_the_timeout_stays(database):
    path, connect = database
    db = connect(busy_ms=300)
    begin_and_write(db, 1)
    hold_lock(path, 1.5)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):
        begin_and_write(db, 2)
    assert 0.5 < time.monotonic() - started < 1.5  # our steps for 0.3 s, then SQLite's own 0.3 s
    assert busy_timeout(db) == 300
    assert not db.connection.in_transaction


def test_waits_are_short_steps_not_sqlites_milliseconds(database, monkeypatch):
    """Every try after the first sleeps 0.1 ms, then twice as long each time, 2 ms at most."""
    path, connect = database
    db = connect()
    begin_and_write(db, 1)
    sleeps: list[float] = []
    monkeypatch.setattr("servicedesk.core.sqlite.base.sleep", lambda s: (sleeps.append(s), time.sleep(s)))
    hold_lock(path, 0.05)
    begin_and_write(db, 2)
    assert sleeps[:5] == [0.0001, 0.0002, 0.0004, 0.0008, 0.0016] and max(sleeps) == 0.002
