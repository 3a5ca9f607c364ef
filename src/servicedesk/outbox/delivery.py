"""Delivering queued messages by mail: threading headers, automatic-mail marking, retries with backoff."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from servicedesk.mail.identity import our_message_id
from servicedesk.outbox.models import OutgoingMessage

logger = logging.getLogger(__name__)
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))


def build_mail(outgoing: OutgoingMessage) -> EmailMessage:
    """The mail for a queued message, with its Message-ID and the ids of the conversation it answers."""
    headers = {"Message-ID": our_message_id(outgoing.ticket_id or 0, outgoing.pk)}
    if outgoing.automatic:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: no one should answer this automatically
    if outgoing.ticket_id:
        from servicedesk.mail.models import InboundMail

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


def outbox_deliver(outgoing_id: int, *, now: datetime | None = None) -> OutgoingMessage | None:
    """Send one queued message; on failure record why and return when it should be tried again."""
    now = now or timezone.now()
    with transaction.atomic():
        outgoing = OutgoingMessage.objects.select_for_update().filter(pk=outgoing_id).first()
        if outgoing is None or outgoing.status != OutgoingMessage.Status.QUEUED:
            return outgoing  # sent before, or given up on
        try:
            with get_connection() as connection:
                connection.send_messages([build_mail(outgoing)])
        except Exception as exc:  # a mail server's refusal or absence: record it, retry later
            outgoing.attempts += 1
            outgoing.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if outgoing.attempts > len(RETRY_AFTER):
                outgoing.status = OutgoingMessage.Status.FAILED
            logger.warning("outgoing %s not sent (attempt %d): %s", outgoing.pk, outgoing.attempts, exc)
        else:
            outgoing.attempts += 1
            outgoing.status = OutgoingMessage.Status.SENT
            outgoing.sent_at = now
            outgoing.last_error = ""
        outgoing.save(update_fields=["attempts", "last_error", "status", "sent_at"])
    return outgoing


def retry_delay(outgoing: OutgoingMessage) -> timedelta | None:
    """How long to wait before the next attempt, or None when no attempt is due."""
    if outgoing.status != OutgoingMessage.Status.QUEUED or outgoing.attempts == 0:
        return None
    return RETRY_AFTER[min(outgoing.attempts, len(RETRY_AFTER)) - 1]
