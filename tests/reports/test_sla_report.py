"""The SLA report against a month of known answers, and against a recount from the rows for every grouping."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from servicedesk.reports.arithmetic import ReportPeriod, month_period, year_period
from servicedesk.reports.selectors import SLA_GROUPS, SlaFilters, sla_drill_down, sla_report
from servicedesk.tickets.models import Ticket
from tests.helpers import REPORTS_READ_AT as NOW
from tests.reports.recount import recount

NOVEMBER = month_period(2026, 11)
H = 3600


def test_the_data_set_is_what_it_says(november):
    t = november.tickets
    assert t["best_effort"].best_effort and t["best_effort"].response_met
    assert t["breached_then_answered"].breached_flagged_at is not None
    assert t["breached_then_answered"].responded_at <= t["breached_then_answered"].response_due  # new deadline
    assert t["breached_then_answered"].response_met is False
    assert t["reclassified"].priority == "direct" and t["reclassified"].response_met
    assert t["late"].response_met is False
    assert t["managed"].priority == "high" and t["managed"].support_type == "managed"


def test_known_answers_per_customer(november):
    report = sla_report(period=NOVEMBER, group="customer", filters=SlaFilters(), now=NOW)
    korrel, smile = report.rows
    assert korrel.name == "Bakkerij De Korrel" and smile.name == "Tandartspraktijk Smile"
    figures = ("tickets", "in_time", "late", "unanswered", "overdue", "best_effort", "best_effort_in_time")
    assert [getattr(korrel, f) for f in figures] == [5, 3, 1, 1, 1, 0, 0]
    assert [getattr(smile, f) for f in figures] == [4, 1, 1, 1, 0, 1, 1]
    assert [getattr(report.total, f) for f in figures] == [9, 4, 2, 2, 1, 1, 1]
    assert korrel.share_in_time == Decimal("60.0")  # 3 of 5 known: 3 in time, 1 late, 1 overdue
    assert smile.share_in_time == Decimal("50.0")  # best effort and the one not yet due do not count
    assert report.total.share_in_time == Decimal("57.1")  # 4 of 7
    # Office time to response: Korrel 0.5 h, 1 h, 8 h, 9 h; Smile 0.75 h and 26 h (best effort left out).
    assert korrel.median_response == timedelta(hours=4.5) and korrel.p90_response == timedelta(hours=9)
    assert smile.median_response == timedelta(hours=13, minutes=22, seconds=30)
    assert smile.p90_response == timedelta(hours=26)
    assert report.total.median_response == timedelta(hours=4.5)
    assert report.total.p90_response == timedelta(hours=26)


def test_known_answers_per_priority_and_channel(november):
    by_priority = {
        row.key: row for row in sla_report(period=NOVEMBER, group="priority", filters=SlaFilters(), now=NOW).rows
    }
    assert {k: (r.tickets, r.in_time, r.late, r.best_effort) for k, r in by_priority.items()} == {
        "standard": (4, 2, 0, 0),  # in time, fair use; overdue and waiting unanswered
        "high": (3, 1, 2, 0),  # managed; late; breached then answered
        "direct": (2, 1, 0, 1),  # reclassified; best effort
    }
    by_channel = {
        row.key: row.tickets for row in sla_report(period=NOVEMBER, group="channel", filters=SlaFilters(), now=NOW).rows
    }
    assert by_channel == {"email": 7, "portal": 1, "phone_after_hours": 1}


def test_a_month_leaves_out_the_month_before_and_a_year_takes_it_in(november):
    year = sla_report(period=year_period(2026), group="month", filters=SlaFilters(), now=NOW)
    assert [(row.key, row.tickets, row.late) for row in year.rows] == [("2026-10", 1, 1), ("2026-11", 9, 2)]


def test_filters_narrow_the_tickets(november):
    only = SlaFilters(customer_id=november.smile.pk, support_type="functional")
    report = sla_report(period=NOVEMBER, group="customer", filters=only, now=NOW)
    # breached_then_answered (late) and waiting (not yet due)
    assert (report.total.tickets, report.total.late, report.total.unanswered) == (2, 1, 1)
    assert (
        sla_report(period=NOVEMBER, group="channel", filters=SlaFilters(channel="portal"), now=NOW).total.tickets == 1
    )


@pytest.mark.parametrize(
    "period",
    [
        year_period(2026),  # whole months: their monthly counts
        ReportPeriod(date(2026, 10, 20), date(2026, 11, 30)),  # part of October, then all of November
        ReportPeriod(date(2026, 10, 1), date(2026, 11, 20)),  # all of October, then part of November
        ReportPeriod(date(2026, 11, 3), date(2026, 11, 25)),  # within one month
    ],
    ids=["year", "days-then-month", "month-then-days", "within-a-month"],
)
@pytest.mark.parametrize("group", SLA_GROUPS)
def test_every_figure_equals_a_recount_from_the_rows(november, group, period):
    start, end = period.bounds(timezone.get_default_timezone())
    expected = recount(Ticket.objects.filter(reported_at__gte=start, reported_at__lt=end), group, NOW)
    report = sla_report(period=period, group=group, filters=SlaFilters(), now=NOW)
    assert {row.key for row in report.rows} == set(expected)
    for row in report.rows:
        want = expected[row.key]
        for name in ("tickets", "in_time", "late", "unanswered", "overdue", "best_effort", "best_effort_in_time"):
            assert getattr(row, name) == want[name], (group, row.key, name)
        assert row.median_response == want.get("median")
        assert row.p90_response == want.get("p90")


@pytest.mark.parametrize(
    ("outcome", "keys"),
    [
        ("late", {"late", "breached_then_answered"}),
        ("overdue", {"overdue"}),
        ("unanswered", {"overdue", "waiting"}),
        ("best_effort", {"best_effort"}),
        ("in_time", {"in_time", "managed", "fair_use", "reclassified"}),
    ],
)
def test_the_drill_down_lists_the_tickets_behind_a_figure(november, outcome, keys):
    tickets = sla_drill_down(period=NOVEMBER, filters=SlaFilters(), group="customer", key="", outcome=outcome, now=NOW)
    assert {t.subject for t in tickets} == keys


def test_the_drill_down_of_one_row(november):
    korrel = str(november.korrel.pk)
    late = sla_drill_down(period=NOVEMBER, filters=SlaFilters(), group="customer", key=korrel, outcome="late", now=NOW)
    assert [t.subject for t in late] == ["late"]
    october = sla_drill_down(
        period=year_period(2026), filters=SlaFilters(), group="month", key="2026-10", outcome="tickets", now=NOW
    )
    assert [t.subject for t in october] == ["october"]


def test_the_report_costs_a_fixed_number_of_queries(november, django_assert_num_queries):
    # the whole months' counts (the total added up from them), the overdue ones, office times to response,
    # customer names
    with django_assert_num_queries(4):
        sla_report(period=year_period(2026), group="customer", filters=SlaFilters(), now=NOW)
    with django_assert_num_queries(3):
        sla_report(period=year_period(2026), group="month", filters=SlaFilters(), now=NOW)
    with django_assert_num_queries(5):  # and the counts of the days at each end
        sla_report(
            period=ReportPeriod(date(2026, 10, 20), date(2026, 12, 3)), group="month", filters=SlaFilters(), now=NOW
        )
