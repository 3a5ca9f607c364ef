"""Moving the billed state from the time entry to its invoice line (tickets 0009) loses no billed work: an entry
marked billed without a line that bills it would be billed again, so the migration stops and says which."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from servicedesk.tickets import services
from tests import factories
from tests.helpers import latest_migrations, migrate

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("tickets", "0008_portal_list_index")]
AFTER = [("tickets", "0009_billed_by_invoice_lines")]


def test_an_entry_marked_billed_without_its_line_stops_the_migration():
    contact = factories.contact(factories.customer(), "Anja", main=True)
    ticket = services.ticket_create(reporter=contact, subject="Server", body="", channel="email")
    entry = services.time_entry_add(
        ticket=ticket, agent=factories.agent(), start=timezone.now() - timedelta(hours=2), minutes=30
    )
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE tickets_timeentry SET billed_at = %s WHERE id = %s", [timezone.now(), entry.pk])
        with pytest.raises(RuntimeError, match=rf"without an invoice line that bills them \(ids {entry.pk}\)"):
            migrate(AFTER)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE tickets_timeentry SET billed_at = NULL")
    finally:  # back to the latest migrations: the tests after this one need every table as it is now
        migrate(latest_migrations())
    assert not type(entry).objects.billed().exists()
