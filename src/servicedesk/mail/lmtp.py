"""The LMTP listener the MTA delivers to: 250 only after the mail is committed, 4xx to retry, 5xx if too big."""

from __future__ import annotations

import asyncio
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.db import DatabaseError, close_old_connections

from servicedesk.mail.intake import MAX_SIZE, mail_receive
from servicedesk.mail.models import InboundMail

logger = logging.getLogger(__name__)


def receive(raw: bytes) -> InboundMail:
    try:
        return mail_receive(raw, via=InboundMail.Via.LMTP)[0]
    finally:
        close_old_connections()  # this runs in a worker thread of the listener


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
    def __init__(self, *args, reuse_port: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reuse_port = reuse_port

    def factory(self):
        return LMTP(self.handler, data_size_limit=MAX_SIZE, enable_SMTPUTF8=True, decode_data=False)

    def _create_server(self):
        # SO_REUSEPORT: several listener processes share the port; the kernel spreads the connections.
        return self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context, reuse_port=self.reuse_port
        )


def lmtp_controller(host: str, port: int, *, reuse_port: bool = False) -> LMTPController:
    return LMTPController(IntakeHandler(), hostname=host, port=port, reuse_port=reuse_port)
