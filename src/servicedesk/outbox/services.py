"""Queueing messages to contacts; delivery happens after commit (the e-mail channel delivers)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation

from servicedesk.outbox.models import OutgoingMessage

SUPPORTED_LANGUAGES = ("nl", "en")
MAX_AUTOMATIC_PER_RECIPIENT = 10  # automatic mails to one address per hour
MAX_AUTOMATIC_PER_TICKET = 5  # automatic mails about one ticket per hour

logger = logging.getLogger(__name__)


def render_notice(kind: str, language: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a notice in the contact's language; the template's first line is the subject."""
    language = language if language in SUPPORTED_LANGUAGES else "nl"
    with translation.override(language):
        text = render_to_string(f"outbox/{language}/{kind}.txt", context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def notice_queue(
    *,
    kind: str,
    contact,
    context: dict,
    ticket=None,
    message=None,
    automatic: bool = True,
    capped: bool = True,
    now: datetime | None = None,
) -> OutgoingMessage | None:
    """Queue a notice to a contact, rendered in their language. None when the contact has no address.
    Automatic mail is capped per hour (loop protection) unless `capped` is False: for what a signed-in
    contact or an agent did by hand, which no mail loop can repeat.

    Call inside the transaction of the change it tells about: it is delivered only if that commits.
    """
    if not contact.email:
        return None
    now = now or timezone.now()
    if automatic and capped and _automatic_cap_reached(contact.email, ticket, now):
        logger.warning("automatic %s to %s not queued: hourly cap reached (mail loop?)", kind, contact.email)
        return None
    subject, body = render_notice(kind, contact.language, {"contact": contact, "ticket": ticket, **context})
    if ticket is not None:
        subject = f"[#{ticket.pk}] {subject}"
    subject = subject[: OutgoingMessage._meta.get_field("subject").max_length]
    outgoing = OutgoingMessage.objects.create(
        ticket=ticket,
        message=message,
        kind=kind,
        to_address=contact.email,
        to_name=contact.name,
        language=contact.language,
        subject=subject,
        body=body,
        automatic=automatic,
        created_at=now,
    )
    # Delivered only once the change it tells about has committed.
    transaction.on_commit(lambda: enqueue_delivery(outgoing.pk))
    return outgoing


def _automatic_cap_reached(address: str, ticket, now: datetime) -> bool:
    """Automatic mail is capped per recipient and per ticket per hour: a loop cannot run away."""
    recent = OutgoingMessage.objects.filter(automatic=True, created_at__gte=now - timedelta(hours=1))
    to_recipient = recent.alias(to_lower=Lower("to_address")).filter(to_lower=address.lower())
    if to_recipient[:MAX_AUTOMATIC_PER_RECIPIENT].count() >= MAX_AUTOMATIC_PER_RECIPIENT:
        return True
    return ticket is not None and recent.filter(ticket=ticket)[:MAX_AUTOMATIC_PER_TICKET].count() >= (
        MAX_AUTOMATIC_PER_TICKET
    )


def enqueue_delivery(outgoing_id: int) -> None:
    from servicedesk.outbox.tasks import deliver_outgoing

    deliver_outgoing.enqueue(outgoing_id)
