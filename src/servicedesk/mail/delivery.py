"""Delivering the outbox by mail: claim due messages, send each, record each outcome at once.

A message's Message-ID follows from its ticket and its own id, so a message sent again after a crash (the
server accepted it, the worker died before recording that) carries the same id and the recipient's mail
program sees one message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from servicedesk.mail.identity import our_message_id
from servicedesk.mail.models import InboundMail
from servicedesk.outbox.leases import (
    outgoing_claim_due,
    outgoing_lease_renew,
    outgoing_mark_failed,
    outgoing_mark_sent,
    outgoing_release,
)
from servicedesk.outbox.models import OutgoingMessage

logger = logging.getLogger(__name__)
BATCH = 10  # claimed at a time: what a dying worker leaves waiting for its lease to run out


@dataclass
class Delivered:
    sent: int = 0
    failed: int = 0


def build_mail(outgoing: OutgoingMessage) -> EmailMessage:
    """The mail for a queued message, with its Message-ID and the ids of the conversation it answers."""
    headers = {"Message-ID": our_message_id(outgoing.ticket_id or 0, outgoing.pk)}
    if outgoing.automatic:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: no one should answer this automatically
    if outgoing.ticket_id:
        ids = list(
            InboundMail.objects.filter(ticket_id=outgoing.ticket_id)
            .exclude(message_id="")
            .order_by("received_at")
            .values_list("message_id", flat=True)[:20]
        )
        if ids:
            headers["In-Reply-To"] = ids[-1]
            headers["References"] = " ".join(ids)
    to = f"{outgoing.to_name} <{outgoing.to_address}>" if outgoing.to_name else outgoing.to_address
    mail = EmailMessage(
        subject=outgoing.subject,
        body=outgoing.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        cc=outgoing.cc.splitlines(),
        headers=headers,
    )
    for attachment in outgoing.attachments.all():
        mail.attach(attachment.filename, bytes(attachment.data), attachment.content_type)
    return mail


def deliver_due(
    *,
    clock: Callable[[], datetime] = timezone.now,
    lease: timedelta | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> Delivered:
    """Send every message that is due, a batch at a time, until none is left or `stopping()` says so."""
    lease = lease or timedelta(seconds=settings.SERVICEDESK_DELIVERY_LEASE)
    delivered = Delivered()
    while not stopping():
        batch = outgoing_claim_due(now=clock(), limit=BATCH, lease=lease)
        if not batch:
            break
        _send_batch(batch, delivered, clock=clock, lease=lease, stopping=stopping)
    return delivered


def _send_batch(batch, delivered: Delivered, *, clock, lease: timedelta, stopping) -> None:
    """Send a claimed batch over one connection; a lease half run out is renewed for the rest."""
    connection = get_connection()
    try:
        for index, outgoing in enumerate(batch):
            if stopping():
                outgoing_release(m.pk for m in batch[index:])
                return
            now = clock()
            if outgoing.leased_until - now < lease / 2:
                outgoing_lease_renew((m.pk for m in batch[index:]), now=now, lease=lease)
                for message in batch[index:]:
                    message.leased_until = now + lease
            try:
                connection.open()  # again after a failure closed it
                connection.send_messages([build_mail(outgoing)])
            except Exception as exc:  # a mail server's refusal or absence: record it, retry later
                _close_quietly(connection)
                outgoing_mark_failed(outgoing, error=f"{type(exc).__name__}: {exc}", now=clock())
                delivered.failed += 1
                logger.warning("outgoing %s not sent (attempt %d): %s", outgoing.pk, outgoing.attempts, exc)
            else:
                outgoing_mark_sent(outgoing, now=clock())
                delivered.sent += 1
    finally:
        _close_quietly(connection)


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # a connection already broken has nothing left to close
        logger.debug("closing the mail connection failed", exc_info=True)
