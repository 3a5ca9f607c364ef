"""Projects in the billing run (POLICY.md §10): time and materials billed at the project's rate under its name,
work past the budget left out and listed as awaiting approval until an extension is approved; a fixed price's
time never billed, each milestone billed once (also by overlapping runs) and the rest on completion; project
lines in the PDF, CSV and UBL and in a credit note, after which they are billed again."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from servicedesk.billing.exports import invoice_csv
from servicedesk.billing.models import MILESTONE, PROJECT_REST, InvoiceLine
from servicedesk.billing.pdf import invoice_pdf
from servicedesk.billing.services import (
    awaiting_approval,
    billing_basis,
    billing_run_confirm,
    billing_run_create,
    billing_run_draft,
    billing_run_preview,
    invoice_credit,
)
from servicedesk.billing.ubl import invoice_ubl
from servicedesk.projects import services, time_services
from tests import factories
from tests.helpers import pdf_text, ubl_problems

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 2, 9, tzinfo=AMS)
DEC1 = datetime(2026, 12, 1, 9, tzinfo=AMS)


def at(day: int, hour: int = 10, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=AMS)


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
def anja(customer):
    return factories.contact(customer, "Anja de Vries", main=True)


@pytest.fixture
def tm(customer, agent, anja):
    """Two hours' budget at €95."""
    return factories.accepted_project(
        customer, agent, anja, billing_mode="time_and_materials", phases=[("Mailboxen", 120, None)], now=START
    )


@pytest.fixture
def fixed(customer, agent, anja):
    """€950: a milestone of 40 % and the rest on completion."""
    return factories.accepted_project(
        customer,
        agent,
        anja,
        billing_mode="fixed_price",
        phases=[("Opname", 360, Decimal("40")), ("Advies", 240, None)],
        name="Inventarisatie",
        now=START,
    )


def book(project, agent, day: int, minutes: int = 60, **extra):
    return time_services.project_time_add(
        project=project, agent=agent, start=at(day), minutes=minutes, now=DEC1, **extra
    )


def november(agent, now=DEC1):
    return billing_run_create(actor=agent, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30), now=now)


def project_lines(invoice):
    return list(
        invoice.lines.filter(project__isnull=False)
        .order_by("id")
        .values_list("kind", "billed_minutes", "amount_cents", "corrects_id")
    )


def test_time_and_materials_is_billed_within_the_budget_and_the_rest_awaits_approval(tm, agent):
    book(tm, agent, 10, description="Tellen", task=tm.phases.get().tasks.get())
    book(tm, agent, 11)
    book(tm, agent, 12, minutes=30)  # past the two hours: waits
    run = november(agent)
    (spec,) = billing_run_preview(run)
    assert [(line.kind, line.amount_cents, line.ticket_subject) for line in spec.lines] == [
        ("work", 9500, "Migratie 365"),
        ("work", 9500, "Migratie 365"),
    ]
    assert spec.lines[0].description == "Migratie 365 · Mailboxen: Tellen"
    assert [(a.project_name, a.minutes) for items in awaiting_approval(run).values() for a in items] == [
        ("Migratie 365", 30)
    ]
    (invoice,) = billing_run_confirm(run, actor=agent, now=DEC1)
    assert project_lines(invoice) == [("work", 60, 9500, None), ("work", 60, 9500, None)]
    assert InvoiceLine.objects.filter(claims=True).count() == 2

    extension = time_services.extension_propose(project=tm, minutes=60, actor=agent, now=DEC1)
    time_services.extension_decide(extension=extension, contact=tm.customer.main_contact, approve=True, address=None)
    (later,) = billing_run_confirm(november(agent), actor=agent, now=DEC1)
    assert project_lines(later) == [("work", 30, 4750, None)]  # the waiting half hour, once approved
    assert billing_run_preview(november(agent)) == []  # nothing billed twice


def test_fixed_price_time_is_never_billed_milestones_once_and_the_rest_on_completion(fixed, agent):
    book(fixed, agent, 10, minutes=240)
    assert billing_run_preview(november(agent)) == []
    first, _second = fixed.phases.order_by("position")
    time_services.milestone_reach(project=fixed, phase=first, actor=agent, now=at(20))
    overlapping = november(agent)
    billing_run_draft(overlapping, now=DEC1)  # drafted before the other run is confirmed
    (invoice,) = billing_run_confirm(november(agent), actor=agent, now=DEC1)
    assert project_lines(invoice) == [(MILESTONE, 0, 38000, None)]  # 40 % of €950
    billing_run_confirm(overlapping, actor=agent, now=DEC1)
    assert InvoiceLine.objects.filter(kind=MILESTONE, invoice__number__isnull=False).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database would refuse a second claim
        line = InvoiceLine.objects.get(kind=MILESTONE)
        InvoiceLine.objects.create(
            invoice=line.invoice,
            project=fixed,
            milestone=line.milestone,
            kind=MILESTONE,
            billed_minutes=0,
            amount_cents=1,
            claims=True,
        )
    assert billing_run_preview(november(agent)) == []
    services.project_set_status(project=fixed, status="done", actor=agent, now=at(25))
    (rest,) = billing_run_confirm(november(agent), actor=agent, now=DEC1)
    assert project_lines(rest) == [(PROJECT_REST, 0, 57000, None)]
    assert billing_run_preview(november(agent)) == []


def test_a_billed_entry_corrected_is_reversed_and_billed_afresh(tm, agent):
    entry = book(tm, agent, 10)
    billing_run_confirm(november(agent), actor=agent, now=DEC1)
    billed = InvoiceLine.objects.get(project_entry=entry)
    time_services.project_time_correct(
        entry=entry,
        actor=agent,
        reason="Was korter",
        kind="work",
        start=entry.start,
        minutes=30,
        description="",
        now=DEC1,
    )
    (invoice,) = billing_run_confirm(november(agent), actor=agent, now=DEC1)
    assert project_lines(invoice) == [("work", 0, -9500, billed.pk), ("work", 30, 4750, None)]
    assert billing_run_preview(november(agent)) == []


def test_project_lines_in_the_pdf_csv_ubl_and_a_credit_note(tm, fixed, agent):
    book(tm, agent, 10, description="Mailboxen verhuisd", task=tm.phases.get().tasks.get())
    time_services.milestone_reach(project=fixed, phase=fixed.phases.get(position=1), actor=agent, now=at(20))
    (invoice,) = billing_run_confirm(november(agent), actor=agent, now=DEC1)
    text = " ".join(pdf_text(invoice_pdf(invoice)).split())  # a cell's text may wrap
    assert "Projecten" in text and "Migratie 365 · Mailboxen: Mailboxen verhuisd" in text
    assert "Inventarisatie: mijlpaal Opname" in text
    rows = list(csv.reader(io.StringIO(invoice_csv(invoice).decode("utf-8-sig")), delimiter=";"))
    assert rows[1][:7] == [
        "2026-11-10",
        "10:00",
        "",
        "",
        "anouk",
        "Migratie 365 · Mailboxen: Mailboxen verhuisd",
        "work",
    ]
    assert rows[2][5:7] == ["Inventarisatie: mijlpaal Opname", MILESTONE]
    assert ubl_problems(invoice_ubl(invoice)) == []
    assert b"project-" in invoice_ubl(invoice)
    credit = invoice_credit(invoice=invoice, actor=agent, reason="verkeerd", now=DEC1)
    assert sorted(credit.lines.values_list("amount_cents", flat=True)) == [-38000, -9500]
    assert not InvoiceLine.objects.filter(claims=True).exists()
    assert ubl_problems(invoice_ubl(credit)) == []
    (again,) = billing_run_confirm(november(agent), actor=agent, now=DEC1)
    assert sorted(again.lines.values_list("amount_cents", flat=True)) == [9500, 38000]


def test_project_time_booked_after_the_drafts_makes_them_stale_and_the_confirmation_bills_it(tm, agent):
    book(tm, agent, 10)
    run = november(agent)
    billing_run_draft(run, now=DEC1)
    run.refresh_from_db()
    assert run.drafted_from == billing_basis(run)
    book(tm, agent, 11, minutes=30)
    assert run.drafted_from != billing_basis(run)
    (invoice,) = billing_run_confirm(run, actor=agent, now=DEC1)
    assert project_lines(invoice) == [("work", 60, 9500, None), ("work", 30, 4750, None)]


def test_bundles_pay_time_and_materials_project_lines_dated_by_their_entry(tm, agent, customer):
    from servicedesk.contracts.models import BundleDebit
    from servicedesk.contracts.services import bundle_sell

    bundle_sell(
        customer=customer, hours=1, price_cents=9000, base_rate_cents=9500, bought_on=date(2026, 11, 1), actor=agent
    )
    book(tm, agent, 10)
    book(tm, agent, 11, minutes=30)
    (invoice,) = billing_run_confirm(november(agent), actor=agent, now=DEC1)
    debits = list(BundleDebit.objects.order_by("on").values_list("on", "amount_cents", "description"))
    assert debits == [(date(2026, 11, 10), 9500, "Project Migratie 365")]  # the hour bought pays the first hour
    assert (invoice.prepaid_cents, invoice.lines.get(project_entry__minutes=30).prepaid_cents) == (9500, 0)
