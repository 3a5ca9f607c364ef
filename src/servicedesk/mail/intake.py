"""Mail from a transport (pipe, IMAP): stored and committed first, then processed."""

from __future__ import annotations

import logging
import os

from django.db import DatabaseError

from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mails_process
from servicedesk.mail.store import mails_store

logger = logging.getLogger(__name__)
MAX_SIZE = int(os.environ.get("SERVICEDESK_MAIL_MAX_SIZE", str(50 * 1024 * 1024)))  # bytes


def mail_receive(raw: bytes, *, via: str) -> tuple[InboundMail, bool]:
    """(the mail, whether it was new). Raises DatabaseError only if it could not be stored: the
    transport then asks the sender to retry. Once stored, a failure leaves it stored or quarantined."""
    return mails_receive([raw], via=via)[0]


def mails_receive(raws: list[bytes], *, via: str) -> list[tuple[InboundMail, bool]]:
    """`mail_receive` for many mails: stored with one commit, then processed in batches."""
    stored = mails_store(raws, via=via)
    waiting = {mail.pk: mail for mail, created in stored if created or mail.status == InboundMail.Status.STORED}
    done: dict[int, InboundMail] = {}
    if waiting:
        try:
            done = {mail.pk: mail for mail in mails_process(list(waiting.values()))}
        except DatabaseError:  # finished later by the worker's sweep (mail/tasks.py) or `mail reprocess`
            logger.warning("%d mails stored; processing waits for the database", len(waiting))
    return [(done.get(mail.pk, mail), created) for mail, created in stored]
