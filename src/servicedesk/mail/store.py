"""Step 1 of intake: keep the raw bytes durably, once, before anything else is done with them."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from servicedesk.core.prepared import PreparedInsert
from servicedesk.core.write_turn import write_turn
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
    return mails_store([raw], via=via, now=now)[0]


def mails_store(raws: list[bytes], *, via: str, now: datetime | None = None) -> list[tuple[InboundMail, bool]]:
    """`mail_store` for many mails with one commit (an LMTP listener stores what arrived meanwhile together).

    New mail, what nearly every delivery is, is written by one statement that skips the keys stored already: no
    lookup first and, outside a caller's transaction, no transaction to open (on PostgreSQL four round trips
    become one before the listener may answer 250). What it skipped is then looked at as before: a redelivery,
    or the same Message-ID with other bytes.
    """
    now = now or timezone.now()
    mails = [
        InboundMail(dedupe_key=key, sha256=sha, raw=raw, size=len(raw), via=via, received_at=now, message_id=mid)
        for raw, (key, sha, mid) in zip(raws, (_keys(raw) for raw in raws), strict=True)
    ]
    with write_turn():
        written = {id(mail) for mail in _INSERT_NEW.create(mails)}
    results: list[tuple[InboundMail, bool] | None] = [(mail, True) if id(mail) in written else None for mail in mails]
    skipped = [i for i, result in enumerate(results) if result is None]
    if skipped:
        for i, result in zip(skipped, _known_store([raws[i] for i in skipped], via, now), strict=True):
            results[i] = result
    return results


_INSERT_NEW = PreparedInsert(InboundMail, skip_conflicts_on="dedupe_key")


def _known_store(raws: list[bytes], via: str, now: datetime) -> list[tuple[InboundMail, bool]]:
    """Mails whose dedupe key is stored already: redeliveries, or the same Message-ID with other bytes."""
    try:
        with write_turn(), transaction.atomic():
            return _store(raws, via, now)
    except IntegrityError:  # stored at the same moment by another delivery: now it is seen as a redelivery
        if len(raws) > 1:
            return [_known_store([raw], via, now)[0] for raw in raws]
        with write_turn(), transaction.atomic():
            return _store(raws, via, now)


def _keys(raw: bytes) -> tuple[str, str, str]:
    """(dedupe key, sha256, Message-ID)"""
    sha = hashlib.sha256(raw).hexdigest()
    message_id = message_id_of(raw)
    return message_id or f"sha256:{sha}", sha, message_id


def _store(raws: list[bytes], via: str, now: datetime) -> list[tuple[InboundMail, bool]]:
    keys = [_keys(raw) for raw in raws]
    firsts = {key for key, _sha, _mid in keys}
    known = {m.dedupe_key: m for m in InboundMail.objects.filter(dedupe_key__in=firsts).defer("raw")}
    seconds = {f"{mid}#sha256:{sha}" for key, sha, mid in keys if key in known and known[key].sha256 != sha}
    if seconds:
        known.update({m.dedupe_key: m for m in InboundMail.objects.filter(dedupe_key__in=seconds).defer("raw")})
    results: list[tuple[InboundMail, bool]] = []
    new: list[InboundMail] = []
    for raw, (key, sha, message_id) in zip(raws, keys, strict=True):
        earlier = known.get(key)
        if earlier is not None and earlier.sha256 != sha:  # the same Message-ID, other bytes: kept too
            key = f"{message_id}#sha256:{sha}"
            earlier = known.get(key)
        if earlier is not None:  # a redelivery (of an earlier delivery, or of one in this very batch)
            results.append((earlier, False))
            continue
        mail = InboundMail(
            dedupe_key=key, sha256=sha, raw=raw, size=len(raw), via=via, received_at=now, message_id=message_id
        )
        known[key] = mail
        new.append(mail)
        results.append((mail, True))
    InboundMail.objects.bulk_create(new)
    return results
