"""A customer's monthly service report as a PDF (WeasyPrint, as the invoices): the SLA kept, the tickets of the
month, the hours by support type with the free work and why, the prepaid hours. Only that customer's rows are read."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from servicedesk.core import labels
from servicedesk.customers.models import Customer
from servicedesk.reports import charts
from servicedesk.reports.arithmetic import ReportPeriod, hours
from servicedesk.reports.selectors import SlaFilters, prepaid_hours, sla_report, sla_tickets, time_money_report

FREE_REASONS = ("critical", "managed_service", "fair_use")  # in the order the policy reports them


def hours_by_type(time) -> list[dict]:
    """A time report's rows by support type as people read them: hours, billable, and the free hours per reason."""
    return [
        {
            "name": labels.SUPPORT_TYPES_SHORT.get(row.key, row.key),
            "hours": hours(row.minutes),
            "billable": hours(row.billable_minutes),
            "free": [
                (labels.FREE_REASONS[r], hours(row.free_minutes[r])) for r in FREE_REASONS if r in row.free_minutes
            ],
        }
        for row in time.rows
    ]


def _whole(value: float) -> str:
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def service_report_context(*, customer: Customer, period: ReportPeriod, now: datetime) -> dict:
    """What the report says, read for this customer alone."""
    filters = SlaFilters(customer_id=customer.pk)
    sla = sla_report(period=period, group="priority", filters=filters, now=now)
    for row in sla.rows:
        row.label = str(labels.PRIORITIES.get(row.key, row.key))
    tickets = list(sla_tickets(period=period, filters=filters).order_by("reported_at", "id"))
    time = time_money_report(period=period, by="support_type", now=now, customer_id=customer.pk)
    chart = charts.bar_chart(
        chart_id="service-sla",
        title=_("Response in time, %(month)s") % {"month": date_format(period.first, "F Y")},
        description=_("Tickets per priority, split by how their response went."),
        categories=[row.label for row in sla.rows],
        series=[
            charts.Series(_("Responded in time"), [row.in_time for row in sla.rows], charts.PALETTE[2]),
            charts.Series(_("Responded late"), [row.late for row in sla.rows], charts.PALETTE[3]),
            charts.Series(_("Not yet responded"), [row.unanswered for row in sla.rows], charts.PALETTE[1]),
            charts.Series(
                _("Best effort (after-hours line)"), [row.best_effort for row in sla.rows], charts.PALETTE[4]
            ),
        ],
        axis_label=_("Number of tickets"),
        format_value=_whole,
    )
    return {
        "customer": customer,
        "period": period,
        "sla": sla,
        "chart": chart,
        "tickets": tickets,
        "hours": hours_by_type(time),
        "total_hours": hours(time.total.minutes),
        "prepaid": prepaid_hours(customer_id=customer.pk, period=period, today=timezone.localdate(now)),
        "provider": settings.SERVICEDESK_PROVIDER,
        "made": timezone.localtime(now),
    }


def service_report_pdf(*, customer: Customer, period: ReportPeriod, now: datetime, language: str = "nl") -> bytes:
    import weasyprint  # imported here: it loads native libraries, which only this needs

    with translation.override(language):
        html = render_to_string(
            "reports/service_report_pdf.html", service_report_context(customer=customer, period=period, now=now)
        )
    return weasyprint.HTML(string=html).write_pdf()
