"""Making the monthly service reports: once per customer and month, on the first working day after it, and mailing
each to the customer's main contact when the customer wants it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from servicedesk.core.policy import current_policy
from servicedesk.customers.models import Customer
from servicedesk.outbox.models import OutgoingAttachment, OutgoingMessage
from servicedesk.outbox.services import SUBJECT_MAX, render_notice
from servicedesk.reports.arithmetic import ReportPeriod, first_working_day, month_period, previous_month
from servicedesk.reports.models import ServiceReport
from servicedesk.reports.selectors import customers_to_report
from servicedesk.reports.service_report import service_report_pdf

logger = logging.getLogger(__name__)

#: The outbox's kind of the mail (outbox has no choice for it yet: see the note of issue 28).
SERVICE_REPORT_MAIL = OutgoingMessage.Kind.SERVICE_REPORT


@dataclass(frozen=True)
class ReportsMade:
    period: ReportPeriod | None  # the month reported on; None before the month's first working day
    made: list[ServiceReport]


def service_report_period(*, now: datetime) -> ReportPeriod | None:
    """The month whose reports are due at `now`: the previous month, from the first working day of this one on
    (a worker that was down that day catches up later in the month)."""
    today = timezone.localdate(now)
    if today < first_working_day(current_policy().calendar, today.year, today.month):
        return None
    return previous_month(month_period(today.year, today.month))


def service_reports_make(*, now: datetime | None = None) -> ReportsMade:
    """Make the due month's report of every customer with tickets or time in it that has none yet, and mail it."""
    now = now or timezone.now()
    period = service_report_period(now=now)
    if period is None:
        return ReportsMade(None, [])
    made = []
    for customer in customers_to_report(period=period):
        try:
            report, created = service_report_make(customer=customer, period=period, now=now)
        except Exception:  # one customer's broken report must not hold up the others' (retried next run)
            logger.exception("service report %s for %s not made", f"{period.first:%Y-%m}", customer.code)
            continue
        if created:
            made.append(report)
    return ReportsMade(period, made)


def service_report_make(*, customer: Customer, period: ReportPeriod, now: datetime) -> tuple[ServiceReport, bool]:
    """The customer's stored report of the month, made now if there is none (then mailed to the main contact
    when the customer wants it). Two runs at once make one report: the PDF is rendered outside the transaction,
    and the loser of the unique constraint takes the winner's report and mails nothing."""
    existing = ServiceReport.objects.filter(customer=customer, month=period.first).defer("pdf").first()
    if existing is not None:
        return existing, False
    main = customer.main_contact
    language = main.language if main is not None else "nl"
    pdf = service_report_pdf(customer=customer, period=period, now=now, language=language)
    with transaction.atomic():
        report, created = ServiceReport.objects.get_or_create(
            customer=customer,
            month=period.first,
            defaults={"pdf": pdf, "language": language, "created_at": now},
        )
        if created and customer.mails_service_report and main is not None and main.email:
            report.mailing = _service_report_mail(report, main, now)
            report.mailed_at = now
            report.save(update_fields=["mailing", "mailed_at"])
    if created:
        logger.info("service report %s made for %s", f"{period.first:%Y-%m}", customer.code)
    else:
        logger.info("service report %s of %s made by another run meanwhile", f"{period.first:%Y-%m}", customer.code)
    return report, created


def _service_report_mail(report: ServiceReport, contact, now: datetime) -> OutgoingMessage:
    """Queue the report, as PDF attachment, for the contact; delivered once the transaction commits."""
    subject, body = render_notice(
        SERVICE_REPORT_MAIL, contact.language, {"contact": contact, "customer": report.customer, "month": report.month}
    )
    outgoing = OutgoingMessage.objects.create(
        kind=SERVICE_REPORT_MAIL,
        to_address=contact.email,
        to_name=contact.name,
        language=contact.language,
        subject=subject[:SUBJECT_MAX],
        body=body,
        automatic=False,  # a report the customer asked for, not an answer to mail: no loop to guard against
        created_at=now,
    )
    OutgoingAttachment.objects.create(
        outgoing=outgoing, filename=report.filename, content_type="application/pdf", data=report.pdf
    )
    return outgoing
