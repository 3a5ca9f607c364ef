"""The organisation's overview in the portal, for contacts who see all of its tickets: the SLA kept, tickets open
and closed, and this month's hours with what was free."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from servicedesk.core import labels
from servicedesk.portal.access import contact_required
from servicedesk.reports.arithmetic import hours
from servicedesk.reports.selectors import customer_overview

FREE_REASONS = ("critical", "managed_service", "fair_use")


@contact_required
def overview(request):
    contact = request.contact
    if not contact.sees_all_tickets:
        raise Http404  # like an invoice: the organisation's figures are for those who see all its tickets
    now = timezone.now()
    figures = customer_overview(customer_id=contact.customer_id, now=now)
    rows = [
        {
            "name": labels.SUPPORT_TYPES_SHORT.get(row.key, row.key),
            "hours": hours(row.minutes),
            "billable": hours(row.billable_minutes),
            "free": [
                (labels.FREE_REASONS[r], hours(row.free_minutes[r])) for r in FREE_REASONS if r in row.free_minutes
            ],
        }
        for row in figures.hours.rows
    ]
    total = figures.hours.total
    return render(
        request,
        "portal/overview.html",
        {
            "figures": figures,
            "rows": rows,
            "total": {"hours": hours(total.minutes), "billable": hours(total.billable_minutes)},
            "now": now,
            "active": "overview",
        },
    )
