"""Contract fees in the billing run (POLICY.md §9): billed in advance, pro-rated, once per period whatever runs
overlap, corrected when the contract changes after billing, cancelled by a credit note and billable again."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from servicedesk.billing.exports import invoice_csv
from servicedesk.billing.models import RECURRING_FEE, BillingRun, Invoice, InvoiceLine
from servicedesk.billing.services import (
    billing_basis,
    billing_run_confirm,
    billing_run_create,
    billing_run_draft,
    billing_run_preview,
    invoice_credit,
)
from servicedesk.billing.ubl import invoice_ubl
from servicedesk.contracts import services as contracts
from tests import factories
from tests.helpers import ubl_problems

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=AMS)


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def customer():
    made = factories.customer("Bakkerij De Korrel")
    made.street, made.postal_code, made.city = "Dorpsstraat 12", "3581 AB", "Utrecht"
    made.vat_number, made.billing_email = "NL123456789B01", "fin@korrel.example"
    made.save()
    return made


@pytest.fixture
def contract(customer, agent):
    """Monthly from 15 November 2026: ten workplaces at 20.00 each per month."""
    made = contracts.contract_create(
        customer=customer,
        name="Beheer",
        billing_period="month",
        start=date(2026, 11, 15),
        actor=agent,
        now=at(date(2026, 11, 1)),
    )
    contracts.line_add(
        contract=made,
        actor=agent,
        quantity=10,
        unit_price_cents=2000,
        description="Werkplekbeheer",
        now=at(date(2026, 11, 1)),
    )
    return made


def month_run(agent, first: date, last: date, *, now: datetime, customers=()) -> BillingRun:
    return billing_run_create(actor=agent, period_start=first, period_end=last, customers=customers, now=now)


def fee_lines(invoice: Invoice) -> list[tuple]:
    return list(
        invoice.lines.filter(kind=RECURRING_FEE)
        .order_by("period_start", "id")
        .values_list("period_start", "amount_cents", "corrects_id", "late")
    )


NOV = (date(2026, 11, 1), date(2026, 11, 30))
DEC = (date(2026, 12, 1), date(2026, 12, 31))
JAN = (date(2027, 1, 1), date(2027, 1, 31))


def test_a_run_bills_the_partial_first_period_and_the_next_in_advance(agent, contract):
    (invoice,) = billing_run_confirm(
        month_run(agent, *NOV, now=at(date(2026, 12, 1))), actor=agent, now=at(date(2026, 12, 1))
    )
    # 15..30 November: 16 of 30 days of 10 x 20.00 = 106.666… -> 106.67; December in advance, whole.
    assert fee_lines(invoice) == [(date(2026, 11, 1), 10667, None, False), (date(2026, 12, 1), 20000, None, False)]
    assert invoice.subtotal_cents == 30667
    assert invoice.number
    line = invoice.lines.get(period_start=date(2026, 11, 1))
    assert line.ticket_id is None and line.contract_line_id is not None and line.claims_period
    assert line.period_end == date(2026, 11, 30) and line.unit_price_cents == 2000
    assert line.text == "Werkplekbeheer: 10 \u00d7 16/30 dagen à € 20,00 per maand, 01-11-2026 t/m 30-11-2026"
    assert invoice.lines.get(period_start=date(2026, 12, 1)).text == (
        "Werkplekbeheer: 10 \u00d7 € 20,00 per maand, 01-12-2026 t/m 31-12-2026"
    )


def test_a_repeated_or_overlapping_run_bills_no_period_twice(agent, contract):
    billing_run_confirm(month_run(agent, *NOV, now=at(date(2026, 12, 1))), actor=agent, now=at(date(2026, 12, 1)))
    again = month_run(agent, *NOV, now=at(date(2026, 12, 2)))
    assert billing_run_preview(again) == []
    assert billing_run_confirm(again, actor=agent, now=at(date(2026, 12, 2))) == []
    # A run over November and December bills January only.
    (invoice,) = billing_run_confirm(
        month_run(agent, NOV[0], DEC[1], now=at(date(2027, 1, 1))), actor=agent, now=at(date(2027, 1, 1))
    )
    assert fee_lines(invoice) == [(date(2027, 1, 1), 20000, None, False)]
    assert InvoiceLine.objects.filter(kind=RECURRING_FEE).count() == 3


def test_overlapping_runs_drafted_at_once_bill_a_period_once_and_a_stale_confirmation_is_refused(agent, contract):
    first = month_run(agent, *NOV, now=at(date(2026, 12, 1)))
    second = month_run(agent, NOV[0], DEC[0], now=at(date(2026, 12, 1)))
    billing_run_draft(second, now=at(date(2026, 12, 1)))
    assert Invoice.with_drafts.get(run=second).lines.filter(kind=RECURRING_FEE).count() == 2
    billing_run_confirm(first, actor=agent, now=at(date(2026, 12, 1)))
    # The second run's drafts still bill November and December. Were they taken as they are (as if nothing they
    # depend on had changed), the periods the first run claimed refuse the confirmation, and nothing is written.
    stale = BillingRun.objects.get(pk=second.pk).drafted_from
    BillingRun.objects.filter(pk=second.pk).update(drafted_from=billing_basis(second))
    with pytest.raises(ValidationError, match="door een andere run gefactureerd"):
        billing_run_confirm(second, actor=agent, now=at(date(2026, 12, 2)))
    second.refresh_from_db()
    assert second.status == BillingRun.Status.DRAFT
    assert not Invoice.objects.filter(run=second).exists()
    assert InvoiceLine.objects.filter(claims_period=True, invoice__run=first).count() == 2
    # As it is (its drafts priced before the first run was confirmed): priced afresh, the periods are skipped.
    BillingRun.objects.filter(pk=second.pk).update(drafted_from=stale)
    assert billing_run_confirm(second, actor=agent, now=at(date(2026, 12, 2))) == []
    assert InvoiceLine.objects.on_documents().filter(kind=RECURRING_FEE).count() == 2


def test_the_database_refuses_a_second_claim_and_a_line_billing_nothing_whole(agent, contract):
    billing_run_confirm(month_run(agent, *NOV, now=at(date(2026, 12, 1))), actor=agent, now=at(date(2026, 12, 1)))
    claimed = InvoiceLine.objects.filter(claims_period=True).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(
            invoice=claimed.invoice,
            contract_line=claimed.contract_line,
            period_start=claimed.period_start,
            period_end=claimed.period_end,
            kind=RECURRING_FEE,
            billed_minutes=0,
            amount_cents=1,
            claims_period=True,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(  # a fee line without its period
            invoice=claimed.invoice,
            contract_line=claimed.contract_line,
            kind=RECURRING_FEE,
            billed_minutes=0,
            amount_cents=1,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.create(  # nothing billed at all
            invoice=claimed.invoice, kind="work", billed_minutes=0, amount_cents=1
        )


def test_a_backdated_quantity_and_an_earlier_end_are_corrected_in_the_next_run(agent, contract):
    billing_run_confirm(month_run(agent, *NOV, now=at(date(2026, 12, 1))), actor=agent, now=at(date(2026, 12, 1)))
    line = contract.lines.get()
    first_december = InvoiceLine.objects.get(period_start=date(2026, 12, 1), claims_period=True)
    # Twelve from 11 December (changed on the 10th, counts from the next day), after December was billed.
    contracts.line_quantity_change(line=line, quantity=12, actor=agent, reason="twee erbij", now=at(date(2026, 12, 10)))
    (invoice,) = billing_run_confirm(
        month_run(agent, *DEC, now=at(date(2027, 1, 1))), actor=agent, now=at(date(2027, 1, 1))
    )
    # December: 10 x 10/31 + 12 x 21/31 of 20.00 = 227.096… -> 227.10; 200.00 billed: 27.10 more. January: 240.00.
    assert fee_lines(invoice) == [
        (date(2026, 12, 1), 2710, first_december.pk, False),
        (date(2027, 1, 1), 24000, None, False),
    ]
    correction = invoice.lines.get(corrects__isnull=False)
    assert correction.text.startswith("Correctie: Werkplekbeheer: 10 \u00d7 10/31 dagen, 12 \u00d7 21/31 dagen")
    assert not correction.claims_period
    # The contract ends on 15 January, after January was billed whole: 15/31 of 240.00 = 116.13, so -123.87.
    contracts.contract_end(contract=contract, end=date(2027, 1, 15), actor=agent, now=at(date(2027, 1, 5)))
    (invoice,) = billing_run_confirm(
        month_run(agent, *JAN, now=at(date(2027, 2, 1))), actor=agent, now=at(date(2027, 2, 1))
    )
    january = InvoiceLine.objects.get(period_start=date(2027, 1, 1), claims_period=True)
    assert fee_lines(invoice) == [(date(2027, 1, 1), -12387, january.pk, False)]
    # Nothing changed since: the next run bills nothing.
    assert billing_run_preview(month_run(agent, date(2027, 2, 1), date(2027, 2, 28), now=at(date(2027, 3, 1)))) == []


def test_a_credit_note_cancels_the_fees_and_the_periods_are_billed_again(agent, contract):
    (invoice,) = billing_run_confirm(
        month_run(agent, *NOV, now=at(date(2026, 12, 1))), actor=agent, now=at(date(2026, 12, 1))
    )
    credit = invoice_credit(invoice=invoice, actor=agent, reason="verkeerde prijs", now=at(date(2026, 12, 3)))
    assert sorted(credit.lines.values_list("amount_cents", flat=True)) == [-20000, -10667]
    assert set(credit.lines.values_list("kind", flat=True)) == {RECURRING_FEE}
    assert not InvoiceLine.objects.filter(claims_period=True).exists()
    (again,) = billing_run_confirm(
        month_run(agent, *NOV, now=at(date(2026, 12, 4))), actor=agent, now=at(date(2026, 12, 4))
    )
    assert fee_lines(again) == [(date(2026, 11, 1), 10667, None, False), (date(2026, 12, 1), 20000, None, False)]


def test_a_contract_change_makes_the_drafts_stale(agent, contract):
    run = month_run(agent, *NOV, now=at(date(2026, 12, 1)))
    billing_run_draft(run, now=at(date(2026, 12, 1)))
    run.refresh_from_db()
    assert run.drafted_from == billing_basis(run)
    contracts.line_quantity_change(line=contract.lines.get(), quantity=11, actor=agent, now=at(date(2026, 11, 20)))
    assert run.drafted_from != billing_basis(run)
    (invoice,) = billing_run_confirm(run, actor=agent, now=at(date(2026, 12, 1)))
    # 15..20 November at 10, 21..30 at 11: (60 + 110) x 20.00 / 30 = 113.333… -> 113.33; December at 11: 220.00.
    assert fee_lines(invoice) == [(date(2026, 11, 1), 11333, None, False), (date(2026, 12, 1), 22000, None, False)]


def test_a_late_period_is_marked_late(agent, customer):
    made = contracts.contract_create(
        customer=customer,
        name="Oud",
        billing_period="quarter",
        start=date(2026, 4, 1),
        actor=agent,
        now=at(date(2026, 3, 1)),
    )
    contracts.line_add(
        contract=made, actor=agent, quantity=1, unit_price_cents=30000, description="Back-up", now=at(date(2026, 3, 1))
    )
    (invoice,) = billing_run_confirm(
        month_run(agent, *NOV, now=at(date(2026, 12, 1))), actor=agent, now=at(date(2026, 12, 1))
    )
    assert fee_lines(invoice) == [
        (date(2026, 4, 1), 30000, None, True),
        (date(2026, 7, 1), 30000, None, True),
        (date(2026, 10, 1), 30000, None, False),
    ]


def test_the_files_show_the_fees(agent, contract):
    (invoice,) = billing_run_confirm(
        month_run(agent, *NOV, now=at(date(2026, 12, 1))), actor=agent, now=at(date(2026, 12, 1))
    )
    rows = list(csv.reader(io.StringIO(invoice_csv(invoice).decode("utf-8-sig")), delimiter=";"))
    header, fee = rows[0], rows[1]
    assert header[-3:] == ["periode van", "periode tot en met", "stukprijs per periode"]
    assert fee[header.index("ticket")] == ""
    assert fee[header.index("soort")] == RECURRING_FEE
    assert fee[header.index("omschrijving")].startswith("Werkplekbeheer: 10 \u00d7 16/30 dagen")
    assert fee[-3:] == ["2026-11-01", "2026-11-30", "20,00"]
    assert fee[header.index("bedrag")] == "106,67"
    xml = invoice_ubl(invoice)
    problems = ubl_problems(xml)
    assert problems == [], problems
    root = ET.fromstring(xml)
    ns = {
        "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
        "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    }
    lines = root.findall("cac:InvoiceLine", ns)
    assert [line.find("cac:InvoicePeriod/cbc:StartDate", ns).text for line in lines] == ["2026-11-01", "2026-12-01"]
    assert lines[0].find("cac:Item/cbc:Name", ns).text == "Werkplekbeheer"
    assert lines[0].find("cac:Item/cac:SellersItemIdentification/cbc:ID", ns).text.startswith("contract-line-")


def test_the_pdf_has_a_section_of_recurring_fees_and_the_desk_preview_lists_them(agent, contract, tmp_path, client):
    import subprocess

    from servicedesk.billing.pdf import invoice_pdf

    run = month_run(agent, *NOV, now=at(date(2026, 12, 1)))
    client.force_login(factories.biller("fatima"))
    detail = client.get(f"/desk/billing/runs/{run.pk}/", {"customer": contract.customer_id}).content.decode()
    assert "Werkplekbeheer: 10 × 16/30 dagen" in detail and "01-11-2026 – 30-11-2026" in detail
    (invoice,) = billing_run_confirm(run, actor=agent, now=at(date(2026, 12, 1)))
    assert (
        "Werkplekbeheer: 10 × € 20,00 per maand" in client.get(f"/desk/billing/invoices/{invoice.pk}/").content.decode()
    )
    pdf = tmp_path / "factuur.pdf"
    pdf.write_bytes(invoice_pdf(invoice))
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Vaste maandbedragen" in text
    assert "01-11-2026 t/m 30-11-2026" in text and "106,67" in text and "200,00" in text
    assert "Werkzaamheden" not in text  # no ticket lines: no empty table of work
