"""The demo's projects: a migration on time and materials past 80 % of its budget, and an inventory at a fixed
price with its first milestone reached; both quotes accepted by the main contact, whose portal login sees both."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from servicedesk.billing.models import InvoiceLine
from servicedesk.demo.seed.run import PORTAL_PASSWORD
from servicedesk.projects.models import Project, Quote

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_has_a_migration_past_80_percent_and_an_inventory_with_a_milestone_reached(client):
    call_command("seed_demo", stdout=io.StringIO(), now="2026-12-28T08:30")
    migration = Project.objects.get(name="Migratie naar Microsoft 365")
    inventory = Project.objects.get(name="Inventarisatie werkplekken")
    assert (migration.status, inventory.status) == ("in_progress", "in_progress")
    sent = Quote.objects.get(project=migration)
    accepted = Quote.objects.get(project=inventory)
    assert (sent.status, accepted.status) == ("accepted", "accepted")
    assert sent.valid_until.isoformat() == "2027-01-03" and sent.number.startswith("Q2026-")
    assert (migration.billing_mode, migration.budget_minutes, migration.used_minutes) == (
        "time_and_materials",
        22 * 60,
        20 * 60,
    )
    assert list(migration.budget_warnings.values_list("share", flat=True)) == ["4/5"]
    entries = migration.time_entries.all()
    assert all(entry.start < datetime(2026, 12, 28, 8, 30, tzinfo=AMS) for entry in entries) and len(entries) == 5
    reached = inventory.phases.get(position=1)
    assert reached.reached_at is not None and reached.share_cents == 57000  # its quote lines: 6 h at €95
    (billed,) = InvoiceLine.objects.filter(milestone=reached)
    assert (billed.amount_cents, billed.claims, billed.invoice.status) == (57000, True, "issued")
    main = migration.customer.main_contact
    assert accepted.decided_by == main and inventory.billing_mode == "fixed_price"
    # 22 estimated hours at €95 and three trips at €32.50; 21 % VAT on €2,187.50 is €459.375, rounded half-up
    assert (sent.subtotal_cents, sent.vat_cents, sent.total_cents) == (218750, 45938, 264688)
    assert client.post("/portal/login/", {"email": main.email, "password": PORTAL_PASSWORD}).status_code == 302
    page = client.get("/portal/projects/").content.decode()
    assert f"Offerte {sent.number}" in page and f"Offerte {accepted.number}" in page
    assert "20 van 22 uur gebruikt (90%)" in page and "bereikt" in page
