"""Step 1 of intake: keep the raw bytes durably, once, before anything else is done with them."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from servicedesk.mail.models import InboundMail

_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
HEADER_SCAN = 1024 * 1024  # headers are looked for in the first megabyte


def message_id_of(raw: bytes) -> str:
    """The Message-ID header of raw mail bytes ('' when there is none), without parsing the body."""
    head = raw[:HEADER_SCAN].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    match = _MESSAGE_ID.search(head)
    if not match:
        return ""
    value = b" ".join(match.group(1).split()).decode("ascii", "replace").strip()
    return value[:400]


def mail_store(raw: bytes, *, via: str, now: datetime | None = None) -> tuple[InboundMail, bool]:
    """Store a mail; (the stored mail, True) or, for a redelivery of the same bytes, (the earlier one, False).

    The same Message-ID with other bytes (another sender, an edited resend) is stored too, under a key
    that adds the hash: never silently dropped.
    """
    sha = hashlib.sha256(raw).hexdigest()
    message_id = message_id_of(raw)
    key = message_id or f"sha256:{sha}"
    existing = InboundMail.objects.filter(dedupe_key=key).only("id", "sha256").first()
    if existing is not None:
        if existing.sha256 == sha:
            return InboundMail.objects.get(pk=existing.pk), False
        key = f"{message_id}#sha256:{sha}"
        again = InboundMail.objects.filter(dedupe_key=key).first()
        if again is not None:
            return again, False
    try:
        with transaction.atomic():
            mail = InboundMail.objects.create(
                dedupe_key=key,
                sha256=sha,
                raw=raw,
                size=len(raw),
                via=via,
                received_at=now or timezone.now(),
                message_id=message_id,
            )
    except IntegrityError:  # delivered twice at the same moment: the other delivery stored it
        return InboundMail.objects.get(dedupe_key=key), False
    return mail, True
