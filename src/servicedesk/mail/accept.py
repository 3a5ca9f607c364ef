"""An agent accepts a held, refused or automatic mail as a ticket for a contact they choose (who may report)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.customers.models import Contact
from servicedesk.mail.apply import keep_html_and_attachments
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import parse_mail
from servicedesk.policy import Channel
from servicedesk.tickets import services
from servicedesk.tickets.models import Ticket

# Automatic mail too: an agent may find a genuine report among what looked automatic (a list, an auto-forward).
ACCEPTABLE = (InboundMail.Status.HELD, InboundMail.Status.REFUSED, InboundMail.Status.AUTOMATIC)


def mail_accept(*, mail: InboundMail, contact: Contact, actor, now: datetime | None = None) -> Ticket:
    """The mail becomes a ticket of `contact`, with its text, HTML and attachments; a refused report it
    caused is marked accepted. Raises ValidationError when the contact may not report or the mail is done."""
    now = now or timezone.now()
    if not contact.may_report or not contact.active:
        raise ValidationError(
            {"contact": _("%(name)s may not report; grant the right first.") % {"name": contact.name}}
        )
    with transaction.atomic():
        mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
        if mail.status not in ACCEPTABLE:
            raise ValidationError(
                _("This mail was already handled: %(status)s.") % {"status": mail.get_status_display()}
            )
        parsed = parse_mail(bytes(mail.raw))
        if mail.refused_report_id is not None:
            ticket = services.report_accept(refused=mail.refused_report, contact=contact, actor=actor, now=now)
        else:
            ticket = services.ticket_create(
                reporter=contact,
                subject=parsed.subject or _("(no subject)"),
                body=parsed.text,
                channel=Channel.EMAIL,
                cc=parsed.cc,
                actor=actor,
                now=now,
            )
        keep_html_and_attachments(ticket.messages.order_by("id").first(), parsed, now)
        previous = mail.get_status_display()
        mail.status, mail.ticket = InboundMail.Status.PROCESSED, ticket
        mail.reason = f"{previous}; accepted by {actor.get_username()} for {contact.email or contact.name}"[:2000]
        mail.processed_at = now
        mail.save(update_fields=["status", "ticket", "reason", "processed_at"])
    return ticket
