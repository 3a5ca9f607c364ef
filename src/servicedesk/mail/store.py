"""Step 1 of intake: keep the raw bytes durably, once, before anything else is done with them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from servicedesk.mail.models import InboundMail

_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
HEADER_SCAN = 1024 * 1024  # headers are looked for in the first megabyte
ATTEMPTS = 3  # looks at what is stored after losing a race to another delivery; the third loss is raised


def message_id_of(raw: bytes) -> str:
    """The Message-ID header of raw mail bytes ('' when there is none), without parsing the body."""
    head = raw[:HEADER_SCAN].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    match = _MESSAGE_ID.search(head)
    if not match:
        return ""
    value = b" ".join(match.group(1).split()).decode("ascii", "replace").strip()
    return value[:400]


@dataclass(frozen=True)
class _Keys:
    sha256: str
    message_id: str

    @property
    def first(self) -> str:
        """The key a mail is stored under: its Message-ID, or the hash of its bytes when it has none."""
        return self.message_id or f"sha256:{self.sha256}"

    @property
    def second(self) -> str:
        """The key of a mail whose Message-ID an earlier mail with other bytes has."""
        return f"{self.message_id}#sha256:{self.sha256}"


def _keys(raw: bytes) -> _Keys:
    return _Keys(hashlib.sha256(raw).hexdigest(), message_id_of(raw))


def mail_store(raw: bytes, *, via: str, now: datetime | None = None) -> tuple[InboundMail, bool]:
    """Store a mail; (the stored mail, True) or, for a redelivery of the same bytes, (the earlier one, False).

    The same Message-ID with other bytes (another sender, an edited resend) is stored too, under a key
    that adds the hash: never silently dropped.
    """
    return mails_store([raw], via=via, now=now)[0]


def mails_store(raws: list[bytes], *, via: str, now: datetime | None = None) -> list[tuple[InboundMail, bool]]:
    """`mail_store` for many mails with one commit (an LMTP listener stores what arrived meanwhile together).

    New mail, what nearly every delivery is, is inserted at once. A key that is stored already makes that insert
    fail on the unique key: a redelivery, the same Message-ID with other bytes, a mail twice in one delivery, or
    the same mail stored by another delivery at this very moment (an MTA retrying). Then the stored keys are
    looked up and only what is new is inserted, in one transaction, run again should it lose such a race too.
    """
    now = now or timezone.now()
    keys = [_keys(raw) for raw in raws]
    mails = [_mail(raw, key, key.first, via, now) for raw, key in zip(raws, keys, strict=True)]
    try:
        with transaction.atomic():
            InboundMail.objects.bulk_create(mails)
        return [(mail, True) for mail in mails]
    except IntegrityError:  # a key stored already: see which
        pass
    for _ in range(ATTEMPTS - 1):
        try:
            with transaction.atomic():
                return _store(raws, keys, via, now)
        except IntegrityError:  # stored meanwhile by another delivery: looked up again, it is a redelivery now
            continue
    with transaction.atomic():
        return _store(raws, keys, via, now)


def _mail(raw: bytes, key: _Keys, dedupe_key: str, via: str, now: datetime) -> InboundMail:
    return InboundMail(
        dedupe_key=dedupe_key,
        sha256=key.sha256,
        raw=raw,
        size=len(raw),
        via=via,
        received_at=now,
        message_id=key.message_id,
    )


def _store(raws: list[bytes], keys: list[_Keys], via: str, now: datetime) -> list[tuple[InboundMail, bool]]:
    firsts = {key.first for key in keys}
    known = {m.dedupe_key: m for m in InboundMail.objects.filter(dedupe_key__in=firsts).defer("raw")}
    seconds = {key.second for key in keys if key.first in known and known[key.first].sha256 != key.sha256}
    if seconds:
        known.update({m.dedupe_key: m for m in InboundMail.objects.filter(dedupe_key__in=seconds).defer("raw")})
    results: list[tuple[InboundMail, bool]] = []
    new: list[InboundMail] = []
    for raw, key in zip(raws, keys, strict=True):
        dedupe_key = key.first
        earlier = known.get(dedupe_key)
        if earlier is not None and earlier.sha256 != key.sha256:  # the same Message-ID, other bytes: kept too
            dedupe_key = key.second
            earlier = known.get(dedupe_key)
        if earlier is not None:  # a redelivery (of an earlier delivery, or of one in this very batch)
            results.append((earlier, False))
            continue
        mail = _mail(raw, key, dedupe_key, via, now)
        known[dedupe_key] = mail
        new.append(mail)
        results.append((mail, True))
    InboundMail.objects.bulk_create(new)
    return results
