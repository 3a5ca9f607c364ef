"""The organisation's overview in the portal, for contacts who see all of its tickets: the SLA kept, tickets open
and closed, and this month's hours with what was free."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from servicedesk.core.downloads import download
from servicedesk.portal.access import contact_required
from servicedesk.reports.arithmetic import hours, month_period, previous_month
from servicedesk.reports.models import ServiceReport
from servicedesk.reports.selectors import customer_overview, service_reports_of
from servicedesk.reports.service_report import hours_by_type, service_report_pdf


@contact_required
def overview(request):
    contact = request.contact
    if not contact.sees_all_tickets:
        raise Http404  # like an invoice: the organisation's figures are for those who see all its tickets
    now = timezone.now()
    figures = customer_overview(customer_id=contact.customer_id, now=now)
    local = timezone.localdate(now)
    rows = hours_by_type(figures.hours)
    total = figures.hours.total
    return render(
        request,
        "portal/overview.html",
        {
            "figures": figures,
            "rows": rows,
            "total": {"hours": hours(total.minutes), "billable": hours(total.billable_minutes)},
            "now": now,
            "stored_reports": service_reports_of(customer_id=contact.customer_id),
            "reports": [month_period(local.year, local.month), previous_month(month_period(local.year, local.month))],
            "active": "overview",
        },
    )


@contact_required
def service_report(request, year: int, month: int):
    """The organisation's monthly service report; another organisation's cannot be asked for (no id in the URL)."""
    contact = request.contact
    if not contact.sees_all_tickets or not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404
    period = month_period(year, month)
    pdf = service_report_pdf(customer=contact.customer, period=period, now=timezone.now(), language=contact.language)
    filename = f"servicerapport-{period.first:%Y-%m}.pdf"
    return download(pdf, filename=filename, content_type="application/pdf")


@contact_required
def stored_service_report(request, report_id: int):
    """A monthly service report as the worker made it; only one of the contact's own organisation."""
    contact = request.contact
    if not contact.sees_all_tickets:
        raise Http404
    report = ServiceReport.objects.filter(pk=report_id, customer_id=contact.customer_id).first()
    if report is None:
        raise Http404
    return download(bytes(report.pdf), filename=report.filename, content_type="application/pdf")
