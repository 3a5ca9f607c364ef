"""Billing in the desk: only with the billing role; preview, confirm, invoice page, CSV safe to open."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission

from servicedesk.billing.exports import inert
from servicedesk.billing.models import BillingRun, Invoice
from servicedesk.tickets import services
from tests import factories

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def biller():
    user = factories.agent("fatima")
    user.user_permissions.add(Permission.objects.get(codename="manage_billing"))
    return user


@pytest.fixture
def korrel_ticket(biller):
    contact = factories.contact(factories.customer("Bakkerij De Korrel"), "Anja", main=True)
    ticket = services.ticket_create(
        reporter=contact,
        subject='=HYPERLINK("http://evil")',
        body="",
        channel="email",
        now=datetime(2026, 11, 23, 9, tzinfo=AMS),
    )
    for start, minutes, description in (
        (datetime(2026, 11, 24, 10, 0, tzinfo=AMS), 50, "Printer gereinigd"),
        (datetime(2026, 11, 24, 16, 50, tzinfo=AMS), 20, "=cmd|' /C calc'!A0"),
        (datetime(2026, 11, 25, 9, 0, tzinfo=AMS), 10, "+SUM(1,2)"),
        (datetime(2026, 11, 25, 11, 0, tzinfo=AMS), 10, "@evil"),
        (datetime(2026, 11, 25, 13, 0, tzinfo=AMS), 10, "-2+3"),
    ):
        services.time_entry_add(
            ticket=ticket, agent=biller, start=start, minutes=minutes, description=description, now=start
        )
    return ticket


def test_billing_needs_the_billing_role(client):
    client.force_login(factories.agent("anouk"))
    assert client.get("/desk/billing/").status_code == 403
    assert "/desk/billing/" not in client.get("/desk/").content.decode()


def test_preview_confirm_and_download(client, biller, korrel_ticket):
    client.force_login(biller)
    assert 'href="/desk/billing/"' in client.get("/desk/").content.decode()
    response = client.post("/desk/billing/", {"period_start": "2026-11-01", "period_end": "2026-11-30"})
    run = BillingRun.objects.get()
    assert response["Location"] == f"/desk/billing/runs/{run.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Bakkerij De Korrel" in page and 'id="run-total"' in page
    detail = client.get(response["Location"], {"customer": korrel_ticket.customer_id}).content.decode()
    assert "Printer gereinigd" in detail
    client.post(f"/desk/billing/runs/{run.pk}/confirm/")
    invoice = Invoice.objects.get()
    assert invoice.number == f"{invoice.issued_at.year}-00001"
    page = client.get(f"/desk/billing/invoices/{invoice.pk}/").content.decode()
    assert invoice.number in page and "Printer gereinigd" in page

    download = client.get(f"/desk/billing/invoices/{invoice.pk}/csv/")
    assert download["Content-Type"].startswith("text/csv") and "attachment" in download["Content-Disposition"]
    text = download.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:3] == ["datum", "tijd", "ticket"]
    lines = [r for r in rows[1:] if r and r[0].startswith("2026")]
    assert len(lines) == 5
    for row in lines:
        for cell in (row[3], row[4], row[5]):  # subject, agent, description
            assert not cell.startswith(("=", "+", "-", "@")), cell
    assert lines[0][5] == "Printer gereinigd" and lines[0][11] == "65,00"
    assert lines[1][5] == "'=cmd|' /C calc'!A0" and lines[4][5] == "'-2+3"
    total = next(r for r in rows if r and r[0] == "totaal")
    assert total[-1] == f"{invoice.total_cents / 100:.2f}".replace(".", ",")
    point = client.get(f"/desk/billing/invoices/{invoice.pk}/csv/", {"decimal": "point"}).content.decode("utf-8-sig")
    assert ";65.00;" in point


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-minus", "'-minus"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tindent", "'\tindent"),
        ("\rreturn", "'\rreturn"),
        ("gewoon", "gewoon"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_injection_is_made_inert(text, expected):
    assert inert(text) == expected
