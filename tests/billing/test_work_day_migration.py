"""Lines written before they kept their work's day get it from their entry, project entry or ticket (billing
0010), so that bundles go on paying them; lines that bill no work get none."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from servicedesk.billing.models import InvoiceLine
from servicedesk.billing.services import billing_run_confirm, billing_run_create
from servicedesk.contracts import services as contracts
from servicedesk.projects import time_services
from servicedesk.tickets import services
from tests import factories
from tests.helpers import latest_migrations, migrate

pytestmark = pytest.mark.django_db(transaction=True)
AMS = ZoneInfo("Europe/Amsterdam")
BEFORE = [("billing", "0009_lines_index_only_what_they_bill")]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=AMS)


def test_the_lines_of_before_are_dated_by_their_work():
    biller = factories.biller()
    customer = factories.invoiced_customer("Bakkerij De Korrel")
    contact = factories.contact(customer, "Anja", main=True)
    mail = services.ticket_create(reporter=contact, subject="Mail", body="", channel="email", now=at(2, 9))
    services.time_entry_add(ticket=mail, agent=biller, start=at(3, 0, 30), minutes=50, description="x", now=at(3, 9))
    phone = services.ticket_create(
        reporter=contact, subject="Bel", body="", channel="phone", support_type="functional", now=at(5, 0, 10)
    )
    services.time_entry_add(ticket=phone, agent=biller, start=at(6, 10), minutes=20, now=at(6, 11))
    project = factories.accepted_project(
        customer, biller, contact, billing_mode="time_and_materials", phases=[("Mailboxen", 120, None)], now=at(1, 9)
    )
    time_services.project_time_add(project=project, agent=biller, start=at(7, 23, 30), minutes=60, now=at(8, 9))
    contract = contracts.contract_create(
        customer=customer, name="Beheer", billing_period="month", start=date(2026, 11, 1), actor=biller, now=at(1, 9)
    )
    contracts.line_add(
        contract=contract, actor=biller, quantity=1, unit_price_cents=2500, description="Werkplek", now=at(1, 9)
    )
    run = billing_run_create(
        actor=biller, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30), now=at(30, 12)
    )
    (invoice,) = billing_run_confirm(run, actor=biller, now=datetime(2026, 12, 1, 9, tzinfo=AMS))
    dated = dict(InvoiceLine.objects.filter(invoice=invoice).values_list("pk", "work_day"))
    assert sorted(day for day in dated.values() if day) == [
        date(2026, 11, 3),
        date(2026, 11, 5),
        date(2026, 11, 6),
        date(2026, 11, 7),
    ]
    undated = InvoiceLine.objects.filter(pk__in=[pk for pk, day in dated.items() if day is None])
    assert set(undated.values_list("kind", flat=True)) == {"recurring_fee"}  # billed in advance: no work
    try:
        migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM billing_invoiceline WHERE invoice_id = %s", [invoice.pk])
            assert cursor.fetchone()[0] == len(dated)
        migrate(latest_migrations())
        assert dict(InvoiceLine.objects.filter(invoice=invoice).values_list("pk", "work_day")) == dated
    finally:  # back to the latest migrations: the tests after this one need every table as it is now
        migrate(latest_migrations())
