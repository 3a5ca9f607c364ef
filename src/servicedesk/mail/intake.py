"""Mail from a transport (pipe mode's spool, IMAP, `mail receive --now`): stored and committed first, then
processed."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError

from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mails_process
from servicedesk.mail.spool import MAX_SIZE, spool_claim, spool_dir, spool_release
from servicedesk.mail.store import mails_store

__all__ = ["MAX_SIZE", "mail_receive", "mails_receive", "spool_take", "spool_take_all"]

logger = logging.getLogger(__name__)
SPOOL_BATCH = 200  # mails of the spool stored with one commit


def mail_receive(raw: bytes, *, via: str) -> tuple[InboundMail, bool]:
    """(the mail, whether it was new). Raises DatabaseError only if it could not be stored: the
    transport then asks the sender to retry. Once stored, a failure leaves it stored or quarantined."""
    return mails_receive([raw], via=via)[0]


def mails_receive(raws: list[bytes], *, via: str) -> list[tuple[InboundMail, bool]]:
    """`mail_receive` for many mails: stored with one commit, then processed in batches."""
    return _process_new(mails_store(raws, via=via))


def spool_take(directory: Path | None = None, *, most: int = SPOOL_BATCH) -> int:
    """Take in up to `most` mails that pipe mode spooled (mail/spool.py): claimed, stored with one commit, their
    files removed after it, then processed; how many. When the database is away the claimed files go back to the
    spool (DatabaseError is raised) and are taken at a later look: nothing is lost."""
    paths = spool_claim(directory or spool_dir(settings.VAR_DIR), most=most)
    if not paths:
        return 0
    try:
        stored = mails_store([path.read_bytes() for path in paths], via=InboundMail.Via.PIPE)
    except DatabaseError:
        spool_release(paths)
        raise
    for path in paths:  # stored for good: a file left by a stop right here is stored again as a redelivery
        path.unlink(missing_ok=True)
    _process_new(stored)
    return len(paths)


def spool_take_all(*, stopping=lambda: False) -> int:
    """Take in what waits in the spool, batch after batch, until a batch comes back short (what came meanwhile is
    for the next look) or `stopping()`; how many."""
    taken = 0
    while True:
        batch = spool_take()
        taken += batch
        if batch < SPOOL_BATCH or stopping():
            return taken


def _process_new(stored: list[tuple[InboundMail, bool]]) -> list[tuple[InboundMail, bool]]:
    """Process what was stored and waits (new, or stored earlier and not processed yet)."""
    waiting = {mail.pk: mail for mail, created in stored if created or mail.status == InboundMail.Status.STORED}
    done: dict[int, InboundMail] = {}
    if waiting:
        try:
            done = {mail.pk: mail for mail in mails_process(list(waiting.values()))}
        except DatabaseError:  # finished later by the worker's sweep (mail/tasks.py) or `mail reprocess`
            logger.warning("%d mails stored; processing waits for the database", len(waiting))
    return [(done.get(mail.pk, mail), created) for mail, created in stored]
