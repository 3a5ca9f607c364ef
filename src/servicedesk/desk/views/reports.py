"""The reports: SLA (with drill-down), workload, time and money; each with chart, table and CSV, and one stable URL
(GET parameters) per view."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _

from servicedesk.core import labels
from servicedesk.core.downloads import download
from servicedesk.customers.models import Customer
from servicedesk.desk.access import agent_required
from servicedesk.mail.models import InboundMail
from servicedesk.reports import charts
from servicedesk.reports.arithmetic import hours, month_period, share
from servicedesk.reports.exports import table_csv
from servicedesk.reports.forms import SlaForm, TimeMoneyForm, WorkloadForm
from servicedesk.reports.models import ServiceReport
from servicedesk.reports.selectors import (
    DRILL_LIMIT,
    OUTCOMES,
    revenue_report,
    sla_drill_down,
    sla_report,
    time_money_report,
    workload_report,
)
from servicedesk.reports.service_report import FREE_REASONS, service_report_pdf
from servicedesk.tickets.models import RefusedReport

#: What the bars of the SLA chart stack: every ticket of a row is in exactly one of them.
SLA_PARTS = (
    ("in_time", charts.PALETTE[2]),
    ("late", charts.PALETTE[3]),
    ("overdue", charts.PALETTE[1]),
    ("waiting", charts.PALETTE[5]),
    ("best_effort", charts.PALETTE[4]),
)


#: A chart of more bars than this is a wall nobody reads (a month by customer has hundreds of rows): it shows the
#: largest rows, the table below it all of them.
CHART_ROWS = 25


def charted(rows: list, size) -> list:
    """The rows a bar chart shows: all of them, or the CHART_ROWS largest by `size(row)`, largest first."""
    if len(rows) <= CHART_ROWS:
        return rows
    return sorted(rows, key=lambda row: -size(row))[:CHART_ROWS]


def outcome_names() -> dict[str, str]:
    return {
        "tickets": _("Tickets"),
        "in_time": _("Responded in time"),
        "late": _("Responded late"),
        "unanswered": _("Not yet responded"),
        "overdue": _("Not responded, overdue"),
        "waiting": _("Not responded, not yet due"),
        "best_effort": _("Best effort (after-hours line)"),
        "best_effort_in_time": _("Best effort within the hour"),
    }


def group_label(group: str, row) -> str:
    """What a row of the table is about, in the page's language."""
    if group == "month":
        year, month = (int(part) for part in row.key.split("-"))
        return date_format(date(year, month, 1), "F Y")
    if group == "customer":
        return row.name
    names = {
        "support_type": labels.SUPPORT_TYPES_SHORT,
        "priority": labels.PRIORITIES,
        "channel": labels.CHANNELS,
    }[group]
    return str(names.get(row.key, row.key))


def period_words(period) -> dict[str, str]:
    """The first and last day of a period as words, for a chart's title."""
    return {"first": date_format(period.first, "j F Y"), "last": date_format(period.last, "j F Y")}


def whole(value: float) -> str:
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def report_page(request, template: str, *, tab: str, title: str, form, csv_view: str, filters: list[str], **context):
    """A report page: its tab and title, the period picker with the report's own filters, the chart and tables,
    and the CSV of the same view (the page's GET parameters)."""
    return render(
        request,
        template,
        {
            **context,
            "form": form,
            "report_tab": tab,
            "report_title": title,
            "filter_fields": [form[name] for name in filters],
            "csv_url": f"{reverse(csv_view)}?{request.GET.urlencode()}",
            "active": "reports",
        },
    )


def csv_download(header: list, lines: list, *, name: str, period, by: str):
    filename = f"{name}-{period.first:%Y-%m-%d}-{period.last:%Y-%m-%d}-{by}.csv"
    return download(table_csv(header, lines), filename=filename, content_type="text/csv; charset=utf-8")


def _sla(request):
    now = timezone.now()
    form = SlaForm(request.GET, today=timezone.localdate(now))
    period, group = form.report_period(), form.group_by()
    report = sla_report(period=period, group=group, filters=form.filters(), now=now)
    for row in [*report.rows, report.total]:
        row.label = group_label(group, row) if row.key else _("Total")
    return form, period, group, report


@agent_required
def sla(request):
    form, period, group, report = _sla(request)
    names = outcome_names()
    rows = charted(report.rows, lambda row: row.tickets)
    description = _("Tickets per row of the table below, split by how their response went.")
    if len(rows) < len(report.rows):
        description += " " + _("The %(shown)s rows with the most tickets of %(all)s; the table has them all.") % {
            "shown": len(rows),
            "all": len(report.rows),
        }
    chart = charts.bar_chart(
        chart_id="sla-chart",
        title=_("Response in time, %(first)s to %(last)s") % period_words(period),
        description=description,
        categories=[row.label for row in rows],
        series=[
            charts.Series(
                names[part],
                [(row.unanswered - row.overdue) if part == "waiting" else getattr(row, part) for row in rows],
                colour,
            )
            for part, colour in SLA_PARTS
        ],
        axis_label=_("Number of tickets"),
        format_value=whole,
    )
    # A row's figures link to their tickets: the page's own view, the row's key and the outcome (the template adds
    # the outcome: a page of hundreds of rows builds one link a row, not six).
    query = {name: value for name, value in request.GET.items() if name not in ("key", "outcome")}
    drill = reverse("desk:report_sla_tickets")
    for row in [*report.rows, report.total]:
        row.drill = f"{drill}?{urlencode({**query, 'key': row.key})}&outcome="
    customer_id = form.filters().customer_id  # a customer's report: their monthly service report too
    return report_page(
        request,
        "desk/reports/sla.html",
        tab="sla",
        title=_("SLA report"),
        form=form,
        csv_view="desk:report_sla_csv",
        filters=["group", "customer", "support_type", "priority", "channel"],
        period=period,
        group=group,
        report=report,
        chart=chart,
        names=names,
        group_name=dict(form.fields["group"].choices)[group],
        service_report_url=(
            reverse("desk:report_service", args=[customer_id, period.first.year, period.first.month])
            if customer_id
            else None
        ),
    )


@agent_required
def sla_csv(request):
    _form, period, group, report = _sla(request)
    names = outcome_names()
    header = [
        _("Row"),
        *(names[name] for name in OUTCOMES),
        _("Share in time (%)"),
        _("Median office time to response (minutes)"),
        _("P90 office time to response (minutes)"),
    ]
    lines = [
        [
            row.label,
            *(getattr(row, name) for name in OUTCOMES),
            row.share_in_time,
            row.median_response,
            row.p90_response,
        ]
        for row in [*report.rows, report.total]
    ]
    return csv_download(header, lines, name="sla", period=period, by=group)


@agent_required
def sla_tickets(request):
    """The tickets behind one figure of the SLA report."""
    outcome = request.GET.get("outcome", "tickets")
    if outcome not in OUTCOMES:
        raise Http404
    now = timezone.now()
    form = SlaForm(request.GET, today=timezone.localdate(now))
    period, group = form.report_period(), form.group_by()
    key = request.GET.get("key", "")
    try:
        tickets = sla_drill_down(period=period, filters=form.filters(), group=group, key=key, outcome=outcome, now=now)
    except ValueError:  # a mangled month key
        raise Http404 from None
    back = request.GET.copy()
    back.pop("key", None)
    back.pop("outcome", None)
    return render(
        request,
        "desk/reports/sla_tickets.html",
        {
            "tickets": tickets,
            "outcome": outcome_names()[outcome],
            "period": period,
            "back_url": f"{reverse('desk:report_sla')}?{back.urlencode()}",
            "limit": len(tickets) >= DRILL_LIMIT,
            "active": "reports",
        },
    )


# -- workload ----------------------------------------------------------------------------------------------------


def step_short(step) -> str:
    """A step on a chart's axis: its first day ('9 nov'), or the month ('nov 2026') for a whole month."""
    if step.first.day == 1 and step.last.month != (step.last + timedelta(days=1)).month:
        return date_format(step.first, "M Y")
    return date_format(step.first, "j M")


def step_label(step) -> str:
    """A step of a report over time: '2-8 nov' for a week, 'november 2026' for a whole month."""
    if step.first.day == 1 and step.last.month != (step.last + timedelta(days=1)).month:
        return date_format(step.first, "F Y")
    if step.first == step.last:
        return date_format(step.first, "j M")
    return f"{date_format(step.first, 'j M')}-{date_format(step.last, 'j M')}"


def key_label(by: str, key: str) -> str:
    names = labels.CHANNELS if by == "channel" else labels.SUPPORT_TYPES_SHORT
    return str(names.get(key, key))


def _workload(request):
    now = timezone.now()
    form = WorkloadForm(request.GET, today=timezone.localdate(now))
    period, by = form.report_period(), form.grouping()
    return form, period, by, workload_report(period=period, by=by, now=now)


def _workload_rows(report):
    opened, closed, still_open = (report.totals(f) for f in (report.opened, report.closed, report.open_at_end))
    return [(step_label(step), opened[i], closed[i], still_open[i]) for i, step in enumerate(report.steps)]


@agent_required
def workload(request):
    form, period, by, report = _workload(request)
    rows = _workload_rows(report)
    chart = charts.line_chart(
        chart_id="workload-chart",
        title=_("Tickets opened, closed and open, %(first)s to %(last)s") % period_words(period),
        description=_("Per step of the period; the table below holds the same figures."),
        categories=[step_short(step) for step in report.steps],
        series=[
            charts.Series(_("Opened"), [row[1] for row in rows], charts.PALETTE[0]),
            charts.Series(_("Closed"), [row[2] for row in rows], charts.PALETTE[2]),
            charts.Series(_("Open at the end"), [row[3] for row in rows], charts.PALETTE[1]),
        ],
        axis_label=_("Number of tickets"),
        format_value=whole,
    )
    keys = sorted(set(report.opened) | set(report.closed) | set(report.open_at_end))
    last = len(report.steps) - 1
    breakdown = [
        (
            key_label(by, key),
            sum(report.opened.get(key, [0])),
            sum(report.closed.get(key, [0])),
            report.open_at_end.get(key, [0] * (last + 1))[last],
        )
        for key in keys
    ]
    refused_reasons = dict(RefusedReport.Reason.choices)
    refused = [
        (refused_reasons.get(reason, reason), labels.CHANNELS.get(channel, channel), count)
        for (reason, channel), count in report.refused.items()
    ]
    mail_statuses = dict(InboundMail.Status.choices)
    mail = [(mail_statuses[status], count) for status, count in report.mail.items()]
    return report_page(
        request,
        "desk/reports/workload.html",
        tab="workload",
        title=_("Workload"),
        form=form,
        csv_view="desk:report_workload_csv",
        filters=["by"],
        period=period,
        rows=rows,
        chart=chart,
        breakdown=breakdown,
        by_name=dict(form.fields["by"].choices)[by],
        refused=refused,
        mail=mail,
    )


@agent_required
def workload_csv(request):
    _form, period, by, report = _workload(request)
    keys = sorted(report.opened)
    header = [_("Period"), _("Opened"), _("Closed"), _("Open at the end")]
    header += [_("Opened: %(name)s") % {"name": key_label(by, key)} for key in keys]
    lines = [[*row, *(report.opened[key][i] for key in keys)] for i, row in enumerate(_workload_rows(report))]
    return csv_download(header, lines, name="werklast", period=period, by=by)


# -- time and money ----------------------------------------------------------------------------------------------


def time_label(by: str, row) -> str:
    if by in ("customer", "agent"):
        return row.name
    if by == "band":
        return str(labels.BANDS.get(row.key, row.key))
    return str(labels.SUPPORT_TYPES_SHORT.get(row.key, row.key))


def _time_money(request):
    now = timezone.now()
    form = TimeMoneyForm(request.GET, today=timezone.localdate(now))
    period, by = form.report_period(), form.grouping()
    report = time_money_report(period=period, by=by, now=now)
    for row in report.rows:
        row.label = time_label(by, row)
    report.total.label = _("Total")
    return form, period, by, report


def _time_line(row) -> list:
    return [
        row.label,
        hours(row.minutes),
        hours(row.billable_minutes),
        hours(sum(row.free_minutes.values())),
        *(hours(row.free_minutes.get(reason, 0)) for reason in FREE_REASONS),
        Decimal(row.amount_cents) / 100,
    ]


def one_decimal(value: float) -> str:
    return number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)


@agent_required
def time_money(request):
    form, period, by, report = _time_money(request)
    rows = charted(report.rows, lambda row: row.minutes)
    description = _("Billable and free hours per row of the table below.")
    if len(rows) < len(report.rows):
        description += " " + _("The %(shown)s rows with the most hours of %(all)s; the table has them all.") % {
            "shown": len(rows),
            "all": len(report.rows),
        }
    chart = charts.bar_chart(
        chart_id="time-chart",
        title=_("Hours recorded, %(first)s to %(last)s") % period_words(period),
        description=description,
        categories=[row.label for row in rows],
        series=[
            charts.Series(_("Billable time"), [row.billable_minutes / 60 for row in rows], charts.PALETTE[0]),
            *(
                charts.Series(
                    str(labels.FREE_REASONS[reason]), [row.free_minutes.get(reason, 0) / 60 for row in rows], colour
                )
                for reason, colour in zip(
                    FREE_REASONS, (charts.PALETTE[3], charts.PALETTE[2], charts.PALETTE[1]), strict=True
                )
            ),
        ],
        axis_label=_("Hours"),
        format_value=one_decimal,
    )
    return report_page(
        request,
        "desk/reports/time_money.html",
        tab="time",
        title=_("Time and money"),
        form=form,
        csv_view="desk:report_time_csv",
        filters=["by"],
        period=period,
        by_name=dict(form.fields["by"].choices)[by],
        chart=chart,
        lines=[_time_line(row) for row in report.rows],
        total=_time_line(report.total) if report.rows else None,
        free_names=[labels.FREE_REASONS[reason] for reason in FREE_REASONS],
        revenue=[
            (
                date_format(date(int(row.month[:4]), int(row.month[5:]), 1), "F Y"),
                row.name,
                *(Decimal(cents) / 100 for cents in (row.invoiced_cents, row.recurring_cents, row.bundles_cents)),
                Decimal(row.total_cents) / 100,
            )
            for row in revenue_report(period=period, today=timezone.localdate())
        ],
        unbilled=[(name, hours(minutes)) for _id, name, minutes in report.unbilled],
        utilisation=[
            (name, hours(billable), hours(office), share(billable, office))
            for name, billable, office in report.utilisation
        ],
    )


@agent_required
def time_money_csv(request):
    _form, period, by, report = _time_money(request)
    header = [
        _("Row"),
        _("Hours"),
        _("Billable hours"),
        _("Free hours"),
        *(_("Free: %(reason)s") % {"reason": labels.FREE_REASONS[reason]} for reason in FREE_REASONS),
        _("Amount (EUR, excl. VAT)"),
    ]
    lines = [_time_line(row) for row in [*report.rows, report.total]]
    return csv_download(header, lines, name="tijd-en-geld", period=period, by=by)


# -- the monthly service report ------------------------------------------------------------------------------------


def month_or_404(year: int, month: int):
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        raise Http404
    return month_period(year, month)


@agent_required
def service_report(request, customer_id: int, year: int, month: int):
    customer = get_object_or_404(Customer, pk=customer_id)
    period = month_or_404(year, month)
    pdf = service_report_pdf(customer=customer, period=period, now=timezone.now())
    filename = f"servicerapport-{slugify(customer.name)}-{period.first:%Y-%m}.pdf"
    return download(pdf, filename=filename, content_type="application/pdf")


@agent_required
def stored_service_report(request, customer_id: int, report_id: int):
    """A monthly service report as the worker made (and mailed) it."""
    report = get_object_or_404(ServiceReport.objects.select_related("customer"), pk=report_id, customer_id=customer_id)
    filename = f"servicerapport-{slugify(report.customer.name)}-{report.month:%Y-%m}.pdf"
    return download(bytes(report.pdf), filename=filename, content_type="application/pdf")
