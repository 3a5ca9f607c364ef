"""The LMTP listener the MTA delivers to: 250 only after the mail is committed, 4xx to retry, 5xx if too big."""

from __future__ import annotations

import asyncio
import logging
import os

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.db import DatabaseError, close_old_connections

from servicedesk.mail.models import InboundMail
from servicedesk.mail.pipeline import mail_process
from servicedesk.mail.store import mail_store

logger = logging.getLogger(__name__)
MAX_SIZE = int(os.environ.get("SERVICEDESK_MAIL_MAX_SIZE", str(50 * 1024 * 1024)))  # bytes


def receive(raw: bytes) -> InboundMail:
    """Store (committed on return), then process; a processing failure leaves it stored or quarantined."""
    try:
        mail, created = mail_store(raw, via=InboundMail.Via.LMTP)
        if created or mail.status == InboundMail.Status.STORED:
            try:
                mail = mail_process(mail)
            except DatabaseError:
                logger.warning("mail %s stored; processing waits for the database", mail.pk)
        return mail
    finally:
        close_old_connections()


class IntakeHandler:
    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        try:
            await asyncio.to_thread(receive, raw)
        except DatabaseError as exc:
            logger.warning("LMTP: database unavailable, asking the MTA to retry: %s", exc)
            reply = "451 4.3.0 Database unavailable, try again later"
        else:
            reply = "250 2.0.0 Stored"
        # LMTP answers once per recipient; the mail is stored once for all of them.
        return "\r\n".join([reply] * max(1, len(envelope.rcpt_tos)))


class LMTPController(Controller):
    def factory(self):
        return LMTP(self.handler, data_size_limit=MAX_SIZE, enable_SMTPUTF8=True, decode_data=False)


def lmtp_controller(host: str, port: int) -> LMTPController:
    return LMTPController(IntakeHandler(), hostname=host, port=port)
