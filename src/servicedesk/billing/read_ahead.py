"""Reading and pricing a billing run's chunks elsewhere while the caller writes (or sums up) the ones before:
reading and pricing, and writing, each get a core instead of taking turns.

Elsewhere is a process of its own, started fresh ("spawn": a process with threads, such as the worker, cannot
be forked safely), or, where the database server does most of the caller's work (a PostgreSQL confirmation),
a thread: a third busy process would leave the server less of the two cores than it needs.

The reader has its own connection. Inside a transaction it imports that transaction's snapshot (PostgreSQL),
so it sees what the transaction saw when it began, except what the transaction itself wrote: a confirmation
reads nothing of that (its new lines are for other tickets than the ones still to come). On SQLite the
caller's transaction holds the write lock, so nothing commits meanwhile.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import queue
import re
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import connection, connections

logger = logging.getLogger(__name__)
T = TypeVar("T")
SNAPSHOT_ID = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")
Job = Callable[[Callable[[int], None]], Iterator[T]]  # job(progress) -> items; picklable for a process


class ReadAheadFailed(RuntimeError):
    """The reader failed: its error ('OutsideCalendar: ...'); the traceback is logged."""


def read_ahead(job: Job, *, progress: Callable[[int], None] | None = None, thread: bool = False) -> _Reading:
    """The items of `job(progress)`, made by another process (or a thread), which starts at once and works one
    or two items ahead at most. Its error is raised here; use it in a `with` (or close it) to end it early."""
    snapshot = _export_snapshot()
    return _thread(job, snapshot, progress) if thread else _process(job, snapshot, progress)


def _process(job: Job, snapshot: str | None, progress) -> _Reading:
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    database = dict(connection.settings_dict)  # in tests: the test database
    # The job goes pickled: unpickling it imports our models, which only works once the child set Django up.
    args = (sending, database, snapshot, pickle.dumps(job))
    child = context.Process(target=_child, args=args, name="billing-read-ahead", daemon=True)
    child.start()
    sending.close()  # ours is the receiving end only: the pipe ends when the child's does

    def receive():
        try:
            return receiving.recv()
        except EOFError:
            child.join()
            return "error", (f"the reading process ended without a word (exit code {child.exitcode})", "")

    def stop() -> None:
        receiving.close()
        if child.is_alive():
            child.terminate()
        child.join()

    return _Reading(receive, lambda: receiving.poll(0), progress, stop)


def _child(pipe, database: dict, snapshot: str | None, work: bytes) -> None:
    """The reading process: set up, connect as the caller, send what the job makes."""
    try:
        import django

        django.setup()
        connection.settings_dict.update(database)
        if connection.vendor == "sqlite":  # a reading transaction: the caller may hold the write lock
            options = connection.settings_dict["OPTIONS"]
            connection.settings_dict["OPTIONS"] = {**options, "transaction_mode": "DEFERRED"}
        _run(pickle.loads(work), snapshot, pipe.send)
    except BrokenPipeError:  # the caller stopped early
        pass
    except BaseException as exc:
        pipe.send(_error(exc))
    finally:
        pipe.close()


def _thread(job: Job, snapshot: str | None, progress) -> _Reading:
    items: queue.Queue = queue.Queue(maxsize=2)
    stopped = threading.Event()

    def send(message) -> None:
        while not stopped.is_set():
            try:
                items.put(message, timeout=0.2)
                return
            except queue.Full:
                continue
        raise BrokenPipeError  # the caller stopped early

    def work() -> None:
        try:
            _run(job, snapshot, send)
        except BrokenPipeError:
            pass
        except BaseException as exc:
            send(_error(exc))
        finally:
            connections.close_all()  # this thread's own connection

    reader = threading.Thread(target=work, name="billing-read-ahead", daemon=True)
    reader.start()

    def stop() -> None:
        stopped.set()
        reader.join()

    return _Reading(items.get, lambda: not items.empty(), progress, stop)


def _run(job: Job, snapshot: str | None, send: Callable) -> None:
    """The job, in one transaction (PostgreSQL: in the caller's snapshot, one view of the data throughout)."""
    from django.db import transaction

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                if snapshot:
                    # SET takes no bound parameter (values are bound by the server, settings.py): the id is
                    # written in, after checking it is one (pg_export_snapshot gives hex digits and dashes).
                    if not SNAPSHOT_ID.fullmatch(snapshot):
                        raise ValueError(f"not a snapshot id: {snapshot!r}")
                    cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        for item in job(lambda done: send(("progress", done))):
            send(("item", item))
    send(("end", None))


class _Reading:
    """What the reader sends, as it comes (an iterator); closing it (or using it in a `with`) ends the reader,
    whether or not anything was read. It ends by itself with the last item or an error."""

    def __init__(self, receive: Callable, ready: Callable[[], bool], progress, stop: Callable[[], None]):
        self._receive, self._ready, self._progress, self._stop = receive, ready, progress, stop
        self._stopped = False
        self._held: list = []  # what `report_progress` read that was not progress

    def __iter__(self) -> _Reading:
        return self

    def report_progress(self) -> None:
        """Pass on the progress the reader has sent so far, without waiting (the caller's own work goes on)."""
        while not self._held and self._ready():
            message = self._receive()
            if message[0] == "progress":
                if self._progress is not None:
                    self._progress(message[1])
            else:
                self._held.append(message)

    def __next__(self):
        try:
            while True:
                kind, value = self._held.pop() if self._held else self._receive()
                if kind == "item":
                    return value
                if kind == "progress":
                    if self._progress is not None:
                        self._progress(value)
                elif kind == "error":
                    error, trace = value
                    logger.error("the reader of a billing run failed: %s\n%s", error, trace)
                    raise ReadAheadFailed(error)
                else:
                    raise StopIteration
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._stop()

    def __enter__(self) -> _Reading:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _error(exc: BaseException) -> tuple[str, tuple[str, str]]:
    return "error", (f"{type(exc).__name__}: {exc}", traceback.format_exc())


def _export_snapshot() -> str | None:
    """The caller's transaction's snapshot (PostgreSQL); None outside a transaction, where every query sees
    what is committed at its start."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        return cursor.fetchone()[0]
