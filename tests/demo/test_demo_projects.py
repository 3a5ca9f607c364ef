"""The demo's projects: a migration whose quote waits for the customer's decision, and an inventory whose quote
the main contact accepted; the demo's portal login sees both and may accept the open one."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from servicedesk.demo.seed.run import PORTAL_PASSWORD
from servicedesk.projects.models import Project, Quote

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_has_a_quote_sent_and_one_accepted(client):
    call_command("seed_demo", stdout=io.StringIO(), now="2026-12-28T08:30")
    migration = Project.objects.get(name="Migratie naar Microsoft 365")
    inventory = Project.objects.get(name="Inventarisatie werkplekken")
    assert (migration.status, inventory.status) == ("quoted", "in_progress")
    sent = Quote.objects.get(project=migration)
    accepted = Quote.objects.get(project=inventory)
    assert (sent.status, accepted.status) == ("sent", "accepted")
    assert sent.valid_until.isoformat() == "2027-01-17" and sent.number.startswith("Q2026-")
    main = migration.customer.main_contact
    assert accepted.decided_by == main and inventory.billing_mode == "fixed_price"
    # 22 estimated hours at €95 and three trips at €32.50; 21 % VAT on €2,187.50 is €459.375, rounded half-up
    assert (sent.subtotal_cents, sent.vat_cents, sent.total_cents) == (218750, 45938, 264688)
    assert client.post("/portal/login/", {"email": main.email, "password": PORTAL_PASSWORD}).status_code == 302
    page = client.get("/portal/projects/").content.decode()
    assert f"Offerte {sent.number}" in page and f"Offerte {accepted.number}" in page
    assert "De offerte accepteren" in client.get(f"/portal/quotes/{sent.pk}/").content.decode()
