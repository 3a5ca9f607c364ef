"""Our own Message-IDs: they name the ticket and carry an HMAC, so replies thread without trusting headers."""

from __future__ import annotations

import hashlib
import hmac
import re

from django.conf import settings

_OURS = re.compile(r"^<sd\.(\d+)\.(\d+)\.([0-9a-f]{16})@[^>]+>$")


def _signature(ticket_id: int, message_id: int) -> str:
    key = f"servicedesk-message-id:{settings.SECRET_KEY}".encode()
    return hmac.new(key, f"{ticket_id}.{message_id}".encode(), hashlib.sha256).hexdigest()[:16]


def our_message_id(ticket_id: int, outgoing_id: int) -> str:
    return f"<sd.{ticket_id}.{outgoing_id}.{_signature(ticket_id, outgoing_id)}@{settings.SERVICEDESK_MAIL_DOMAIN}>"


def outgoing_of_message_id(value: str) -> tuple[int, int] | None:
    """(ticket id, outgoing message id) a Message-ID of ours names, or None (not ours, or forged)."""
    match = _OURS.match(value.strip())
    if not match:
        return None
    ticket_id, outgoing_id, signature = int(match.group(1)), int(match.group(2)), match.group(3)
    if not hmac.compare_digest(signature, _signature(ticket_id, outgoing_id)):
        return None
    return ticket_id, outgoing_id


def ticket_of_message_id(value: str) -> int | None:
    """The ticket a Message-ID of ours names, or None (not ours, or a forged signature)."""
    ours = outgoing_of_message_id(value)
    return None if ours is None else ours[0]
