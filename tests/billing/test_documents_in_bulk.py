"""A run's documents are written in bulk (the drafts of a chunk's new customers in one INSERT, their figures and
the confirmation's numbers in batches): numbers stay gapless and in customer order however many documents and
batches, a draft is made only for a customer with lines, and the statements do not grow with the customers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.billing import services as billing
from servicedesk.billing import specification
from servicedesk.billing.models import BillingRun, Invoice, InvoiceLine, InvoiceSequence
from servicedesk.billing.services import billing_run_confirm, billing_run_create, billing_run_draft, invoice_credit
from servicedesk.contracts import services as contracts
from servicedesk.core.sequences import lock_year, next_in_year, take_in_year
from servicedesk.tickets import services
from tests import factories
from tests.helpers import local as at

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
NOV = (date(2026, 11, 1), date(2026, 11, 30))
NOW = datetime(2026, 12, 2, 10, tzinfo=AMS)


@pytest.fixture
def agent():
    return factories.agent("anouk")


def worked(customer, agent, minutes: int, start: str = "2026-11-24T10:00"):
    """A ticket of the customer with one entry of work (4 minutes or less: free, fair use)."""
    reporter = factories.contact(customer, main=True)
    ticket = services.ticket_create(
        reporter=reporter, subject="werk", body="", channel="email", support_type="functional", now=at(start)
    )
    services.time_entry_add(ticket=ticket, agent=agent, start=at(start), minutes=minutes, now=at(start))
    return ticket


def with_contract(customer, agent, start: date = date(2026, 11, 1)):
    contract = contracts.contract_create(
        customer=customer, name="Beheer", billing_period="month", start=start, actor=agent, now=at("2026-10-20T10:00")
    )
    contracts.line_add(
        contract=contract,
        actor=agent,
        quantity=3,
        unit_price_cents=2500,
        description="Werkplek",
        now=at("2026-10-20T10:00"),
    )
    return contract


def new_run(agent, customers=(), period=NOV, now=NOW) -> BillingRun:
    return billing_run_create(actor=agent, period_start=period[0], period_end=period[1], customers=customers, now=now)


def assert_numbered_in_customer_order(invoices: list[Invoice], first: int, now: datetime) -> None:
    """The documents billing anything carry the numbers from `first` on, one after another in customer order;
    the others none; the database says what the returned documents say."""
    ordered = sorted(invoices, key=lambda invoice: invoice.customer_id)
    numbered = [invoice for invoice in ordered if invoice.subtotal_cents != 0]
    assert [invoice.number for invoice in numbered] == [f"2026-{n:05d}" for n in range(first, first + len(numbered))]
    assert all(invoice.status == Invoice.Status.ISSUED for invoice in numbered)
    rest = [invoice for invoice in ordered if invoice.subtotal_cents == 0]
    assert all(invoice.number is None and invoice.status == Invoice.Status.SPECIFICATION for invoice in rest)
    stored = {
        pk: (number, status, issued_at)
        for pk, number, status, issued_at in Invoice.with_drafts.filter(pk__in=[i.pk for i in invoices]).values_list(
            "pk", "number", "status", "issued_at"
        )
    }
    assert stored == {invoice.pk: (invoice.number, invoice.status, now) for invoice in invoices}
    assert InvoiceSequence.objects.get(year=2026).last == first + len(numbered) - 1


@pytest.mark.parametrize("drafted", [True, False], ids=["drafts numbered", "priced at the confirmation"])
def test_many_documents_are_numbered_gapless_in_customer_order_across_batches(agent, monkeypatch, drafted):
    first_customer = factories.customer("Eerste")
    worked(first_customer, agent, 50)
    (earlier,) = billing_run_confirm(new_run(agent, customers=[first_customer]), actor=agent, now=NOW)
    assert earlier.number == "2026-00001"
    customers = [factories.customer(f"Klant {n:02d}") for n in range(16)]
    # Tickets made last customer first: the documents are made in ticket order, against customer order.
    for n, customer in reversed(list(enumerate(customers))):
        if n % 4 == 3:
            with_contract(customer, agent)  # fees only: its document is made after all tickets
        else:
            worked(customer, agent, 4 if n % 3 == 1 else 50)  # every third only free work: nothing to pay
    monkeypatch.setattr(specification, "TICKET_CHUNK", 2)  # many chunks, each bringing new customers
    monkeypatch.setattr(billing, "DOCUMENT_BATCH", 3)  # many batches of figures and of numbers
    run = new_run(agent)
    if drafted:
        figures = billing_run_draft(run, now=NOW)
        drafts = list(Invoice.with_drafts.filter(run=run).order_by("customer_id"))
        assert [(d.customer_id, d.subtotal_cents) for d in drafts] == [
            (f.customer_id, f.subtotal_cents) for f in figures
        ]
        assert all(d.total_cents == d.subtotal_cents + d.vat_cents for d in drafts)
        assert sorted(d.pk for d in drafts) != [d.pk for d in drafts]  # made in ticket order indeed
    invoices = billing_run_confirm(run, actor=agent, now=NOW)
    assert sorted(invoice.customer_id for invoice in invoices) == [customer.pk for customer in customers]
    assert len([invoice for invoice in invoices if invoice.subtotal_cents == 0]) == 4
    assert_numbered_in_customer_order(invoices, 2, NOW)
    # The next number given (a credit note's) follows the block.
    last = max(invoice.number for invoice in invoices if invoice.number)
    credit = invoice_credit(invoice=earlier, actor=agent, reason="dubbel", now=NOW)
    assert last == "2026-00013" and credit.number == "2026-00014"


def test_a_run_bills_the_numbers_the_year_has_left_off_after_a_credit_note(agent):
    customers = [factories.customer(f"Klant {n}") for n in range(3)]
    for customer in customers:
        worked(customer, agent, 50)
    first = billing_run_confirm(new_run(agent, customers=customers[:1]), actor=agent, now=NOW)
    invoice_credit(invoice=first[0], actor=agent, reason="fout", now=NOW)  # takes 2026-00002
    invoices = billing_run_confirm(new_run(agent, customers=customers), actor=agent, now=NOW)
    assert_numbered_in_customer_order(invoices, 3, NOW)


def test_a_draft_is_made_only_for_a_customer_with_lines(agent):
    billed = factories.customer("Werk")
    worked(billed, agent, 50)
    nothing = factories.customer("Niets")
    later = factories.customer("Later")
    worked(later, agent, 50, start="2026-12-03T10:00")  # after the period
    fees_billed = factories.customer("Contract")
    with_contract(fees_billed, agent)
    (fees,) = billing_run_confirm(new_run(agent, customers=[fees_billed]), actor=agent, now=NOW)
    assert fees.lines.count() == 2  # November and December (in advance): nothing left for another run
    not_yet = factories.customer("Contract vanaf maart")
    with_contract(not_yet, agent, start=date(2027, 3, 1))
    run = new_run(agent)
    figures = billing_run_draft(run, now=NOW)
    assert [summary.customer_id for summary in figures] == [billed.pk]
    (draft,) = Invoice.with_drafts.filter(run=run)
    assert draft.customer_id == billed.pk and draft.lines.exists()
    (invoice,) = billing_run_confirm(run, actor=agent, now=NOW)
    assert invoice.pk == draft.pk and invoice.number == "2026-00002"
    assert not Invoice.with_drafts.filter(customer__in=[nothing, later, not_yet]).exists()


def test_the_statements_of_a_run_do_not_grow_with_its_customers(agent):
    """Drafts, figures and numbers written in bulk: a run over nine customers takes as many statements as one
    over three (customers with fees only: a customer's tickets take a query of its own for its policy)."""
    warm_up = factories.customer("Eerste")
    with_contract(warm_up, agent)
    billing_run_confirm(new_run(agent, customers=[warm_up]), actor=agent, now=NOW)  # the year's sequence exists
    counts = []
    for size in (3, 9):
        customers = [factories.customer(f"Klant {size}-{n}") for n in range(size)]
        for customer in customers:
            with_contract(customer, agent)
        run = new_run(agent, customers=customers)
        with CaptureQueriesContext(connection) as drafting:
            billing_run_draft(run, now=NOW)
        with CaptureQueriesContext(connection) as confirming:
            invoices = billing_run_confirm(run, actor=agent, now=NOW)
        assert len(invoices) == size and all(invoice.number for invoice in invoices)
        counts.append((len(drafting), len(confirming)))
    assert counts[0] == counts[1]
    assert InvoiceLine.objects.filter(invoice__run__status=BillingRun.Status.CONFIRMED).count() == 2 * 13


def test_a_block_of_numbers_follows_the_last_number_given():
    lock_year(InvoiceSequence, 2031)
    assert next_in_year(InvoiceSequence, 2031) == 1
    assert take_in_year(InvoiceSequence, 2031, 5) == 2  # 2 to 6
    assert take_in_year(InvoiceSequence, 2031, 0) == 7  # nothing taken
    assert next_in_year(InvoiceSequence, 2031) == 7
    assert InvoiceSequence.objects.get(year=2031).last == 7
    with pytest.raises(ValueError):
        take_in_year(InvoiceSequence, 2031, -1)
