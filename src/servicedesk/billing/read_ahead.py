"""Reading (and pricing) the next chunks of a billing run on a thread of its own while the caller works on the
last ones: on PostgreSQL the server's reads and writes and this process's pricing overlap instead of taking
turns (each was about half of a confirmation).

The thread has its own database connection. Inside a transaction it imports that transaction's snapshot, so
it sees what the transaction saw when it began, except what the transaction itself wrote: a confirmation
reads nothing of that (its new lines are for other tickets than the ones still to come).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import TypeVar

from django.db import connection, connections, transaction

T = TypeVar("T")
DEPTH = 2  # chunks read ahead at most (memory: a chunk is some 20,000 tickets' lines)


def read_ahead(produce: Callable[[], Iterator[T]], *, depth: int = DEPTH) -> Iterator[T]:
    """The items of `produce()`, made on another thread, at most `depth` ahead. An exception there is raised
    here; stopping early (or an exception here) stops the thread."""
    snapshot = _export_snapshot()
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(kind: str, value) -> bool:
        while not stop.is_set():
            try:
                items.put((kind, value), timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            with transaction.atomic() if snapshot else nullcontext():
                if snapshot:
                    with connection.cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                        cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
                for item in produce():
                    if not hand_over("item", item):
                        return
            hand_over("end", None)
        except BaseException as exc:  # raised in the caller's thread
            hand_over("error", exc)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=run, name="servicedesk-billing-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = items.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


def _export_snapshot() -> str | None:
    """The caller's transaction's snapshot (PostgreSQL); None outside a transaction, where every query sees
    what is committed at its start."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        return cursor.fetchone()[0]
