"""The desk's home page for an agent: their tickets by deadline and the figures of the desk at a glance."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from servicedesk.desk.access import agent_required
from servicedesk.reports import charts
from servicedesk.reports.arithmetic import hours
from servicedesk.reports.selectors import desk_dashboard


@agent_required
def dashboard(request):
    now = timezone.now()
    figures = desk_dashboard(user=request.user, now=now)
    backlog = [count for _moment, count in figures.backlog]
    first, last = figures.backlog[0], figures.backlog[-1]
    sparkline = charts.sparkline(
        chart_id="backlog",
        title=_("Open tickets, weekly from %(first)s (%(first_count)d) to now (%(last_count)d)")
        % {
            "first": date_format(timezone.localtime(first[0]), "j F"),
            "first_count": first[1],
            "last_count": last[1],
        },
        values=backlog,
    )
    return render(
        request,
        "desk/dashboard.html",
        {
            "figures": figures,
            "sparkline": sparkline,
            "unbilled_hours": hours(figures.unbilled_minutes),
            "now": now,
            "active": "home",
        },
    )
