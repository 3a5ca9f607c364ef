"""Mail in the background: a listener's store (one commit for all mail that arrived meanwhile) and the
processing of stored mail in batches, in a process of its own (`servicedesk mail process --follow`, started by
`servicedesk mail lmtp`), so that accepting and processing each have a core.

The MTA's 250 waits only for the store's commit: from then on the mail cannot be lost. Processing follows within
a fraction of a second; a mail a stopped processor left stored is taken by the next one, and by the worker's
sweep (tasks.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import select
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime

from django.db import DatabaseError, close_old_connections, connection

from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import BATCH, mails_process
from servicedesk.mail.store import mails_store

logger = logging.getLogger(__name__)
GROUP = 200  # mails stored with one commit at most
LINGER = 0.02  # seconds processing waits after a small batch: more mail makes fewer, larger batches
IDLE = (0.05, 0.1, 0.2, 0.5, 1.0)  # seconds between looks for stored mail when there was none, growing
RETRY = (1, 2, 5, 10, 30)  # seconds to wait after the database failed, growing


def stored_process(*, received_before: datetime | None = None, most: int | None = None) -> int:
    """Process stored mail (received before the given moment), oldest first, in batches; how many."""
    done = 0
    after = 0
    while most is None or done < most:
        waiting = InboundMail.objects.filter(status=InboundMail.Status.STORED, pk__gt=after)
        if received_before is not None:
            waiting = waiting.filter(received_at__lt=received_before)
        batch = list(waiting.defer("raw").order_by("id")[:BATCH])
        if not batch:
            break
        mails_process(batch)
        done += len(batch)
        after = batch[-1].pk
        if len(batch) < BATCH:  # all that was waiting: what came meanwhile waits for the next, larger batch
            break
    return done


def follow(stop: threading.Event, *, wake_fd: int | None = None) -> None:
    """Process stored mail as it comes, until `stop` is set: look, process a batch, look again. Between looks
    it waits less while mail comes, and wakes at once when the listener writes to `wake_fd` (see `waker`);
    when the listener closes it, the processor ends too."""
    idle = failures = 0
    while not stop.is_set():
        try:
            count = stored_process(most=BATCH)
            failures = 0
        except DatabaseError:  # the mails stay stored and are taken once the database is back
            logger.exception("processing stored mail failed; waiting for the database")
            close_old_connections()
            stop.wait(RETRY[min(failures, len(RETRY) - 1)])
            failures += 1
            continue
        if count >= BATCH:
            idle = 0
        elif count:
            idle = 0
            stop.wait(LINGER)
        else:
            _wait(stop, wake_fd, IDLE[min(idle, len(IDLE) - 1)])
            idle += 1
    connection.close()


def _wait(stop: threading.Event, wake_fd: int | None, seconds: float) -> None:
    """Until `seconds` pass, `stop` is set, or the listener says it stored mail."""
    if wake_fd is None:
        stop.wait(seconds)
        return
    readable, _, _ = select.select([wake_fd], [], [], seconds)
    if readable and not os.read(wake_fd, 4096):  # closed: the listener is gone
        stop.set()


def waker(fd: int) -> Callable[[], None]:
    """What a listener calls after storing mail: a byte to the processor waiting on the other end of `fd`."""
    os.set_blocking(fd, False)

    def wake() -> None:
        with contextlib.suppress(BlockingIOError, BrokenPipeError):  # woken already; or gone, and all stop
            os.write(fd, b".")

    return wake


class ListenerIntake:
    """What a listener hands its mail to: `store(raw)` gives a future that is done once the mail is committed,
    or failed with what kept it from being stored. Mail arriving meanwhile is stored with one commit."""

    def __init__(self, *, via: str = InboundMail.Via.LMTP, wake: Callable[[], None] | None = None):
        self.via = via
        self.wake = wake
        self._arrived: queue.SimpleQueue = queue.SimpleQueue()  # (raw, future), or None to stop
        self._thread = threading.Thread(target=self._storing, name="servicedesk-mail-store", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Store what has arrived, then end."""
        self._arrived.put(None)
        self._thread.join()

    def store(self, raw: bytes) -> Future:
        future: Future = Future()
        self._arrived.put((raw, future))
        return future

    def _storing(self) -> None:
        try:
            while (items := _take(self._arrived, GROUP)) is not None:
                try:
                    results = mails_store([raw for raw, _future in items], via=self.via)
                except Exception as exc:  # not stored: the MTA is asked to try again later
                    logger.exception("storing %d mails failed", len(items))
                    connection.close_if_unusable_or_obsolete()
                    for _raw, future in items:
                        future.set_exception(exc)
                    continue
                for (mail, _created), (_raw, future) in zip(results, items, strict=True):
                    future.set_result(mail)
                if self.wake is not None and any(created for _mail, created in results):
                    self.wake()
        finally:
            connection.close()


def _take(items: queue.SimpleQueue, most: int) -> list | None:
    """What is waiting (at least one, waiting for it), at most `most`; None when told to stop."""
    first = items.get()
    if first is None:
        return None
    taken = [first]
    while len(taken) < most:
        try:
            item = items.get_nowait()
        except queue.Empty:
            break
        if item is None:
            items.put(None)  # stop after this group
            break
        taken.append(item)
    return taken
