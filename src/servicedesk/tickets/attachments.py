"""Keeping attachments: the bytes go to a file with a generated name; the original name is only shown."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from servicedesk.tickets.models import Attachment, Message

MAX_NAME = 255


def attachment_path(stored_name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "attachments" / stored_name[:2] / stored_name


def display_name(name: str) -> str:
    """The name as sent, on one line and of bounded length (never a path: storage uses its own name)."""
    cleaned = " ".join((name or "").replace("\x00", "").split())
    return (cleaned or "(naamloos)")[:MAX_NAME]


def attachment_save(
    *, message: Message, original_name: str, content_type: str, data: bytes, now: datetime | None = None
) -> Attachment:
    """Write the bytes, then record them (call inside the transaction that saves the message)."""
    stored_name = uuid.uuid4().hex
    path = attachment_path(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return Attachment.objects.create(
        message=message,
        original_name=display_name(original_name),
        stored_name=stored_name,
        content_type=(content_type or "application/octet-stream")[:200],
        size=len(data),
        created_at=now or timezone.now(),
    )
