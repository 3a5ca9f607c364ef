"""Prepaid hours in the billing run (POLICY.md §9): the purchase billed once, billable lines paid from the bundles
oldest first at confirmation (a preview debits nothing), the rest invoiced, a credit note giving the value back;
as a property over any work and bundles: paid + invoiced = list price, no bundle below zero, a repeat changes
nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicedesk.billing.models import BUNDLE_PURCHASE, Invoice, InvoiceLine
from servicedesk.billing.services import billing_run_confirm, billing_run_create, billing_run_draft, invoice_credit
from servicedesk.billing.specification import vat_on
from servicedesk.billing.ubl import invoice_ubl
from servicedesk.contracts.models import BundleDebit
from servicedesk.contracts.services import bundle_sell
from servicedesk.tickets import services
from tests import factories
from tests.helpers import portal_signed_in, ubl_problems

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
NOV = (date(2026, 11, 1), date(2026, 11, 30))
CONFIRMED = datetime(2026, 12, 1, 10, tzinfo=AMS)
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def customer():
    return factories.invoiced_customer()


@pytest.fixture
def reporter(customer):
    return factories.contact(customer, "Anja", main=True, email="anja@korrel.example")


def worked(reporter, agent, start: datetime, minutes: int, *, support_type: str = "functional"):
    """A ticket reported at `start` with one entry of work then; returns the ticket."""
    ticket = services.ticket_create(
        reporter=reporter,
        subject=f"Werk {start:%d %H:%M}",
        body="",
        channel="email",
        support_type=support_type,
        priority="standard",
        now=start,
    )
    services.time_entry_add(
        ticket=ticket, agent=agent, start=start, minutes=minutes, kind="work", description="werk", now=start
    )
    return ticket


def confirm(agent, period=NOV, now=CONFIRMED) -> list[Invoice]:
    run = billing_run_create(actor=agent, period_start=period[0], period_end=period[1], now=now)
    return billing_run_confirm(run, actor=agent, now=now)


def paid_of(invoice: Invoice) -> list[tuple[int, int]]:
    return list(
        invoice.lines.exclude(kind=BUNDLE_PURCHASE)
        .order_by("time_entry__start")
        .values_list("amount_cents", "prepaid_cents")
    )


def test_lines_are_paid_oldest_bundle_first_split_where_one_runs_out_and_the_rest_invoiced(agent, customer, reporter):
    older = bundle_sell(customer=customer, hours=1, price_cents=6000, actor=agent, bought_on=date(2026, 10, 1))
    newer = bundle_sell(customer=customer, hours=1, price_cents=6000, actor=agent, bought_on=date(2026, 11, 2))
    worked(reporter, agent, datetime(2026, 11, 3, 10, tzinfo=AMS), 60)  # 65.00
    worked(reporter, agent, datetime(2026, 11, 4, 10, tzinfo=AMS), 120)  # 130.00
    (invoice,) = confirm(agent)
    # 65.00 from the older; 130.00: 0 left of the older, 65.00 of the newer, 65.00 invoiced.
    assert paid_of(invoice) == [(6500, 6500), (13000, 6500)]
    debits = list(BundleDebit.objects.order_by("id").values_list("bundle_id", "amount_cents", "on"))
    assert debits == [(older.pk, 6500, date(2026, 11, 3)), (newer.pk, 6500, date(2026, 11, 4))]
    # The purchases are billed with it (the older one late), once; the bundles' value is left out of what to pay.
    purchases = invoice.lines.filter(kind=BUNDLE_PURCHASE).order_by("bundle_id")
    assert [(p.bundle_id, p.amount_cents, p.late, p.claims) for p in purchases] == [
        (older.pk, 6000, True, True),
        (newer.pk, 6000, False, True),
    ]
    assert (
        purchases[0].text == "Strippenkaart 1 uur à € 65,00 (waarde € 65,00), gekocht 01-10-2026, geldig t/m 30-09-2027"
    )
    assert invoice.subtotal_cents == 6500 + 13000 + 12000
    assert (invoice.prepaid_cents, invoice.prepaid_vat_cents) == (13000, 2730)
    assert invoice.payable_cents == invoice.total_cents - 13000 - 2730 == (6500 + 12000) * 121 // 100
    # A run again pays and bills nothing more.
    later = datetime(2026, 12, 2, 10, tzinfo=AMS)
    assert confirm(agent, now=later) == []
    assert BundleDebit.objects.count() == 2


def test_an_evening_hour_uses_more_of_a_bundle_and_free_work_uses_nothing(agent, customer, reporter):
    bundle_sell(customer=customer, hours=2, price_cents=12000, actor=agent, bought_on=date(2026, 11, 1))
    evening = worked(reporter, agent, datetime(2026, 11, 3, 19, tzinfo=AMS), 60, support_type="unmanaged")
    (invoice,) = confirm(agent)
    line = invoice.lines.get(ticket=evening)
    assert line.amount_cents == 8500 and line.prepaid_cents == 8500  # 85/65 of a bundle hour
    assert BundleDebit.objects.aggregate(used=Sum("amount_cents"))["used"] == 8500
    free = InvoiceLine.objects.filter(free_reason__gt="")
    assert not free.filter(prepaid_cents__gt=0).exists()


def test_a_preview_shows_what_bundles_pay_and_debits_nothing(agent, customer, reporter, client):
    bundle_sell(customer=customer, hours=1, price_cents=6000, actor=agent, bought_on=date(2026, 11, 1))
    worked(reporter, agent, datetime(2026, 11, 3, 10, tzinfo=AMS), 120)
    run = billing_run_create(actor=agent, period_start=NOV[0], period_end=NOV[1], now=CONFIRMED)
    (summary,) = billing_run_draft(run, now=CONFIRMED)
    assert summary.prepaid_cents == 6500
    draft = Invoice.with_drafts.get(run=run)
    assert draft.prepaid_cents == 6500 and not BundleDebit.objects.exists()
    # The customer's lines in the desk's preview say what the bundle would pay of each.
    client.force_login(factories.biller("fatima"))
    page = client.get(f"/desk/billing/runs/{run.pk}/?customer={customer.pk}").content.decode()
    assert "Betaald uit strippenkaart" in page
    assert '<td class="num">€\xa0130,00</td><td class="num prepaid">€\xa065,00</td>' in page
    (invoice,) = billing_run_confirm(run, actor=agent, now=CONFIRMED)
    assert invoice.pk == draft.pk and invoice.prepaid_cents == 6500
    assert BundleDebit.objects.get().amount_cents == 6500


def test_the_ubl_deducts_the_prepaid_part_and_passes_the_rules(agent, customer, reporter):
    bundle_sell(customer=customer, hours=1, price_cents=6000, actor=agent, bought_on=date(2026, 11, 1))
    worked(reporter, agent, datetime(2026, 11, 3, 10, tzinfo=AMS), 120)
    (invoice,) = confirm(agent)
    xml = invoice_ubl(invoice)
    problems = ubl_problems(xml)
    assert problems == [], problems
    totals = ET.fromstring(xml).find("cac:LegalMonetaryTotal", NS)
    assert totals.findtext("cbc:TaxInclusiveAmount", namespaces=NS) == f"{Decimal(invoice.total_cents) / 100:.2f}"
    assert totals.findtext("cbc:PrepaidAmount", namespaces=NS) == "78.65"  # 65.00 + 21 % VAT
    assert totals.findtext("cbc:PayableAmount", namespaces=NS) == f"{Decimal(invoice.payable_cents) / 100:.2f}"


def test_a_credit_note_gives_the_value_back_and_the_purchase_may_be_billed_again(agent, customer, reporter):
    bundle = bundle_sell(customer=customer, hours=1, price_cents=6000, actor=agent, bought_on=date(2026, 11, 1))
    worked(reporter, agent, datetime(2026, 11, 3, 10, tzinfo=AMS), 60)
    (invoice,) = confirm(agent)
    credit = invoice_credit(invoice=invoice, actor=agent, reason="dubbel", now=datetime(2026, 12, 3, 10, tzinfo=AMS))
    assert credit.prepaid_cents == -6500
    assert BundleDebit.objects.filter(bundle=bundle).aggregate(used=Sum("amount_cents"))["used"] == 0
    (again,) = confirm(agent, now=datetime(2026, 12, 4, 10, tzinfo=AMS))
    assert again.prepaid_cents == 6500
    assert again.lines.filter(kind=BUNDLE_PURCHASE, claims=True).count() == 1


START = datetime(2026, 11, 2, 8, tzinfo=AMS)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    work=st.lists(
        st.tuples(
            st.integers(0, 27),
            st.integers(6, 22),
            st.sampled_from([10, 30, 45, 60, 90, 150]),
            st.sampled_from(["functional", "unmanaged"]),
        ),
        min_size=1,
        max_size=6,
    ),
    bundles=st.lists(st.tuples(st.integers(0, 20), st.integers(1, 3)), min_size=1, max_size=3),
)
def test_bundles_paid_plus_invoiced_is_the_list_price_and_no_bundle_goes_below_zero(agent, work, bundles):
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        customer = factories.customer("Bakkerij De Korrel")
        reporter = factories.contact(customer, "Anja", main=True)
        sold = [
            bundle_sell(
                customer=customer,
                hours=hours,
                price_cents=hours * 6000,
                actor=agent,
                bought_on=date(2026, 11, 1) + timedelta(days=day),
            )
            for day, hours in bundles
        ]
        for day, hour, minutes, support_type in work:
            worked(reporter, agent, START + timedelta(days=day, hours=hour - 8), minutes, support_type=support_type)
        (invoice,) = confirm(agent)
        lines = list(invoice.lines.exclude(kind=BUNDLE_PURCHASE))
        list_price = sum(line.amount_cents for line in lines)
        invoiced = sum(line.amount_cents - line.prepaid_cents for line in lines)
        debited = BundleDebit.objects.filter(bundle__in=sold).aggregate(paid=Sum("amount_cents"))["paid"] or 0
        assert debited + invoiced == list_price
        assert debited == invoice.prepaid_cents == sum(line.prepaid_cents for line in lines)
        assert invoice.prepaid_vat_cents == vat_on(debited, invoice.vat_percent)
        for line in lines:
            assert 0 <= line.prepaid_cents <= max(line.amount_cents, 0)
        for bundle in sold:
            used = bundle.debits.aggregate(used=Sum("amount_cents"))["used"] or 0
            assert 0 <= used <= bundle.value_cents
        # Nothing was left unpaid while a bundle valid on its day still had value.
        for line in lines:
            if line.prepaid_cents < line.amount_cents:
                day = line.time_entry.start.astimezone(AMS).date()
                for bundle in sold:
                    if bundle.bought_on <= day:
                        assert (bundle.debits.aggregate(used=Sum("amount_cents"))["used"] or 0) == bundle.value_cents
        before = list(BundleDebit.objects.order_by("id").values_list("pk", "amount_cents"))
        assert confirm(agent, now=datetime(2026, 12, 2, 10, tzinfo=AMS)) == []
        assert list(BundleDebit.objects.order_by("id").values_list("pk", "amount_cents")) == before
        raise Rollback


def test_the_pdf_and_csv_show_what_bundles_paid_and_each_bundles_balance_before_and_after(
    agent, customer, reporter, tmp_path, client
):
    import csv
    import io
    import subprocess

    from servicedesk.billing.exports import invoice_csv
    from servicedesk.billing.pdf import invoice_pdf

    bundle_sell(customer=customer, hours=2, price_cents=12000, actor=agent, bought_on=date(2026, 11, 1))
    worked(reporter, agent, datetime(2026, 11, 3, 10, tzinfo=AMS), 60)
    confirm(agent)
    worked(reporter, agent, datetime(2026, 12, 3, 10, tzinfo=AMS), 120)  # 130.00: 65.00 left to pay it
    (invoice,) = confirm(agent, (date(2026, 12, 1), date(2026, 12, 31)), datetime(2027, 1, 4, 10, tzinfo=AMS))
    rows = list(csv.reader(io.StringIO(invoice_csv(invoice).decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[-1] == "betaald uit strippenkaart"
    assert rows[1][header.index("bedrag")] == "130,00" and rows[1][-1] == "65,00"
    assert ["betaald uit strippenkaart incl. btw", *[""] * 10, "78,65"] in rows
    assert ["te betalen", *[""] * 10, "78,65"] in rows  # 157.30 - 78.65
    assert [
        "strippenkaart 2 uur van 2026-11-01",
        "saldo vooraf",
        "65,00",
        "gebruikt",
        "65,00",
        "saldo na",
        "0,00",
    ] in rows
    pdf = tmp_path / "factuur.pdf"
    pdf.write_bytes(invoice_pdf(invoice))
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Uit strippenkaart" in text and "Strippenkaarten" in text
    assert "Betaald uit strippenkaart (incl. btw) € 78,65" in text and "Te betalen € 78,65" in text
    assert "2 uur, gekocht 01-11-2026, vervalt op 01-11-2027 € 65,00 € 65,00 € 0,00" in text
    assert "€ 130,00 € 65,00" in text  # the line's amount and what the bundle paid of it
    client.force_login(factories.biller("fatima"))
    page = client.get(f"/desk/billing/invoices/{invoice.pk}/").content.decode()
    assert 'id="invoice-payable">€\xa078,65<' in page and "Betaald uit strippenkaart (incl. btw)" in page
    # The customer's invoice list says what is left to pay, next to the total and what the prepaid hours paid.
    client.logout()
    portal_signed_in(client, reporter, agent)
    listed = client.get("/portal/invoices/").content.decode()
    assert f'id="payable-{invoice.pk}">€\xa078,65<' in listed and "€\xa0157,30" in listed
    assert "Betaald uit strippenkaart" in listed and "Te betalen" in listed
    from servicedesk.billing.services import invoice_send

    mailed = invoice_send(invoice=invoice, actor=agent, now=datetime(2027, 1, 4, 11, tzinfo=AMS))
    assert "waarvan €\xa078,65 betaald uit uw strippenkaart; te betalen: €\xa078,65 binnen 14 dagen." in mailed.body
