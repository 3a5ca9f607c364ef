"""Taking turns at SQLite's write lock between our own busy writers, woken the moment the other is done.

SQLite lets one transaction write at a time; one that finds the lock taken sleeps and tries again, in growing
sleeps (1, 2, 5, 10, ... up to 100 ms, the busy handler), and is never woken when the lock comes free. Two
processes that write all the time, such as the LMTP listener storing mail and the processor opening tickets
from it, then spend much of their time asleep with the lock free. Taking a turn first, an exclusive `flock` on a
file next to the database, they wait in the kernel instead, which wakes the next as soon as the turn is given
back. Writers that take no turn still meet at SQLite's lock as before; on PostgreSQL a turn is nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterator

from django.db import connections

logger = logging.getLogger(__name__)
SUFFIX = "-write-turn"
_warned: set[str] = set()  # turn files said to be out of reach (said once per process)


def turn_file(alias: str = "default") -> str | None:
    """The file whose lock is the turn, for a SQLite database kept in a file; else None."""
    connection = connections[alias]
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return name + SUFFIX


@contextlib.contextmanager
def write_turn(alias: str = "default") -> Iterator[None]:
    """Wait for the turn to write (see the module), and hold it inside. Put it around the transaction (outside
    `transaction.atomic()`): SQLite's write lock is taken when the transaction begins."""
    path = turn_file(alias)
    if path is None or connections[alias].in_atomic_block:  # inside a transaction the turn comes too late
        yield
        return
    with turn(path):
        yield


@contextlib.contextmanager
def turn(path: str) -> Iterator[None]:
    """The turn of the lock file `path`: waited for, held inside. The file is opened for each turn, so that
    threads of one process take turns too (a lock belongs to an open file, not to a thread). A file this
    process may not open (another user's) costs the turn, never the work: SQLite's own lock still keeps
    writers apart."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o666)  # a lock needs no write access
    except OSError as exc:
        _warn_once(path, exc)
        fd = None
    if fd is None:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # gives the turn back


def _warn_once(path: str, exc: OSError) -> None:
    if path not in _warned:
        _warned.add(path)
        logger.warning("writing without taking turns: %s cannot be opened (%s)", path, exc)
