"""The time and money report against the month of known answers: hours by customer, agent, type and band; billable
against free with the reasons; revenue invoiced; unbilled work; utilisation."""

from __future__ import annotations

from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from servicedesk.billing.services import billing_run_confirm, billing_run_create
from servicedesk.reports.arithmetic import ReportPeriod, month_period, year_period
from servicedesk.reports.models import PricedWork
from servicedesk.reports.selectors import revenue_report, time_money_report
from servicedesk.tickets import services
from tests import factories
from tests.helpers import REPORTS_READ_AT as NOW
from tests.helpers import local as at

NOVEMBER = month_period(2026, 11)
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def worked(november):
    """Besides the free half hour (managed service) and five minutes (fair use) of the month: an hour and an evening
    half hour on the late ticket (unmanaged, high, €85), a critical incident's hour by a second agent, and an
    October hour that the month leaves out."""
    t, agent = november.tickets, november.agent
    joost = factories.agent("joost")
    services.time_entry_add(ticket=t["late"], agent=agent, start=at("2026-11-10T10:00"), minutes=60, now=NOW)
    services.time_entry_add(ticket=t["late"], agent=agent, start=at("2026-11-10T17:30"), minutes=30, now=NOW)
    services.time_entry_add(ticket=t["october"], agent=agent, start=at("2026-10-28T10:00"), minutes=60, now=NOW)
    critical = services.ticket_create(
        reporter=november.smile.contacts.get(),
        subject="Server plat",
        body="…",
        channel="phone",
        support_type="unmanaged",
        actor=agent,
        now=at("2026-11-19T09:00"),
    )
    services.ticket_classify(
        ticket=critical, actor=agent, reason="Alles ligt stil", critical=True, now=at("2026-11-19T09:05")
    )
    services.time_entry_add(ticket=critical, agent=joost, start=at("2026-11-19T09:10"), minutes=60, now=NOW)
    return november


def test_known_answers_per_customer(worked):
    report = time_money_report(period=NOVEMBER, by="customer", now=NOW)
    korrel, smile = report.rows
    assert (korrel.name, korrel.minutes, korrel.billable_minutes) == ("Bakkerij De Korrel", 125, 90)
    assert korrel.free_minutes == {"managed_service": 30, "fair_use": 5}
    assert korrel.amount_cents == 8500 + 4250  # office hour at €85; evening half hour at max(€85, €85)
    assert (smile.minutes, smile.billable_minutes, smile.free_minutes, smile.amount_cents) == (
        60,
        0,
        {"critical": 60},
        0,
    )
    assert (report.total.minutes, report.total.billable_minutes, report.total.amount_cents) == (185, 90, 12750)


def test_known_answers_per_agent_type_and_band(worked):
    by_agent = {
        r.name: (r.minutes, r.billable_minutes) for r in time_money_report(period=NOVEMBER, by="agent", now=NOW).rows
    }
    assert by_agent == {"anouk": (125, 90), "joost": (60, 0)}
    by_type = {r.key: r.minutes for r in time_money_report(period=NOVEMBER, by="support_type", now=NOW).rows}
    assert by_type == {"managed": 30, "functional": 5, "unmanaged": 150}
    bands = time_money_report(period=NOVEMBER, by="band", now=NOW).rows
    billed = {r.key: (r.billable_minutes, r.amount_cents) for r in bands}
    assert billed["office"] == (60, 8500) and billed["evening"] == (30, 4250)
    assert sum(r.free_minutes.get("fair_use", 0) for r in bands) == 15  # five minutes billed as a unit of 15, free


def test_revenue_unbilled_and_utilisation(worked):
    biller = factories.biller()
    run = billing_run_create(actor=biller, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    billing_run_confirm(run, actor=biller, now=at("2026-12-01T09:00"))
    t = worked.tickets
    services.time_entry_add(
        ticket=t["waiting"], agent=worked.agent, start=at("2026-12-01T10:00"), minutes=30, now=at("2026-12-01T11:00")
    )
    report = time_money_report(period=year_period(2026), by="customer", now=at("2026-12-01T12:00"))
    # November's EUR 127.50 and October's hour (functional, standard, EUR 65) billed late in the same run.
    revenue = revenue_report(period=year_period(2026), today=date(2026, 12, 1))
    assert [(r.month, r.name, r.invoiced_cents, r.total_cents) for r in revenue] == [
        ("2026-12", "Bakkerij De Korrel", 19250, 19250)
    ]
    assert [(name, minutes) for _, name, minutes in report.unbilled] == [("Tandartspraktijk Smile", 30)]
    november = time_money_report(period=NOVEMBER, by="agent", now=NOW)
    # November up to Monday 30th noon: 20 whole working days and 3 hours, no holidays.
    assert november.utilisation == [("anouk", 90, 20 * 8 * 60 + 180), ("joost", 0, 20 * 8 * 60 + 180)]


def test_the_time_page_and_csv(client, worked, django_assert_max_num_queries):
    client.force_login(worked.agent)
    client.get("/desk/")
    with django_assert_max_num_queries(14):
        html = client.get("/desk/reports/time/?period=month&month=2026-11&by=customer").content.decode()
    assert 'id="time-chart-title"' in html and "Bakkerij De Korrel" in html and "€\u00a0127,50" in html
    assert "Fair use" in html or "Redelijk gebruik" in html
    lines = (
        client.get("/desk/reports/time/csv/?period=month&month=2026-11&by=customer")
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert lines[1].startswith("Bakkerij De Korrel;2,08;1,50;0,58;")
    assert lines[-1].startswith("Totaal;3,08;1,50;1,58;")


def test_the_report_costs_a_fixed_number_of_queries(worked, django_assert_num_queries):
    with django_assert_num_queries(3):  # a year of whole months: their monthly sums, the agents' names; unbilled time
        time_money_report(period=year_period(2026), by="band", now=NOW)
    with django_assert_num_queries(6):  # and the priced rows of the days at each end, the customers' names
        time_money_report(period=ReportPeriod(date(2026, 10, 20), date(2026, 12, 3)), by="customer", now=NOW)


def recount(period: ReportPeriod, by: str) -> tuple[dict, tuple]:
    """The report's figures straight from the priced rows of the period: per key (minutes, billable minutes,
    free minutes per reason, amount), and the total."""
    start, end = period.bounds(AMS)
    rows: dict = {}
    total = [0, 0, Counter(), 0]
    for w in PricedWork.objects.filter(start__gte=start, start__lt=end):
        minutes, cents = (w.band_minutes, w.band_cents) if by == "band" else (w.minutes, w.amount_cents)
        key = {"customer": w.customer_id, "agent": w.agent_id, "support_type": w.support_type, "band": w.band}[by]
        for figures, m, c in (
            (rows.setdefault(str(key), [0, 0, Counter(), 0]), minutes, cents),
            (total, w.minutes, w.amount_cents),
        ):
            figures[0] += m
            if w.free_reason:
                figures[2][w.free_reason] += m
            else:
                figures[1] += m
                figures[3] += c
    shown = {k: (f[0], f[1], dict(+f[2]), f[3]) for k, f in rows.items() if k and (f[0] or f[3])}
    return shown, (total[0], total[1], dict(+total[2]), total[3])


@pytest.mark.parametrize(
    "period",
    [
        ReportPeriod(date(2026, 10, 20), date(2026, 12, 3)),  # part of October, all of November, part of December
        ReportPeriod(date(2026, 11, 5), date(2026, 11, 19)),  # within one month
        year_period(2026),  # whole months only
        ReportPeriod(date(2026, 9, 1), date(2026, 11, 10)),  # whole months first, then days
    ],
    ids=["both-ends", "within-a-month", "year", "months-then-days"],
)
@pytest.mark.parametrize("by", ["customer", "agent", "support_type", "band"])
def test_monthly_sums_and_the_days_at_the_ends_add_up_to_the_priced_rows(worked, period, by):
    report = time_money_report(period=period, by=by, now=NOW)
    rows, total = recount(period, by)
    shown = {r.key: (r.minutes, r.billable_minutes, r.free_minutes, r.amount_cents) for r in report.rows}
    assert shown == rows
    assert (
        report.total.minutes,
        report.total.billable_minutes,
        report.total.free_minutes,
        report.total.amount_cents,
    ) == total
