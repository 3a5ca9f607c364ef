"""Revenue split by where it comes from (invoices, contracts' recurring fees, prepaid bundles sold), and the prepaid
hours a customer sees in the portal overview and the monthly service report: each figure against a recount from the
rows or a known answer, and nothing of another organisation."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from servicedesk.billing.models import Invoice, InvoiceLine
from servicedesk.billing.services import billing_run_confirm, billing_run_create, invoice_credit
from servicedesk.contracts import services as contracts
from servicedesk.contracts.models import BundleDebit, PrepaidBundle
from servicedesk.reports.arithmetic import month_period, year_period
from servicedesk.reports.selectors import customer_overview, prepaid_hours, revenue_report
from servicedesk.reports.service_report import service_report_pdf
from servicedesk.tickets import services
from tests import factories
from tests.helpers import REPORTS_READ_AT as NOW
from tests.helpers import local as at
from tests.helpers import pdf_text, portal_signed_in, unbilled_recounted, unbilled_stored

NOVEMBER = month_period(2026, 11)
TODAY = date(2026, 12, 1)


@pytest.fixture
def sold(november):
    """De Korrel: a monthly contract from March (3 x EUR 25 and 1 x EUR 9.90: EUR 84.90 a month), one line raised to
    4 from 16 September; a 10-hour bundle bought 1 October (base rate EUR 60) used in October and November; an old
    bundle that expired before. Smile: a quarterly contract January to June (EUR 300 a quarter: EUR 100 a month) and
    a 5-hour bundle of February. November's work of De Korrel invoiced on 1 December."""
    agent, korrel, smile = november.agent, november.korrel, november.smile
    monthly = contracts.contract_create(
        customer=korrel,
        name="Beheer",
        billing_period="month",
        start=date(2026, 3, 1),
        actor=agent,
        now=at("2026-02-20T10:00"),
    )
    line = contracts.line_add(
        contract=monthly,
        actor=agent,
        description="Werkplek",
        quantity=3,
        unit_price_cents=2500,
        now=at("2026-02-20T10:00"),
    )
    contracts.line_add(
        contract=monthly,
        actor=agent,
        description="Back-up",
        quantity=1,
        unit_price_cents=990,
        now=at("2026-02-20T10:00"),
    )
    contracts.line_quantity_change(line=line, quantity=4, actor=agent, now=at("2026-09-15T10:00"))
    quarterly = contracts.contract_create(
        customer=smile,
        name="Kwartaal",
        billing_period="quarter",
        start=date(2026, 1, 1),
        end=date(2026, 6, 30),
        actor=agent,
        now=at("2025-12-20T10:00"),
    )
    contracts.line_add(
        contract=quarterly,
        actor=agent,
        description="Server",
        quantity=1,
        unit_price_cents=30000,
        now=at("2025-12-20T10:00"),
    )
    bundle = contracts.bundle_sell(
        customer=korrel, hours=10, price_cents=55000, base_rate_cents=6000, bought_on=date(2026, 10, 1), actor=agent
    )
    contracts.bundle_sell(
        customer=korrel, hours=2, price_cents=12000, base_rate_cents=6000, bought_on=date(2024, 1, 5), actor=agent
    )
    contracts.bundle_sell(
        customer=smile, hours=5, price_cents=32500, base_rate_cents=6500, bought_on=date(2026, 2, 10), actor=agent
    )
    # November's hour (EUR 85 on 10 November) is debited by the billing run below.
    for cents, day in ((3000, date(2026, 10, 20)), (1000, date(2026, 12, 1))):
        BundleDebit.objects.create(
            bundle=bundle,
            amount_cents=cents,
            paid_kind="time_entry",
            paid_id=1,
            description="#1",
            on=day,
            created_at=NOW,
        )
    services.time_entry_add(
        ticket=november.tickets["late"], agent=agent, start=at("2026-11-10T10:00"), minutes=60, now=NOW
    )
    biller = factories.biller()
    run = billing_run_create(actor=biller, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    billing_run_confirm(run, actor=biller, now=at("2026-12-01T09:00"))
    return november


def _recount() -> dict:
    """Per (month of issue, customer name): work, recurring fees and bundles bought on the numbered documents,
    one line at a time."""
    found: dict = {}
    for line in InvoiceLine.objects.filter(invoice__number__isnull=False).select_related("invoice__customer"):
        key = (f"{timezone.localtime(line.invoice.issued_at):%Y-%m}", line.invoice.customer.name)
        part = 1 if line.contract_line_id else 2 if line.bundle_id else 0
        found.setdefault(key, [0, 0, 0])[part] += line.amount_cents
    return {key: tuple(value) for key, value in found.items()}


def test_revenue_per_month_and_customer_split_by_what_the_lines_bill(sold):
    rows = revenue_report(period=year_period(2026), today=TODAY)
    got = {(r.month, r.name): (r.invoiced_cents, r.recurring_cents, r.bundles_cents) for r in rows}
    assert got == _recount()
    korrel = got[("2026-12", "Bakkerij De Korrel")]
    assert korrel[0] == 8500  # the known answer: November's billable hour at EUR 85
    assert korrel[1] > 0 and korrel[2] == 55000 + 12000  # its contract's periods so far, both bundles bought
    subtotals = {
        (f"{timezone.localtime(i.issued_at):%Y-%m}", i.customer.name): i.subtotal_cents
        for i in Invoice.objects.filter(number__isnull=False).select_related("customer")
    }
    assert {(r.month, r.name): r.total_cents for r in rows} == subtotals  # the parts make the subtotals
    assert [r.month for r in rows] == sorted(r.month for r in rows)


def test_a_credit_note_takes_its_revenue_back_in_its_month(sold):
    invoice = Invoice.objects.get(customer=sold.smile, number__isnull=False)
    invoice_credit(invoice=invoice, actor=factories.biller("b2"), reason="Fout", now=at("2027-01-05T10:00"))
    rows = revenue_report(period=year_period(2027), today=date(2027, 1, 31), customer_id=sold.smile.pk)
    assert [(r.month, r.total_cents) for r in rows] == [("2027-01", -invoice.subtotal_cents)]


def test_revenue_of_one_customer_holds_nothing_of_another(sold):
    rows = revenue_report(period=year_period(2026), today=TODAY, customer_id=sold.smile.pk)
    assert {r.customer_id for r in rows} == {sold.smile.pk}
    smile = Invoice.objects.filter(customer=sold.smile, number__isnull=False)
    assert sum(r.total_cents for r in rows) == sum(i.subtotal_cents for i in smile) > 0


def test_revenue_costs_a_fixed_number_of_queries(sold, django_assert_num_queries):
    with django_assert_num_queries(1):  # the lines of the documents, summed per month and customer
        revenue_report(period=year_period(2026), today=TODAY)


def test_prepaid_hours_of_a_month(sold):
    shown = prepaid_hours(customer_id=sold.korrel.pk, period=NOVEMBER, today=TODAY)
    assert [(p.bundle.hours, p.used_cents, p.left_cents, p.expired) for p in shown] == [
        (10, 8500, 60000 - 3000 - 8500, False)  # December's use is not November's; the 2024 bundle had expired
    ]
    assert shown[0].used_time == (1, 25) and shown[0].left_time == (8, 5)
    october = prepaid_hours(customer_id=sold.korrel.pk, period=month_period(2026, 10), today=TODAY)
    assert [(p.used_cents, p.left_cents) for p in october] == [(3000, 57000)]
    assert prepaid_hours(customer_id=sold.korrel.pk, period=month_period(2026, 9), today=TODAY) == []
    old = prepaid_hours(customer_id=sold.korrel.pk, period=month_period(2024, 6), today=TODAY)
    assert [(p.bundle.hours, p.left_cents, p.expired) for p in old] == [(2, 12000, False)]
    smile = prepaid_hours(customer_id=sold.smile.pk, period=NOVEMBER, today=TODAY)
    assert [p.bundle.customer_id for p in smile] == [sold.smile.pk]
    expires = PrepaidBundle.objects.get(customer=sold.smile).expires_on
    after = prepaid_hours(customer_id=sold.smile.pk, period=month_period(expires.year, expires.month), today=expires)
    assert [(p.left_cents, p.expired) for p in after] == [(0, True)]


def test_the_service_report_pdf_shows_the_prepaid_hours(sold, tmp_path):
    text = pdf_text(
        service_report_pdf(customer=sold.korrel, period=NOVEMBER, now=at("2026-12-01T10:00")), tmp_path, layout=True
    )
    assert "Strippenkaarten" in text and "10 uur van 1-10-2026" in text
    assert "1 u 25 min" in text and "8 u 05 min" in text and "1-10-2027" in text
    assert "2 uur van 5-1-2024" not in text and "5 uur van 10-2-2026" not in text  # expired; Smile's
    smile = pdf_text(
        service_report_pdf(customer=sold.smile, period=NOVEMBER, now=at("2026-12-01T10:00")), tmp_path, layout=True
    )
    assert "5 uur van 10-2-2026" in smile and "10 uur van 1-10-2026" not in smile


def test_the_portal_overview_shows_this_months_prepaid_hours(client, sold):
    today = timezone.localdate()
    bundle = contracts.bundle_sell(
        customer=sold.korrel, hours=3, price_cents=18000, base_rate_cents=6000, bought_on=today, actor=sold.agent
    )
    BundleDebit.objects.create(
        bundle=bundle, amount_cents=4500, paid_kind="time_entry", paid_id=1, description="#1", on=today, created_at=NOW
    )
    overview = customer_overview(customer_id=sold.korrel.pk, now=timezone.now())
    shown = {p.bundle.pk: (p.used_time, p.left_time) for p in overview.prepaid}
    assert shown[bundle.pk] == ((0, 45), (2, 15))
    assert {p.bundle.customer_id for p in overview.prepaid} == {sold.korrel.pk}
    portal_signed_in(client, sold.korrel.contacts.get(name="Anja"), sold.agent)
    html = client.get("/portal/overview/").content.decode()
    assert 'id="overview-prepaid"' in html and "0 u 45 min" in html and "2 u 15 min" in html
    assert "5 uur van" not in html  # Smile's bundle


def test_unbilled_work_follows_billing_and_credit_notes(sold):
    """The summary's unbilled minutes against a recount from the entries: after the run (in the fixture), after a
    credit note frees the work again, after new work."""
    assert unbilled_stored() == unbilled_recounted()
    assert sold.korrel.pk not in unbilled_stored()  # November's and October's work of De Korrel billed
    invoice = Invoice.objects.get(customer=sold.korrel, number__isnull=False)
    invoice_credit(invoice=invoice, actor=factories.biller("boek"), reason="Fout", now=at("2026-12-02T09:00"))
    assert unbilled_stored() == unbilled_recounted() and unbilled_stored()[sold.korrel.pk] > 0
    services.time_entry_add(
        ticket=sold.tickets["waiting"],
        agent=sold.agent,
        start=at("2026-12-02T10:00"),
        minutes=30,
        now=at("2026-12-02T11:00"),
    )
    assert unbilled_stored() == unbilled_recounted()
