"""Bounces: what a delivery status notification (RFC 3464), or a plain-text one, says about our mail."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import Message

from servicedesk.mail.mime import leaves, part_bytes

# Our own Message-IDs (identity.py): found in the text of a bounce that has no report structure.
_OUR_ID = re.compile(r"<sd\.\d+\.\d+\.[0-9a-f]{16}@[^>\s]+>")


@dataclass(frozen=True)
class Bounce:
    original_ids: tuple[str, ...]  # Message-IDs of the bounced mail
    recipient: str
    action: str
    status: str
    diagnostic: str

    @property
    def summary(self) -> str:
        parts = [self.recipient, self.action, self.status, self.diagnostic]
        return " — ".join(p for p in parts if p)[:1000]


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value)


def report_bounce(message: Message, raw: bytes) -> Bounce | None:
    """A multipart/report; report-type=delivery-status: which mail bounced, to whom, and why."""
    if message.get_content_type() != "multipart/report":
        return None
    if (message.get_param("report-type") or "").lower() != "delivery-status":
        return None
    fields: dict[str, str] = {}
    original_ids: list[str] = []
    for part, parent, index in leaves(message):
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            text = part_bytes(part, parent, index, raw).decode("utf-8", "replace")
            for line in re.split(r"\r?\n(?![ \t])", text):
                name, _, value = line.partition(":")
                key = name.strip().lower()
                if key and key not in fields:
                    fields[key] = " ".join(value.split())
        elif kind in ("message/rfc822", "text/rfc822-headers", "message/global", "message/global-headers"):
            head = part_bytes(part, parent, index, raw)
            inner = email.message_from_bytes(head, policy=email.policy.compat32)
            original_ids.extend(_ids(" ".join(str(inner.get("Message-ID", "")).split())))
    recipient = fields.get("final-recipient") or fields.get("original-recipient", "")
    return Bounce(
        original_ids=tuple(dict.fromkeys(original_ids)),
        recipient=recipient.split(";", 1)[-1].strip()[:300],
        action=fields.get("action", "")[:50],
        status=fields.get("status", "")[:50],
        diagnostic=fields.get("diagnostic-code", "").split(";", 1)[-1].strip()[:500],
    )


def text_bounce(text: str) -> Bounce | None:
    """A bounce without report structure (Exim, old qmail): our Message-IDs quoted in its text."""
    ours = list(dict.fromkeys(_OUR_ID.findall(text)))
    if not ours:
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    recipient = next((line for line in lines if "@" in line and not line.startswith(("<sd.", "Message-ID"))), "")
    return Bounce(
        original_ids=tuple(ours),
        recipient=recipient[:300],
        action="failed",
        status="",
        diagnostic=" ".join(lines[:6])[:500],
    )
