"""Rates told beforehand: the customer hears the after-hours band and rate before the work starts, it is
recorded on the ticket, and work logged after hours without such a notice is flagged before saving."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets import services
from servicedesk.tickets.models import TicketEvent, TimeEntry
from tests import factories

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")
FRIDAY = datetime(2026, 11, 20, 15, 0, tzinfo=AMS)  # work is recorded after the fact: the past


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def ticket():
    contact = factories.contact(
        factories.customer("Bakkerij De Korrel"), "Anja", main=True, email="anja@korrel.example"
    )
    return services.ticket_create(
        reporter=contact, subject="Server migreren", body="", channel="email", support_type="unmanaged", now=FRIDAY
    )


def test_the_customer_is_told_the_band_and_rate_before_the_work(agent, ticket):
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=AMS)
    event = services.ticket_rate_notice(ticket=ticket, actor=agent, planned_start=saturday, now=FRIDAY)
    assert event.kind == "rate_told" and "85.00" in event.new_value
    notice = OutgoingMessage.objects.get(kind="after_hours_rate")
    assert notice.to_address == "anja@korrel.example" and "85,00 per uur" in notice.body and "avond" in notice.body
    sunday = datetime(2026, 11, 22, 10, 0, tzinfo=AMS)
    services.ticket_rate_notice(ticket=ticket, actor=agent, planned_start=sunday, now=FRIDAY)
    assert "125,00" in OutgoingMessage.objects.filter(kind="after_hours_rate").last().body
    with pytest.raises(ValidationError):
        services.ticket_rate_notice(ticket=ticket, actor=agent, planned_start=FRIDAY, now=FRIDAY)  # office time


def test_after_hours_work_without_notice_is_flagged_before_saving(client, agent, ticket):
    client.force_login(agent)
    entry = {"kind": "work", "start": "2026-11-21 10:00", "minutes": 30, "description": "migratie"}
    preview = client.post(f"/desk/tickets/{ticket.pk}/time/preview/", entry).content.decode()
    assert 'id="preview-after-hours"' in preview and "niet" in preview
    refused = client.post(f"/desk/tickets/{ticket.pk}/time/", entry)
    assert refused.status_code == 400 and "niet vooraf" in refused.content.decode()
    assert not TimeEntry.objects.exists()
    assert client.post(f"/desk/tickets/{ticket.pk}/time/", {**entry, "without_notice": "on"}).status_code == 302
    assert TimeEntry.objects.count() == 1


def test_the_desk_sends_the_notice(client, agent, ticket):
    client.force_login(agent)
    response = client.post(f"/desk/tickets/{ticket.pk}/rate-notice/", {"planned_start": "2026-12-05 09:30"})
    assert response.status_code == 302
    assert TicketEvent.objects.filter(ticket=ticket, kind="rate_told").exists()
    refused = client.post(f"/desk/tickets/{ticket.pk}/rate-notice/", {"planned_start": "2026-12-07 10:00"})
    assert refused.status_code == 400 and "kantoortijd" in refused.content.decode()


def test_once_told_the_work_is_saved_without_a_flag(client, agent, ticket):
    told_at = datetime(2026, 11, 20, 16, 0, tzinfo=AMS)  # on Friday, for the Saturday
    services.ticket_rate_notice(
        ticket=ticket, actor=agent, planned_start=datetime(2026, 11, 21, 9, 30, tzinfo=AMS), now=told_at
    )
    client.force_login(agent)
    entry = {"kind": "work", "start": "2026-11-21 10:00", "minutes": 30, "description": "migratie"}
    preview = client.post(f"/desk/tickets/{ticket.pk}/time/preview/", entry).content.decode()
    assert "vooraf gemeld" in preview
    assert client.post(f"/desk/tickets/{ticket.pk}/time/", entry).status_code == 302


def test_office_time_and_free_tickets_are_not_flagged(client, agent, ticket):
    client.force_login(agent)
    office = {"kind": "work", "start": "2026-11-20 10:00", "minutes": 30, "description": ""}
    assert client.post(f"/desk/tickets/{ticket.pk}/time/", office).status_code == 302
    services.ticket_classify(ticket=ticket, actor=agent, reason="storing", critical=True)
    night = {"kind": "work", "start": "2026-11-21 02:00", "minutes": 30, "description": ""}
    assert client.post(f"/desk/tickets/{ticket.pk}/time/", night).status_code == 302


def test_the_specification_shows_for_each_after_hours_line_whether_the_customer_was_told(
    client, agent, ticket, tmp_path
):
    import csv
    import io
    import subprocess
    from datetime import date

    from servicedesk.billing.exports import invoice_csv
    from servicedesk.billing.models import InvoiceLine
    from servicedesk.billing.services import billing_customer_preview, billing_run_confirm, billing_run_create

    friday_evening = datetime(2026, 11, 20, 17, 30, tzinfo=AMS)
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=AMS)
    services.ticket_rate_notice(ticket=ticket, actor=agent, planned_start=saturday, now=friday_evening)
    cases = [  # (start, description, told)
        (datetime(2026, 11, 20, 15, 0, tzinfo=AMS), "kantoortijd", None),  # office hours: nothing to tell
        (datetime(2026, 11, 20, 16, 45, tzinfo=AMS), "voor de melding", False),  # to 17:15, before the notice
        (saturday, "zaterdag", True),
    ]
    for start, description, _told in cases:
        services.time_entry_add(
            ticket=ticket, agent=agent, start=start, minutes=30, description=description, now=saturday
        )
    other = services.ticket_create(
        reporter=ticket.reporter, subject="Sunday", body="", channel="email", support_type="unmanaged", now=FRIDAY
    )
    sunday = datetime(2026, 11, 22, 11, 0, tzinfo=AMS)
    services.time_entry_add(ticket=other, agent=agent, start=sunday, minutes=15, description="zondag", now=sunday)
    cases.append((sunday, "zondag", False))  # never told on this ticket

    run = billing_run_create(actor=agent, period_start=date(2026, 11, 1), period_end=date(2026, 11, 30))
    preview = billing_customer_preview(run, ticket.customer)
    assert {line.description: line.rate_told for line in preview.lines} == {d: told for _s, d, told in cases}
    (invoice,) = billing_run_confirm(run, actor=agent, now=datetime(2026, 12, 2, 10, tzinfo=AMS))
    stored = dict(InvoiceLine.objects.filter(invoice=invoice).values_list("time_entry__description", "rate_told"))
    assert stored == {d: told for _s, d, told in cases}

    rows = list(csv.reader(io.StringIO(invoice_csv(invoice).decode("utf-8-sig")), delimiter=";"))[1:5]
    assert {row[5]: row[16] for row in rows} == {
        "kantoortijd": "",
        "voor de melding": "nee",
        "zaterdag": "ja",
        "zondag": "nee",
    }

    client.force_login(factories.biller())
    page = client.get(f"/desk/billing/invoices/{invoice.pk}/").content.decode()
    assert page.count("tarief niet vooraf gemeld") == 2 and page.count("tarief vooraf gemeld") == 1
    assert "<td>Werk</td>" in page and "<td>work</td>" not in page  # kinds in the user's language
    pdf = tmp_path / "spec.pdf"
    pdf.write_bytes(client.get(f"/desk/billing/invoices/{invoice.pk}/pdf/").content)
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(text.split())  # lines wrap inside the description column
    assert text.count("Avond-/nachttarief vooraf aan u gemeld") == 1
    assert text.count("Avond-/nachttarief niet vooraf gemeld") == 2
