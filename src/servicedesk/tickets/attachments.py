"""Keeping attachments: the bytes go to a file with a generated name; the original name is only shown."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from servicedesk.tickets.models import Attachment, Message

MAX_NAME = 255
INVISIBLE = {"Cf", "Co", "Cs", "Zl", "Zp"}  # Unicode categories never shown in a name
ORPHAN_AGE = timedelta(hours=6)


def attachment_path(stored_name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "attachments" / stored_name[:2] / stored_name


def attachment_open(attachment: Attachment) -> BinaryIO:
    """The attachment's bytes, opened for reading; 404 when its file is gone."""
    try:
        return attachment_path(attachment.stored_name).open("rb")
    except FileNotFoundError:
        raise Http404 from None


def display_name(name: str) -> str:
    """The name as sent, on one line, of bounded length (never a path: storage uses its own name), and with
    nothing invisible: control characters become spaces; format characters (a right-to-left override makes
    `factuur<RLO>fdp.exe` show as `factuurexe.pdf`, zero-width characters hide what is there), private-use and
    surrogate code points and line or paragraph separators are dropped."""
    visible = "".join(
        " " if unicodedata.category(char) == "Cc" else char
        for char in (name or "")
        if unicodedata.category(char) not in INVISIBLE
    )
    cleaned = " ".join(visible.split())
    return (cleaned or "(naamloos)")[:MAX_NAME]


def attachment_save(
    *, message: Message, original_name: str, content_type: str, data: bytes, now: datetime | None = None
) -> Attachment:
    """Write the bytes, then record them (call inside the transaction that saves the message)."""
    return attachments_save([(message, original_name, content_type, data)], now=now)[0]


def attachments_save(
    files: list[tuple[Message, str, str, bytes] | tuple[Message, str, str, bytes, str]], *, now: datetime | None = None
) -> list[Attachment]:
    """`attachment_save` for many (message, original name, content type, bytes[, Content-ID]) at once: the files
    written, then one INSERT for their rows."""
    now = now or timezone.now()
    rows = []
    for message, original_name, content_type, data, *content_id in files:
        stored_name = uuid.uuid4().hex
        path = attachment_path(stored_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        rows.append(
            Attachment(
                message=message,
                original_name=display_name(original_name),
                stored_name=stored_name,
                content_type=(content_type or "application/octet-stream")[:200],
                size=len(data),
                content_id=(content_id[0] if content_id else "")[:255],
                created_at=now,
            )
        )
    return Attachment.objects.bulk_create(rows) if rows else []


def attachment_orphans_sweep(*, older_than: timedelta = ORPHAN_AGE, now: datetime | None = None) -> list[str]:
    """Delete attachment files no row refers to: written by a transaction that then rolled back (a mail
    quarantined halfway, say). Only files older than `older_than`, so none of a transaction still running."""
    root = Path(settings.MEDIA_ROOT) / "attachments"
    if not root.exists():
        return []
    cutoff = (now or timezone.now()).timestamp() - older_than.total_seconds()
    candidates = [p for p in root.glob("??/*") if p.is_file() and p.stat().st_mtime < cutoff]
    removed = []
    for start in range(0, len(candidates), 500):
        batch = {p.name: p for p in candidates[start : start + 500]}
        known = set(Attachment.objects.filter(stored_name__in=batch).values_list("stored_name", flat=True))
        for name, path in batch.items():
            if name not in known:
                path.unlink(missing_ok=True)
                removed.append(name)
    return removed
