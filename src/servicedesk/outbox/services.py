"""Queueing messages to contacts: a queued row is the delivery's order, taken up once committed (by the
worker's delivery of the outbox, `mail/delivery.py`)."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formataddr

from django.db.models import Count
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.utils import timezone, translation

from servicedesk.outbox.models import OutgoingMessage

SUPPORTED_LANGUAGES = ("nl", "en")
MAX_AUTOMATIC_PER_RECIPIENT = 10  # automatic mails to one address per hour
MAX_AUTOMATIC_PER_TICKET = 5  # automatic mails about one ticket per hour
SUBJECT_MAX = OutgoingMessage._meta.get_field("subject").max_length

logger = logging.getLogger(__name__)


def render_notice(kind: str, language: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a notice in the contact's language; the template's first line is the subject."""
    language = language if language in SUPPORTED_LANGUAGES else "nl"
    with translation.override(language):
        text = render_to_string(f"outbox/{language}/{kind}.txt", context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


@dataclass(frozen=True)
class Notice:
    """A message to a contact, about to be queued (see `notices_queue`)."""

    kind: str
    contact: object  # customers.Contact
    context: dict
    ticket: object | None = None  # tickets.Ticket, saved by the time the notice is queued
    message: object | None = None  # tickets.Message
    automatic: bool = True
    capped: bool = True
    cc: tuple[tuple[str, str], ...] = ()  # (name, address) of contacts copied


def _rendered(notice: Notice) -> tuple[str, str]:
    """(subject, body) of a notice: its template in the contact's language, the ticket's tag in the subject."""
    context = {"contact": notice.contact, "ticket": notice.ticket, **notice.context}
    subject, body = render_notice(notice.kind, notice.contact.language, context)
    if notice.ticket is not None:
        subject = f"[#{notice.ticket.pk}] {subject}"
    return subject, body


def notice_queue(
    *,
    kind: str,
    contact,
    context: dict,
    ticket=None,
    message=None,
    automatic: bool = True,
    capped: bool = True,
    cc: tuple[tuple[str, str], ...] = (),
    now: datetime | None = None,
) -> OutgoingMessage | None:
    """Queue a notice to a contact, rendered in their language. None when the contact has no address.
    Automatic mail is capped per hour (loop protection) unless `capped` is False: for what a signed-in
    contact or an agent did by hand, which no mail loop can repeat.

    Call inside the transaction of the change it tells about: it is delivered only if that commits.
    """
    notice = Notice(kind, contact, context, ticket, message, automatic, capped, cc)
    return notices_queue([notice], now=now)[0]


def notices_queue(notices: list[Notice], *, now: datetime | None = None) -> list[OutgoingMessage | None]:
    """Queue notices as `notice_queue` does each, in order (the hourly caps count the earlier ones of the list
    too), with one INSERT for all."""
    now = now or timezone.now()
    caps = _AutomaticCaps(notices, now)
    rows: list[OutgoingMessage | None] = []
    for notice in notices:
        contact, ticket = notice.contact, notice.ticket
        if not contact.email:
            rows.append(None)
            continue
        if notice.automatic and notice.capped and not caps.allow(contact.email, ticket):
            logger.warning("automatic %s to %s not queued: hourly cap reached (mail loop?)", notice.kind, contact.email)
            rows.append(None)
            continue
        subject, body = _rendered(notice)
        rows.append(
            OutgoingMessage(
                ticket=ticket,
                message=notice.message,
                kind=notice.kind,
                to_address=contact.email,
                to_name=contact.name,
                cc="\n".join(formataddr(copied) for copied in notice.cc if copied[1].lower() != contact.email.lower()),
                language=contact.language,
                subject=subject[:SUBJECT_MAX],
                body=body,
                automatic=notice.automatic,
                created_at=now,
            )
        )
    queued = [row for row in rows if row is not None]
    if queued:
        # Seen by the delivery only once the change it tells about has committed.
        OutgoingMessage.objects.bulk_create(queued)
    return rows


class _AutomaticCaps:
    """Automatic mail is capped per recipient and per ticket per hour: a loop cannot run away. Counted once for
    a list of notices (two grouped queries), then along the list."""

    def __init__(self, notices: list[Notice], now: datetime):
        capped = [n for n in notices if n.automatic and n.capped and n.contact.email]
        self.to_recipient: Counter[str] = Counter()
        self.about_ticket: Counter[int] = Counter()
        if not capped:
            return
        recent = OutgoingMessage.objects.filter(automatic=True, created_at__gte=now - timedelta(hours=1)).order_by()
        addresses = {n.contact.email.lower() for n in capped}
        self.to_recipient.update(
            dict(
                recent.annotate(to_lower=Lower("to_address"))
                .filter(to_lower__in=addresses)
                .values_list("to_lower")
                .annotate(n=Count("id"))
            )
        )
        tickets = {n.ticket.pk for n in capped if n.ticket is not None and n.ticket.pk is not None}
        if tickets:
            self.about_ticket.update(
                dict(recent.filter(ticket__in=tickets).values_list("ticket").annotate(n=Count("id")))
            )

    def allow(self, address: str, ticket) -> bool:
        address = address.lower()
        if self.to_recipient[address] >= MAX_AUTOMATIC_PER_RECIPIENT:
            return False
        if ticket is not None and self.about_ticket[ticket.pk] >= MAX_AUTOMATIC_PER_TICKET:
            return False
        self.to_recipient[address] += 1
        if ticket is not None:
            self.about_ticket[ticket.pk] += 1
        return True
