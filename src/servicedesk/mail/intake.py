"""One mail from any transport (pipe, LMTP): stored and committed first, then processed."""

from __future__ import annotations

import logging
import os

from django.db import DatabaseError

from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store

logger = logging.getLogger(__name__)
MAX_SIZE = int(os.environ.get("SERVICEDESK_MAIL_MAX_SIZE", str(50 * 1024 * 1024)))  # bytes


def mail_receive(raw: bytes, *, via: str) -> tuple[InboundMail, bool]:
    """(the mail, whether it was new). Raises DatabaseError only if it could not be stored: the
    transport then asks the sender to retry. Once stored, a failure leaves it stored or quarantined."""
    mail, created = mail_store(raw, via=via)
    if created or mail.status == InboundMail.Status.STORED:
        try:
            mail = mail_process(mail)
        except DatabaseError:  # finished later by the worker's sweep (mail/tasks.py) or `mail reprocess`
            logger.warning("mail %s stored; processing waits for the database", mail.pk)
    return mail, created
