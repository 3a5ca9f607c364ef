"""Step 1 for IMAP: fetch mail from a mailbox into the intake, and only then move it out of the way.

A mail leaves the folder (moved to the processed folder, or flagged) only after `mails_receive` has
committed it. A crash in between leaves it in the folder: the next round fetches it again, the store
recognises the redelivery, and only then is it moved. UIDs are used throughout, never sequence numbers.
"""

from __future__ import annotations

import contextlib
import logging
import random
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from servicedesk.mail.intake import MAX_SIZE, mails_receive
from servicedesk.mail.models import InboundMail, Mailbox

logger = logging.getLogger(__name__)
DONE_FLAG = b"$ServicedeskDone"  # keyword on committed mail when there is no processed folder
BATCH = 50  # mails fetched per round trip
IDLE_SECONDS = 300  # a new round (and the mailbox's settings read again) at least this often
RESYNC_SECONDS = 10  # IDLE left for a NOOP this often (see MailboxReader._idle)
BACKOFF = (1, 2, 5, 10, 30, 60, 120, 300)  # seconds between reconnect attempts


@dataclass
class RoundResult:
    received: int = 0  # mails stored new
    redelivered: int = 0  # mails the store already had (a crash before the move)
    too_large: int = 0  # left in the folder, reported on the mailbox


def connect(mailbox: Mailbox, *, timeout: float = 60) -> IMAPClient:
    """A logged-in client with the mailbox's folder selected (read-write)."""
    context = ssl.create_default_context()
    client = IMAPClient(
        mailbox.host,
        port=mailbox.port,
        ssl=mailbox.security == Mailbox.Security.TLS,
        ssl_context=context,
        timeout=timeout,
    )
    try:
        if mailbox.security == Mailbox.Security.STARTTLS:
            client.starttls(context)
        client.login(mailbox.username, mailbox.password)
        if mailbox.processed_folder and not client.folder_exists(mailbox.processed_folder):
            client.create_folder(mailbox.processed_folder)
        client.select_folder(mailbox.folder)
    except BaseException:
        _close(client)
        raise
    return client


def _close(client: IMAPClient) -> None:
    with contextlib.suppress(IMAPClientError, OSError):
        client.logout()


def _waiting_uids(client: IMAPClient, mailbox: Mailbox) -> list[int]:
    criteria = ["NOT", "DELETED"] if mailbox.processed_folder else ["NOT", "DELETED", "UNKEYWORD", DONE_FLAG]
    return sorted(client.search(criteria))


def _set_aside(client: IMAPClient, mailbox: Mailbox, uids: list[int]) -> None:
    if not uids:
        return
    if mailbox.processed_folder:
        if client.has_capability("MOVE"):
            client.move(uids, mailbox.processed_folder)
        else:
            client.copy(uids, mailbox.processed_folder)
            client.delete_messages(uids)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge(uids)
            else:
                client.expunge()
    else:
        client.add_flags(uids, [DONE_FLAG, b"\\Seen"])


def fetch_round(
    client: IMAPClient,
    mailbox: Mailbox,
    *,
    receive: Callable[..., list[tuple[InboundMail, bool]]] = mails_receive,
) -> RoundResult:
    """Fetch every waiting mail of the selected folder, BATCH at a time: store them (one commit), process
    them, then set them aside.

    Raises DatabaseError when the database cannot store a batch: what was committed before is set aside,
    the rest stays in the folder for the next round.
    """
    result = RoundResult()
    uids = _waiting_uids(client, mailbox)
    for start in range(0, len(uids), BATCH):
        batch = uids[start : start + BATCH]
        sizes = client.fetch(batch, ["RFC822.SIZE"])
        wanted = [uid for uid in batch if sizes.get(uid, {}).get(b"RFC822.SIZE", 0) <= MAX_SIZE]
        too_large = [uid for uid in batch if uid not in wanted and uid in sizes]
        if too_large:
            result.too_large += len(too_large)
            _record_error(mailbox, f"{len(too_large)} mail(s) over {MAX_SIZE} bytes left in {mailbox.folder}")
        fetched = client.fetch(wanted, ["BODY.PEEK[]"]) if wanted else {}
        bodies = {uid: fetched.get(uid, {}).get(b"BODY[]") for uid in wanted}
        here = [uid for uid in wanted if bodies[uid] is not None]  # not expunged meanwhile
        if not here:
            continue
        received = receive([bytes(bodies[uid]) for uid in here], via=InboundMail.Via.IMAP)
        new = [mail.pk for mail, created in received if created]
        result.received += len(new)
        result.redelivered += len(received) - len(new)
        if new:
            InboundMail.objects.filter(pk__in=new).update(mailbox=mailbox)
        _set_aside(client, mailbox, here)
    return result


def _record_error(mailbox: Mailbox, message: str) -> None:
    logger.warning("mailbox %s: %s", mailbox.name, message)
    with contextlib.suppress(DatabaseError):
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=message[:2000], last_error_at=timezone.now())


def _record_success(mailbox: Mailbox) -> None:
    Mailbox.objects.filter(pk=mailbox.pk).update(last_checked_at=timezone.now(), last_error="")


def _connection_of(mailbox: Mailbox) -> tuple:
    return (
        mailbox.host,
        mailbox.port,
        mailbox.security,
        mailbox.username,
        mailbox.password,
        mailbox.folder,
        mailbox.processed_folder,
        mailbox.use_idle,
    )


def read_mailboxes_once() -> dict[str, RoundResult]:
    """One round over every active mailbox (for `servicedesk worker --once`); errors are recorded, not raised."""
    results = {}
    for mailbox in Mailbox.objects.filter(active=True):
        try:
            client = connect(mailbox)
        except (IMAPClientError, OSError, ssl.SSLError) as exc:
            _record_error(mailbox, f"{type(exc).__name__}: {exc}")
            continue
        try:
            results[mailbox.name] = fetch_round(client, mailbox)
            _record_success(mailbox)
        except (IMAPClientError, OSError, DatabaseError) as exc:
            _record_error(mailbox, f"{type(exc).__name__}: {exc}")
        finally:
            _close(client)
    return results


def _arrived_since(client: IMAPClient) -> bool:
    """Whether mail arrived in the selected folder since the last command (a NOOP asks)."""
    _text, responses = client.noop()
    return _tells_of_mail(responses)


def _tells_of_mail(responses) -> bool:
    return any(isinstance(item, tuple) and len(item) > 1 and item[1] == b"EXISTS" for item in responses)


class MailboxReader(threading.Thread):
    """Reads one mailbox until stopped: a round, then IDLE (or a poll wait), reconnecting with backoff."""

    def __init__(self, mailbox_id: int, *, stop: threading.Event | None = None):
        super().__init__(name=f"servicedesk-imap-{mailbox_id}", daemon=True)
        self.mailbox_id = mailbox_id
        self.stopped = stop or threading.Event()
        self.failures = 0

    def run(self) -> None:
        try:
            self._read_until_stopped()
        finally:
            connections.close_all()  # this thread's own database connection

    def _read_until_stopped(self) -> None:
        while not self.stopped.is_set():
            client = None
            try:
                mailbox = Mailbox.objects.get(pk=self.mailbox_id)
                if not mailbox.active:
                    return
                client = connect(mailbox)
                self.failures = 0
                self._serve(client, mailbox)
            except Mailbox.DoesNotExist:
                return
            except (IMAPClientError, OSError, DatabaseError, ssl.SSLError) as exc:
                self._back_off(exc)
            except Exception as exc:  # keep reading the mailbox whatever one round did; operators see the log
                logger.exception("mailbox %s: unexpected error", self.mailbox_id)
                self._back_off(exc)
            finally:
                if client is not None:
                    _close(client)
                close_old_connections()

    def _serve(self, client: IMAPClient, mailbox: Mailbox) -> None:
        idle = mailbox.use_idle and client.has_capability("IDLE")
        while not self.stopped.is_set():
            result = fetch_round(client, mailbox)
            _record_success(mailbox)
            if result.received or result.redelivered:
                logger.info("mailbox %s: %s new, %s again", mailbox.name, result.received, result.redelivered)
            close_old_connections()
            fresh = Mailbox.objects.filter(pk=mailbox.pk).first()
            if fresh is None or not fresh.active or _connection_of(fresh) != _connection_of(mailbox):
                return  # switched off, removed or reconfigured in the admin: reconnect with what it says now
            mailbox = fresh
            if idle:
                self._idle(client)
            else:
                self.stopped.wait(max(1, mailbox.poll_seconds))

    def _idle(self, client: IMAPClient) -> None:
        """Wait in IDLE until the server tells of a change, for at most IDLE_SECONDS. Dovecot tells an IDLE
        session only of changes made while it idles (or at its own check, every 30 s): mail landing between
        the last command and IDLE would wait. So every RESYNC_SECONDS IDLE is left for a NOOP, which asks."""
        waited = 0
        while not self.stopped.is_set() and waited < IDLE_SECONDS:
            if _arrived_since(client):
                return
            client.idle()
            told = False
            try:
                for _second in range(RESYNC_SECONDS):  # short checks keep the stop signal responsive
                    if self.stopped.is_set() or client.idle_check(timeout=1):
                        return
                    waited += 1
            finally:
                _text, responses = client.idle_done()  # what the server says as IDLE ends counts too
                told = _tells_of_mail(responses)
            if told:
                return

    def _back_off(self, exc: BaseException) -> None:
        delay = BACKOFF[min(self.failures, len(BACKOFF) - 1)] * random.uniform(0.8, 1.2)
        self.failures += 1
        try:
            _record_error(Mailbox(pk=self.mailbox_id, name=str(self.mailbox_id)), f"{type(exc).__name__}: {exc}")
        finally:
            close_old_connections()
        self.stopped.wait(delay)


class MailboxSupervisor(threading.Thread):
    """Starts a reader for every active mailbox, and for mailboxes added or switched on later."""

    def __init__(self, *, rescan_seconds: float = 30):
        super().__init__(name="servicedesk-imap", daemon=True)
        self.rescan_seconds = rescan_seconds
        self.stopped = threading.Event()
        self.readers: dict[int, MailboxReader] = {}

    def run(self) -> None:
        try:
            self._supervise()
        finally:
            connections.close_all()

    def _supervise(self) -> None:
        while not self.stopped.is_set():
            try:
                for mailbox_id in Mailbox.objects.filter(active=True).values_list("pk", flat=True):
                    reader = self.readers.get(mailbox_id)
                    if reader is None or not reader.is_alive():
                        reader = MailboxReader(mailbox_id, stop=self.stopped)
                        self.readers[mailbox_id] = reader
                        reader.start()
            except DatabaseError:
                logger.warning("IMAP: cannot read the mailbox list; trying again")
            finally:
                close_old_connections()
            self.stopped.wait(self.rescan_seconds)

    def stop(self) -> None:
        self.stopped.set()
