"""The LMTP listener the MTA delivers to: 250 only after the mail is committed, 4xx to retry, 5xx if too big.

Mail arriving over several connections at once is stored with one commit (processor.ListenerIntake) and
processed right after, in batches, while the listener goes on accepting.
"""

from __future__ import annotations

import asyncio
import logging
import re
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
        """LHLO's answer names PIPELINING and ENHANCEDSTATUSCODES, which RFC 2033 (section 5) requires of an LMTP
        server. With PIPELINING an MTA such as Postfix sends MAIL, RCPT and DATA together and waits for answers
        twice per mail instead of four times; aiosmtpd reads and answers the commands one by one, as before. The
        enhanced codes are added to aiosmtpd's own answers by `EnhancedLMTP`."""
        session.host_name = hostname  # what aiosmtpd leaves to a handler that answers LHLO itself
        *extensions, last = responses
        return [*extensions, "250-PIPELINING", "250-ENHANCEDSTATUSCODES", last]

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


# RFC 3463 codes for aiosmtpd's answers that carry none; by reply code, else by class (RFC 2034: every 2xx, 4xx
# and 5xx answer but the greeting and the answer to LHLO).
ENHANCED_BY_REPLY = {
    "250": "2.0.0",  # MAIL, RCPT, RSET, NOOP
    "221": "2.0.0",  # QUIT
    "500": "5.5.2",  # syntax error, line too long
    "501": "5.5.4",  # syntax error in arguments
    "502": "5.5.1",  # not implemented
    "503": "5.5.1",  # bad sequence of commands
    "504": "5.5.4",
    "530": "5.7.0",
    "552": "5.3.4",  # too big
    "553": "5.1.3",
    "454": "4.7.0",
}
_HAS_ENHANCED = re.compile(r"[245]\.\d{1,3}\.\d{1,3}(?:\s|$)")


def with_enhanced_code(status: str) -> str:
    """An answer line with an RFC 3463 enhanced status code after its reply code, unless it has one, is not a
    final 2xx/4xx/5xx answer, or is the greeting (220)."""
    code, separator, text = status[:3], status[3:4], status[4:]
    if len(status) < 3 or not code.isdigit() or code[0] not in "245" or code == "220" or _HAS_ENHANCED.match(text):
        return status
    enhanced = ENHANCED_BY_REPLY.get(code, f"{code[0]}.0.0")
    return f"{code}{separator or ' '}{enhanced} {text}".rstrip()


class EnhancedLMTP(LMTP):
    """aiosmtpd's LMTP with RFC 2034 enhanced status codes on its answers (ours carry them already)."""

    _answering_lhlo = False

    async def smtp_LHLO(self, arg: str) -> None:
        self._answering_lhlo = True  # its answer lists extensions and carries no enhanced code
        try:
            await super().smtp_LHLO(arg)
        finally:
            self._answering_lhlo = False

    async def push(self, status) -> None:
        if isinstance(status, str) and not self._answering_lhlo:
            status = with_enhanced_code(status)
        await super().push(status)


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
        return EnhancedLMTP(self.handler, data_size_limit=MAX_SIZE, enable_SMTPUTF8=True, decode_data=False)

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
