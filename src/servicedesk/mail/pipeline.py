"""Steps 2-4 of intake for a stored mail: parse, route, apply; any failure quarantines it with its reason."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from servicedesk.mail.authenticity import dmarc_problem
from servicedesk.mail.html import sanitise_html
from servicedesk.mail.models import InboundMail
from servicedesk.mail.parse import parse_mail
from servicedesk.mail.route import Decision, route_mail
from servicedesk.policy import Channel
from servicedesk.tickets import services
from servicedesk.tickets.attachments import attachment_save
from servicedesk.tickets.models import RefusedReport

logger = logging.getLogger(__name__)
NOTICE_INTERVAL = timedelta(days=1)  # at most one refusal notice per address per day


def keep_html_and_attachments(message, parsed, now: datetime) -> None:
    message.forwarded = parsed.is_forward
    fields = ["forwarded"]
    if parsed.html:
        message.body_html = sanitise_html(parsed.html, images=True)
        fields.append("body_html")
    message.save(update_fields=fields)
    for attachment in parsed.attachments:
        attachment_save(
            message=message,
            original_name=attachment.name,
            content_type=attachment.content_type,
            data=attachment.data,
            now=now,
        )


def mail_process(mail: InboundMail, *, now: datetime | None = None) -> InboundMail:
    """Turn a stored mail into its result; run again on a quarantined mail to retry."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            raw = mail.__dict__.get("raw")  # the bytes the store just wrote need not be read back
            mail = InboundMail.objects.select_for_update().defer("raw").get(pk=mail.pk)
            if mail.status not in (InboundMail.Status.STORED, InboundMail.Status.QUARANTINED):
                return mail  # done before (a redelivery or a second worker)
            if raw is None:
                raw = InboundMail.objects.values_list("raw", flat=True).get(pk=mail.pk)
            raw = bytes(raw)
            parsed = parse_mail(raw)
            mail.sender, mail.subject = parsed.from_address[:300], parsed.subject[:300]
            forged = dmarc_problem(raw, parsed.from_address)
            decision = Decision("hold", reason=forged) if forged else route_mail(parsed)
            if decision.kind == "new":
                ticket = services.ticket_create(
                    reporter=decision.contact,
                    subject=parsed.subject or "(geen onderwerp)",
                    body=parsed.text,
                    channel=Channel.EMAIL,
                    now=now,
                )
                mail.status, mail.ticket = InboundMail.Status.PROCESSED, ticket
                keep_html_and_attachments(ticket.messages.order_by("id").first(), parsed, now)
            elif decision.kind == "reply":
                message = services.ticket_add_message(
                    ticket=decision.ticket, contact=decision.contact, body=parsed.text, now=now
                )
                mail.status, mail.ticket = InboundMail.Status.PROCESSED, decision.ticket
                keep_html_and_attachments(message, parsed, now)
            elif decision.kind == "bounce":  # never answered: it is automatic mail by nature
                services.ticket_mail_bounced(
                    ticket=decision.ticket, outgoing_id=decision.outgoing_id, summary=decision.reason, now=now
                )
                mail.status, mail.ticket = InboundMail.Status.BOUNCE, decision.ticket
                mail.reason = decision.reason
            elif decision.kind == "hold":  # no ticket, and no notice to a sender who may not be who they say
                mail.status, mail.reason = InboundMail.Status.HELD, decision.reason
            elif decision.kind == "automatic":
                mail.status, mail.reason = InboundMail.Status.AUTOMATIC, decision.reason
            else:
                recently = RefusedReport.objects.filter(
                    sender=parsed.from_address[:300], received_at__gte=now - NOTICE_INTERVAL
                ).exists()
                mail.refused_report = services.report_refuse(
                    channel=Channel.EMAIL,
                    sender=parsed.from_address,
                    contact=decision.contact,
                    reason=decision.reason,
                    subject=parsed.subject,
                    body=parsed.text,
                    notify=not recently,
                    now=now,
                )
                mail.status, mail.reason = InboundMail.Status.REFUSED, decision.reason
            mail.processed_at = now
            mail.attempts += 1
            mail.save(
                update_fields=[
                    "status",
                    "reason",
                    "sender",
                    "subject",
                    "ticket",
                    "refused_report",
                    "processed_at",
                    "attempts",
                ]
            )
            return mail
    except Exception as exc:  # any failure: keep the mail, say why, let agents retry
        logger.exception("mail %s quarantined", mail.pk)
        InboundMail.objects.filter(pk=mail.pk).update(
            status=InboundMail.Status.QUARANTINED,
            reason=f"{type(exc).__name__}: {exc}"[:2000],
            attempts=mail.attempts + 1,
        )
        mail.refresh_from_db()
        return mail
