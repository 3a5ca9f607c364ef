"""Billing in the desk: only with the billing role; preview, confirm, invoice page, CSV safe to open."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from servicedesk.billing.exports import inert
from servicedesk.billing.models import BillingRun, Invoice
from servicedesk.tickets import services
from tests import factories

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def biller():
    return factories.biller()


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


def work_off() -> str:
    """The worker does what the page handed it, as `servicedesk worker` would."""
    out = io.StringIO()
    call_command("worker", "--once", "--no-imap", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_runs_task_is_queued_in_the_transaction_that_starts_it(client, biller, korrel_ticket):
    """Not in an after-commit callback: lost to a dying process, it would leave the run busy for good. (The test's
    transaction never commits, so only a task written inside it shows here.)"""
    from django_tasks_db.models import DBTaskResult

    def queued(kind: str) -> list:
        return [t.args_kwargs["args"] for t in DBTaskResult.objects.filter(task_path__endswith=f"billing_{kind}_task")]

    client.force_login(biller)
    client.post("/desk/billing/", {"period_start": "2026-11-01", "period_end": "2026-11-30"})
    run = BillingRun.objects.get()
    assert run.working == "previewing" and queued("preview") == [[run.pk]]
    BillingRun.objects.filter(pk=run.pk).update(working="")
    client.post(f"/desk/billing/runs/{run.pk}/confirm/")
    assert queued("confirm") == [[run.pk, biller.pk]]


@pytest.mark.django_db(transaction=True)
def test_preview_confirm_and_download(client, biller, korrel_ticket):
    client.force_login(biller)
    assert 'href="/desk/billing/"' in client.get("/desk/").content.decode()
    response = client.post("/desk/billing/", {"period_start": "2026-11-01", "period_end": "2026-11-30"})
    run = BillingRun.objects.get()
    assert response["Location"] == f"/desk/billing/runs/{run.pk}/"
    # The preview is the worker's job; meanwhile the page shows its progress and polls for it.
    waiting = client.get(response["Location"]).content.decode()
    assert 'id="billing-progress"' in waiting and "<progress" in waiting
    assert "<progress" in client.get(f"/desk/billing/runs/{run.pk}/progress/").content.decode()
    work_off()
    assert client.get(f"/desk/billing/runs/{run.pk}/progress/")["HX-Refresh"] == "true"
    page = client.get(response["Location"]).content.decode()
    assert "Bakkerij De Korrel" in page and 'id="run-total"' in page and "billing-progress" not in page
    detail = client.get(response["Location"], {"customer": korrel_ticket.customer_id}).content.decode()
    assert "Printer gereinigd" in detail
    client.post(f"/desk/billing/runs/{run.pk}/confirm/")
    assert not Invoice.objects.exists() and BillingRun.objects.get().working == "confirming"
    work_off()
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


def test_the_pdf_says_what_the_invoice_says(client, biller, korrel_ticket, tmp_path):
    import subprocess

    from servicedesk.billing.services import billing_run_confirm, billing_run_create

    customer = korrel_ticket.customer
    customer.vat_number, customer.purchase_order = "NL123456789B01", "PO-2026-77"
    customer.save()
    for n in range(25):  # enough lines for a second page
        start = datetime(2026, 11, 26, 8, 0, tzinfo=AMS)
        services.time_entry_add(
            ticket=korrel_ticket, agent=biller, start=start, minutes=5 + n, description=f"Regel {n}", now=start
        )
    run = billing_run_create(
        actor=biller, period_start=datetime(2026, 11, 1).date(), period_end=datetime(2026, 11, 30).date()
    )
    (invoice,) = billing_run_confirm(run, actor=biller, now=datetime(2026, 12, 2, 10, tzinfo=AMS))
    client.force_login(biller)
    response = client.get(f"/desk/billing/invoices/{invoice.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    path = tmp_path / "factuur.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    total = f"{invoice.total_cents // 100:,}".replace(",", ".") + f",{invoice.total_cents % 100:02d}"
    for expected in (
        f"Factuur {invoice.number}",
        "Bakkerij De Korrel",
        "NL123456789B01",
        "PO-2026-77",
        "Factuurdatum",
        "02-12-2026",
        "Vervaldatum",
        "16-12-2026",  # 14 days
        "Printer gereinigd",
        "Regel 24",
        "Btw 21%",
        total,
        "KvK 12345678",
        "NL91ABNA0417164300",
    ):
        assert expected in text, expected
    import re

    pages = int(re.search(r"Pagina 1 van (\d+)", text).group(1))
    assert pages >= 2 and text.count("\f") == pages
    assert all(f"Pagina {n} van {pages}" in text for n in range(1, pages + 1))


def test_a_failed_preview_is_shown_and_can_be_started_again(client, biller, korrel_ticket, monkeypatch):
    from servicedesk.billing import tasks

    client.force_login(biller)
    client.post("/desk/billing/", {"period_start": "2026-11-01", "period_end": "2026-11-30"})
    run = BillingRun.objects.get()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "billing_run_draft", broken)
    with pytest.raises(RuntimeError):
        tasks.billing_preview_task.call(run.pk)
    page = client.get(f"/desk/billing/runs/{run.pk}/").content.decode()
    assert "disk full" in page and "billing-progress" not in page
    monkeypatch.undo()
    client.post(f"/desk/billing/runs/{run.pk}/preview/")
    tasks.billing_preview_task.call(run.pk)
    assert "Bakkerij De Korrel" in client.get(f"/desk/billing/runs/{run.pk}/").content.decode()
    assert client.post(f"/desk/billing/runs/{run.pk}/delete/").status_code == 404
