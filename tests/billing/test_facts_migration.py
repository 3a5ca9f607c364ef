"""Lines stop copying their entry's facts (billing 0004) and lose none: the migration keeps the copies of the
documents that no longer lock their entries (a credited invoice, its credit note), and back again each line
has its own copy as it showed it."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from servicedesk.billing.models import KeptFacts
from servicedesk.billing.selectors import document_lines
from servicedesk.billing.services import billing_run_confirm, billing_run_create, invoice_credit
from servicedesk.tickets import services
from servicedesk.tickets.models import TimeEntry
from tests import factories
from tests.helpers import latest_migrations, migrate

pytestmark = pytest.mark.django_db(transaction=True)
AMS = ZoneInfo("Europe/Amsterdam")
BEFORE = [("billing", "0003_corrects_index_where_set")]
AFTER = [("billing", "0004_line_reads_its_entry")]


def own_copies() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT invoice_id, description, minutes FROM billing_invoiceline ORDER BY id")
        return [tuple(row) for row in cursor.fetchall()]


def test_the_facts_move_to_the_entry_and_back_without_loss():
    biller = factories.biller()
    contact = factories.contact(factories.customer(), "Anja", main=True)
    reported = datetime(2026, 11, 23, 9, tzinfo=AMS)
    ticket = services.ticket_create(reporter=contact, subject="Printer", body="", channel="email", now=reported)
    start = datetime(2026, 11, 24, 10, tzinfo=AMS)
    services.time_entry_add(ticket=ticket, agent=biller, start=start, minutes=50, description="Toner", now=start)
    december = datetime(2026, 12, 2, 10, tzinfo=AMS)

    def confirm(now):
        run = billing_run_create(actor=biller, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30), now=now)
        return billing_run_confirm(run, actor=biller, now=now)

    (invoice,) = confirm(december)
    credit = invoice_credit(invoice=invoice, actor=biller, reason="Te lang", now=december)
    entry = TimeEntry.objects.get()
    services.time_entry_correct(
        entry=entry, actor=biller, reason="korter", minutes=20, description="Kort", now=december
    )
    (again,) = confirm(datetime(2026, 12, 3, 10, tzinfo=AMS))
    try:
        migrate(BEFORE)
        assert own_copies() == [(invoice.pk, "Toner", 50), (credit.pk, "Toner", 50), (again.pk, "Kort", 20)]
        migrate(AFTER)
        assert sorted(KeptFacts.objects.values_list("line__invoice_id", "description", "minutes")) == [
            (invoice.pk, "Toner", 50),
            (credit.pk, "Toner", 50),
        ]
    finally:  # back to the latest migrations: the tests after this one need every table as it is now
        migrate(latest_migrations())
    shown = [(line.description, line.minutes) for doc in (invoice, credit, again) for line in document_lines(doc)]
    assert shown == [("Toner", 50), ("Toner", 50), ("Kort", 20)]
