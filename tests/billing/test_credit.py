"""Crediting an issued invoice: a credit note with the next number that cancels every line, the invoice
marked credited, its work billed afresh in the next run; in the desk, in the PDF and as UBL."""

from __future__ import annotations

import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from servicedesk.billing.exports import invoice_csv
from servicedesk.billing.models import Invoice, InvoiceLine, KeptFacts
from servicedesk.billing.selectors import document_lines
from servicedesk.billing.services import billing_run_confirm, billing_run_create, invoice_credit
from servicedesk.billing.ubl import invoice_ubl
from servicedesk.tickets import services
from servicedesk.tickets.models import TimeEntry
from tests import factories
from tests.helpers import ubl_problems as problems

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
DECEMBER = datetime(2026, 12, 2, 10, tzinfo=AMS)


@pytest.fixture
def biller():
    return factories.biller()


@pytest.fixture
def tickets(biller):
    customer = factories.customer("Bakkerij De Korrel")
    customer.street, customer.postal_code, customer.city = "Dorpsstraat 12", "3581 AB", "Utrecht"
    customer.vat_number = "NL123456789B01"
    customer.save()
    contact = factories.contact(customer, "Anja", main=True)
    made = []
    for subject, channel, minutes in (("Printer", "email", 50), ("Wachtwoord", "phone", 20)):
        ticket = services.ticket_create(
            reporter=contact,
            subject=subject,
            body="",
            channel=channel,
            support_type="unmanaged",
            now=datetime(2026, 11, 23, 9, tzinfo=AMS),
        )
        start = datetime(2026, 11, 24, 10, tzinfo=AMS)
        services.time_entry_add(ticket=ticket, agent=biller, start=start, minutes=minutes, now=start)
        made.append(ticket)
    return made


def confirm(biller, period=(date(2026, 11, 1), date(2026, 11, 30)), now=DECEMBER):
    run = billing_run_create(actor=biller, period_start=period[0], period_end=period[1], now=now)
    return billing_run_confirm(run, actor=biller, now=now)


def test_a_credit_note_cancels_the_invoice_and_its_work_is_billed_again(biller, tickets):
    (invoice,) = confirm(biller)
    assert invoice.number == "2026-00001" and invoice.total_cents > 0
    with pytest.raises(ValidationError, match="waarom"):
        invoice_credit(invoice=invoice, actor=biller, reason="  ", now=DECEMBER)

    credit = invoice_credit(invoice=invoice, actor=biller, reason="Verkeerd tarief", now=DECEMBER)
    assert credit.number == "2026-00002" and credit.credits == invoice and credit.credit_reason == "Verkeerd tarief"
    assert (credit.subtotal_cents, credit.vat_cents, credit.total_cents) == (
        -invoice.subtotal_cents,
        -invoice.vat_cents,
        -invoice.total_cents,
    )
    originals = {line.pk: line for line in invoice.lines.all()}
    negated = list(credit.lines.all())
    assert len(negated) == len(originals) > 0
    for line in negated:
        assert line.amount_cents == -originals[line.corrects_id].amount_cents
        assert (line.ticket_id, line.time_entry_id, line.kind) == (
            originals[line.corrects_id].ticket_id,
            originals[line.corrects_id].time_entry_id,
            originals[line.corrects_id].kind,
        )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CREDITED
    assert not TimeEntry.objects.billed().exists()  # billed afresh next time
    with pytest.raises(ValidationError, match="gecrediteerd"):
        invoice_credit(invoice=invoice, actor=biller, reason="nog eens", now=DECEMBER)
    with pytest.raises(ValidationError):
        invoice_credit(invoice=credit, actor=biller, reason="een creditnota crediteren", now=DECEMBER)

    (again,) = confirm(biller, now=datetime(2026, 12, 3, 10, tzinfo=AMS))
    assert again.number == "2026-00003" and again.total_cents == invoice.total_cents
    for ticket in tickets:  # over all documents, each ticket is billed exactly its price once
        billed = sum(InvoiceLine.objects.filter(ticket=ticket).values_list("amount_cents", flat=True))
        assert billed == sum(line.amount_cents for line in again.lines.filter(ticket=ticket))


def test_an_invoice_corrected_later_is_credited_after_the_correction(biller, tickets):
    (november,) = confirm(biller)
    services.ticket_classify(
        ticket=tickets[0], actor=biller, reason="toch direct", priority="direct", now=datetime(2026, 12, 4, tzinfo=AMS)
    )
    (december,) = confirm(biller, period=(date(2026, 12, 1), date(2026, 12, 31)), now=datetime(2027, 1, 4, tzinfo=AMS))
    assert december.lines.filter(corrects__invoice=november).exists()
    with pytest.raises(ValidationError, match=december.number):
        invoice_credit(invoice=november, actor=biller, reason="fout", now=datetime(2027, 1, 5, tzinfo=AMS))
    invoice_credit(invoice=december, actor=biller, reason="fout", now=datetime(2027, 1, 5, tzinfo=AMS))
    credit = invoice_credit(invoice=november, actor=biller, reason="fout", now=datetime(2027, 1, 5, tzinfo=AMS))
    assert credit.number == "2027-00003"
    for ticket in tickets:
        assert sum(InvoiceLine.objects.filter(ticket=ticket).values_list("amount_cents", flat=True)) == 0


def test_the_desk_credits_an_invoice_and_the_credit_note_is_a_valid_document(client, biller, tickets, tmp_path):
    (invoice,) = confirm(biller)
    client.force_login(factories.agent("joost"))  # without the billing role
    assert client.post(f"/desk/billing/invoices/{invoice.pk}/credit/", {"reason": "x"}).status_code in (403, 404)
    assert not Invoice.objects.filter(credits=invoice).exists()

    client.force_login(biller)
    page = client.get(f"/desk/billing/invoices/{invoice.pk}/").content.decode()
    assert 'id="credit"' in page and "Deze factuur crediteren" in page
    refused = client.post(f"/desk/billing/invoices/{invoice.pk}/credit/", {"reason": ""}, follow=True)
    assert "waarom" in refused.content.decode() and not Invoice.objects.filter(credits=invoice).exists()
    response = client.post(f"/desk/billing/invoices/{invoice.pk}/credit/", {"reason": "Dubbel gefactureerd"})
    credit = Invoice.objects.get(credits=invoice)
    assert response["Location"] == f"/desk/billing/invoices/{credit.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert f"Creditnota {credit.number}" in page and "Dubbel gefactureerd" in page and 'id="credit"' not in page
    original = client.get(f"/desk/billing/invoices/{invoice.pk}/").content.decode()
    assert 'id="credited-by"' in original and credit.number in original and 'id="credit"' not in original

    pdf = tmp_path / "credit.pdf"
    pdf.write_bytes(client.get(f"/desk/billing/invoices/{credit.pk}/pdf/").content)
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(text.split())
    assert f"Creditnota {credit.number}" in text and f"crediteert factuur {invoice.number}" in text
    assert "Dubbel gefactureerd" in text
    assert problems(invoice_ubl(credit)) == []
    assert f"<cbc:ID>{invoice.number}</cbc:ID>" in invoice_ubl(credit).decode()  # the billing reference


def test_a_credited_phone_surcharge_is_billed_again(biller):
    """A functional question by phone with no time recorded: only the phone surcharge is billed. Credited,
    the next run bills it again, like credited work."""
    customer = factories.customer("Tandarts De Glimlach")
    customer.street, customer.postal_code, customer.city = "Kerkstraat 1", "3511 AA", "Utrecht"
    customer.save()
    contact = factories.contact(customer, "Lotte", main=True)
    services.ticket_create(
        reporter=contact, subject="Hoe print ik?", body="", channel="phone", now=datetime(2026, 11, 23, 9, tzinfo=AMS)
    )
    (invoice,) = confirm(biller)
    assert [line.kind for line in invoice.lines.all()] == ["phone_surcharge"] and invoice.total_cents > 0
    invoice_credit(invoice=invoice, actor=biller, reason="Verkeerde klant", now=DECEMBER)
    (again,) = confirm(biller, now=datetime(2026, 12, 3, 10, tzinfo=AMS))
    assert again.total_cents == invoice.total_cents
    assert confirm(biller, now=datetime(2026, 12, 4, 10, tzinfo=AMS)) == []  # and only once


def test_the_desk_marks_work_billed_while_an_invoice_bills_it(client, biller, tickets):
    client.force_login(biller)
    page = f"/desk/tickets/{tickets[0].pk}/"
    assert "gefactureerd" not in client.get(page).content.decode()
    (invoice,) = confirm(biller)
    assert "gefactureerd" in client.get(page).content.decode()
    invoice_credit(invoice=invoice, actor=biller, reason="Verkeerd tarief", now=DECEMBER)
    assert "gefactureerd" not in client.get(page).content.decode()  # credited: billable again


def test_a_credited_invoice_keeps_saying_what_it_billed_after_its_work_is_corrected(biller, tickets):
    """Crediting unbills the work, so its entries may be corrected; the credited invoice and its credit note
    still show the work as billed (their PDF, CSV and page), the next invoice the corrected work."""
    (invoice,) = confirm(biller)
    credit = invoice_credit(invoice=invoice, actor=biller, reason="Verkeerde tijd", now=DECEMBER)
    entry = TimeEntry.objects.get(ticket=tickets[0])
    services.time_entry_correct(
        entry=entry, actor=biller, reason="was korter", minutes=20, description="Toner vervangen", now=DECEMBER
    )
    (again,) = confirm(biller, now=datetime(2026, 12, 3, 10, tzinfo=AMS))

    def facts(document):
        line = document_lines(document).get(time_entry=entry)
        return line.minutes, line.description, line.agent, line.start

    billed = (50, "", biller.username, datetime(2026, 11, 24, 10, tzinfo=AMS))
    assert facts(invoice) == facts(credit) == billed
    assert facts(again) == (20, "Toner vervangen", biller.username, billed[3])
    assert KeptFacts.objects.filter(line__invoice__in=[invoice, credit]).count() == 4
    assert not KeptFacts.objects.filter(line__invoice=again).exists()  # its entries are locked by it
    for document, minutes in ((invoice, "50"), (credit, "50"), (again, "20")):
        rows = [row.split(";") for row in invoice_csv(document).decode("utf-8-sig").splitlines()]
        (row,) = [row for row in rows if row[2:3] == [str(tickets[0].pk)]]
        assert row[7] == minutes and (row[5] == "Toner vervangen") == (document == again)
