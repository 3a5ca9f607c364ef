"""The LMTP listener the MTA delivers to: 250 only after the mail is committed, 4xx to retry, 5xx if too big.

Mail arriving over several connections at once is stored with one commit (processor.ListenerIntake) and
processed right after, in batches, while the listener goes on accepting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from django.db import DatabaseError

from servicedesk.mail.intake import MAX_SIZE
from servicedesk.mail.processor import ListenerIntake

logger = logging.getLogger(__name__)


class IntakeHandler:
    def __init__(self, intake: ListenerIntake):
        self.intake = intake

    async def handle_EHLO(self, server, session, envelope, hostname: str, responses: list[str]) -> list[str]:
        """LHLO's answer names PIPELINING, which RFC 2033 (section 5) requires of an LMTP server: an MTA such as
        Postfix then sends MAIL, RCPT and DATA together and waits for answers twice per mail instead of four times.
        aiosmtpd reads and answers the commands one by one, as before. (ENHANCEDSTATUSCODES, which RFC 2033 asks
        for too, is not named: aiosmtpd's own answers to MAIL, RCPT and errors carry no enhanced code.)"""
        session.host_name = hostname  # what aiosmtpd leaves to a handler that answers LHLO itself
        *extensions, last = responses
        return [*extensions, "250-PIPELINING", last]

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or envelope.content
        try:
            await asyncio.wrap_future(self.intake.store(raw))
        except DatabaseError as exc:
            logger.warning("LMTP: database unavailable, asking the MTA to retry: %s", exc)
            reply = "451 4.3.0 Database unavailable, try again later"
        except Exception:  # not stored, whatever the reason: never a 250, the MTA keeps the mail
            reply = "451 4.3.0 Mail could not be stored, try again later"
        else:
            reply = "250 2.0.0 Stored"
        # LMTP answers once per recipient; the mail is stored once for all of them.
        return "\r\n".join([reply] * max(1, len(envelope.rcpt_tos)))


class LMTPController(Controller):
    def __init__(self, *args, intake: ListenerIntake, reuse_port: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.intake = intake
        self.reuse_port = reuse_port

    def start(self) -> None:
        self.intake.start()
        super().start()

    def stop(self, *args, **kwargs) -> None:
        super().stop(*args, **kwargs)
        self.intake.stop()  # what was accepted is stored and processed before the listener ends

    def factory(self):
        return LMTP(self.handler, data_size_limit=MAX_SIZE, enable_SMTPUTF8=True, decode_data=False)

    def _create_server(self):
        # SO_REUSEPORT: several listener processes share the port; the kernel spreads the connections.
        return self.loop.create_server(
            self._factory_invoker, host=self.hostname, port=self.port, ssl=self.ssl_context, reuse_port=self.reuse_port
        )


def lmtp_controller(
    host: str, port: int, *, reuse_port: bool = False, wake: Callable[[], None] | None = None
) -> LMTPController:
    """The listener; `wake` is called when it stored mail (processor.waker)."""
    intake = ListenerIntake(wake=wake)
    return LMTPController(IntakeHandler(intake), intake=intake, hostname=host, port=port, reuse_port=reuse_port)
