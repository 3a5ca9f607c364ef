"""How billed work reads (issue 25 item 20): a trip charged its minimum says so; the specification's columns
and free reasons say what they mean; band rates carry the euro sign; each CSV download has a name of its own."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from servicedesk.billing.services import billing_run_confirm, billing_run_create
from servicedesk.tickets import services
from tests import factories
from tests.helpers import portal_signed_in

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=AMS)


@pytest.fixture
def biller():
    return factories.biller()


@pytest.fixture
def anja():
    return factories.contact(factories.customer("Bakkerij De Korrel"), "Anja", main=True, email="anja@korrel.example")


def ticket(reporter, *, support_type="unmanaged", priority="standard", subject="Printer"):
    return services.ticket_create(
        reporter=reporter,
        subject=subject,
        body="",
        channel="email",
        support_type=support_type,
        priority=priority,
        now=at(23, 9),
    )


def record(t, agent, start: datetime, minutes: int, kind: str = "work", description: str = "werk"):
    return services.time_entry_add(
        ticket=t, agent=agent, start=start, minutes=minutes, kind=kind, description=description, now=start
    )


def time_row(html: str, description: str) -> str:
    """The row of the time entries table that holds `description`."""
    rows = re.findall(r"<tr>.*?</tr>", html, flags=re.S)
    (row,) = [r for r in rows if description in r]
    return row


@pytest.mark.parametrize(
    ("language", "minimum"), [("nl", "het minimum van € 32,50 geldt"), ("en", "the minimum of € 32.50 applies")]
)
def test_a_trip_charged_its_minimum_says_so_on_the_desk_and_in_the_portal(client, biller, anja, language, minimum):
    t = ticket(anja)
    # 30 minutes in the evening: half of €85/h is €21.25, so the €32.50 minimum applies
    record(t, biller, at(24, 19), 30, kind="travel", description="heen en terug kort")
    # two hours in office time: half of €65/h is €65.00, above the minimum
    record(t, biller, at(25, 9), 120, kind="travel", description="heen en terug lang")
    client.cookies["django_language"] = language
    client.force_login(biller)
    page = client.get(f"/desk/tickets/{t.pk}/").content.decode().replace("\u00a0", " ")
    short, long = time_row(page, "heen en terug kort"), time_row(page, "heen en terug lang")
    assert minimum in short and "32,50" in short.replace(".", ",")
    assert "travel-minimum" not in long
    preview = client.post(
        f"/desk/tickets/{t.pk}/time/preview/",
        {"kind": "travel", "start": "2026-11-26T19:00", "minutes": "20", "description": "x"},
    ).content.decode()
    assert minimum in preview.replace("\u00a0", " ")
    client.logout()
    portal = portal_signed_in(client, anja, biller)
    portal.cookies["django_language"] = language
    page = portal.get(f"/portal/tickets/{t.pk}/").content.decode().replace("\u00a0", " ")
    assert minimum in time_row(page, "heen en terug kort")
    assert "travel-minimum" not in time_row(page, "heen en terug lang")


def test_a_free_trip_names_no_minimum(client, biller, anja):
    t = ticket(anja, support_type="managed", priority="high")  # free: support on what the provider supplies
    record(t, biller, at(24, 10), 20, kind="travel", description="heen en terug")
    client.force_login(biller)
    page = client.get(f"/desk/tickets/{t.pk}/").content.decode()
    assert "travel-minimum" not in time_row(page, "heen en terug")


def confirmed(biller, anja):
    """November billed: evening work on one ticket, late work of October on it, and managed + high work."""
    t = ticket(anja)
    record(t, biller, at(24, 16, 50), 20, description="avondwerk")
    free = ticket(anja, support_type="managed", priority="high", subject="Server")
    record(free, biller, at(25, 13), 45, description="beheerd werk")
    october = billing_run_create(actor=biller, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))
    billing_run_confirm(october, actor=biller, now=datetime(2026, 11, 1, 9, tzinfo=AMS))
    record(free, biller, datetime(2026, 10, 30, 10, tzinfo=AMS), 15, description="oktoberwerk")
    run = billing_run_create(actor=biller, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    (invoice,) = billing_run_confirm(run, actor=biller, now=datetime(2026, 12, 2, 10, tzinfo=AMS))
    return run, invoice


def spec_table(html: str) -> str:
    """The table of a customer's specification lines on the run's page."""
    return re.search(r'<table class="small">.*?</table>', html, flags=re.S).group(0).replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("language", "columns", "reasons", "bands"),
    [
        (
            "nl",
            ["Tijdvak", "Tarief"],
            "Inbegrepen bij door ons geleverde diensten; werk uit een eerdere periode",
            "kantoortijd 10 min à € 65,00; avond 20 min à € 85,00",
        ),
        (
            "en",
            ["Band", "Rate"],
            "Included in the services we provide; work of an earlier period",
            "office hours 10 min at € 65.00; evening 20 min at € 85.00",
        ),
    ],
)
def test_the_specification_names_its_columns_and_reasons_apart(client, biller, anja, language, columns, reasons, bands):
    free = ticket(anja, support_type="managed", priority="high", subject="Server")
    record(free, biller, datetime(2026, 10, 20, 10, tzinfo=AMS), 30, description="beheerd werk")
    october = billing_run_create(actor=biller, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31))
    billing_run_confirm(october, actor=biller, now=datetime(2026, 11, 1, 9, tzinfo=AMS))
    record(free, biller, datetime(2026, 10, 30, 10, tzinfo=AMS), 15, description="oktoberwerk")  # late
    record(ticket(anja), biller, at(24, 16, 50), 20, description="avondwerk")
    november = billing_run_create(actor=biller, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    client.cookies["django_language"] = language
    client.force_login(biller)
    table = spec_table(
        client.get(f"/desk/billing/runs/{november.pk}/", {"customer": anja.customer_id}).content.decode()
    )
    headings = [h for h in re.findall(r"<th[^>]*>(.*?)</th>", table) if h]
    assert len(headings) == len(set(headings)) and all(c in headings for c in columns)  # no two columns alike
    assert reasons in re.sub(r"<[^>]+>", "", time_row(table, "oktoberwerk"))
    assert bands in time_row(table, "avondwerk")


def test_band_rates_carry_the_euro_sign_in_the_pdf_and_the_csv(client, biller, anja, tmp_path):
    _run, invoice = confirmed(biller, anja)
    client.force_login(biller)
    pdf = tmp_path / "factuur.pdf"
    pdf.write_bytes(client.get(f"/desk/billing/invoices/{invoice.pk}/pdf/").content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " "))
    assert "kantoortijd 10 min à € 65,00" in text and "à 65,00" not in text
    assert "Inbegrepen bij door ons geleverde diensten" in text
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/desk/billing/invoices/{invoice.pk}/csv/").content.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    column = rows[0].index("tijdvakken")
    evening = next(r for r in rows[1:] if r and "avondwerk" in r)
    assert evening[column].replace("\u00a0", " ") == "kantoortijd 10 min à € 65,00; avond 20 min à € 85,00"


def test_the_two_csv_downloads_have_names_of_their_own(client, biller, anja):
    _run, invoice = confirmed(biller, anja)
    client.force_login(biller)
    comma = client.get(f"/desk/billing/invoices/{invoice.pk}/csv/")["Content-Disposition"]
    point = client.get(f"/desk/billing/invoices/{invoice.pk}/csv/", {"decimal": "point"})["Content-Disposition"]
    stem = f"factuur-{invoice.number}-bakkerij-de-korrel-2026-11-01-2026-11-30-regels-decimale"
    assert comma == f'attachment; filename="{stem}-komma.csv"'
    assert point == f'attachment; filename="{stem}-punt.csv"'
    pdf = client.get(f"/desk/billing/invoices/{invoice.pk}/pdf/")["Content-Disposition"]
    assert pdf == f'attachment; filename="{invoice.number}.pdf"'  # as it is mailed
