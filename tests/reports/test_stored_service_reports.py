"""The monthly service report made by the worker: on the first working day of the month, once per customer with
tickets or time in the month before, mailed with the PDF to the main contact when the customer wants it, and listed
to download in the desk and, for the organisation itself only, in the portal."""

from __future__ import annotations

import email
import logging
import threading
from datetime import date, datetime, time

import pytest
from django.db import connection
from django.utils import timezone

from servicedesk.core.policy import current_policy
from servicedesk.customers.models import CustomerChange
from servicedesk.customers.services import customer_update
from servicedesk.mail.delivery import build_mail
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.reports.arithmetic import first_working_day, month_period, previous_month
from servicedesk.reports.models import ServiceReport
from servicedesk.reports.services import service_report_make, service_report_period, service_reports_make
from servicedesk.reports.tasks import service_reports_task
from servicedesk.runtime.schedule import periodic_tasks
from servicedesk.tickets import services
from tests import factories
from tests.helpers import local as at
from tests.helpers import pdf_text, portal_signed_in

NOVEMBER = month_period(2026, 11)


@pytest.mark.parametrize(
    ("year", "month", "first"),
    [
        (2026, 12, date(2026, 12, 1)),  # a Tuesday
        (2026, 11, date(2026, 11, 2)),  # the 1st is a Sunday
        (2027, 1, date(2027, 1, 4)),  # New Year on a Friday, then the weekend
        (2027, 5, date(2027, 5, 3)),  # the 1st is a Saturday
        (2026, 4, date(2026, 4, 1)),  # Easter Monday is the 6th: not in the way
        (2028, 4, date(2028, 4, 3)),  # Saturday the 1st, Sunday, then Monday
    ],
)
def test_the_first_working_day_of_a_month(year, month, first):
    assert first_working_day(current_policy().calendar, year, month) == first


def test_the_worker_schedules_the_task():
    assert "servicedesk.reports.tasks.service_reports_task" in [p.task_path for p in periodic_tasks()]


def test_on_the_first_working_day_one_report_per_customer_with_work_and_run_twice_still_one(
    november, django_assert_num_queries
):
    idle = factories.customer("Stille Klant", code="stil")
    factories.contact(idle, "Ida", main=True, email="ida@stil.example")
    # Still November: October's report is due (and made late, as by a worker that was down on 2 November).
    october = service_reports_make(now=at("2026-11-30T23:30")).made
    assert [(r.customer.code, r.month) for r in october] == [("korrel", date(2026, 10, 1))]
    first = service_reports_make(now=at("2026-12-01T00:30"))
    assert first.period == NOVEMBER
    assert sorted(r.customer.code for r in first.made) == ["korrel", "smile"]  # not the customer without work
    with django_assert_num_queries(1):  # the hourly run with nothing left to do: one look for customers to report
        again = service_reports_make(now=at("2026-12-01T01:30"))
    later = service_reports_make(now=at("2026-12-15T10:00"))
    assert again.made == [] and later.made == []
    assert ServiceReport.objects.filter(month=NOVEMBER.first).count() == 2
    assert OutgoingMessage.objects.filter(kind="service_report").count() == 3  # October's and November's
    report, created = service_report_make(customer=november.korrel, period=NOVEMBER, now=at("2026-12-01T02:00"))
    assert not created and report.month == date(2026, 11, 1)  # asked again: the existing one
    assert ServiceReport.objects.count() == 3


def test_a_holiday_on_the_first_moves_the_report(november):
    anja = november.korrel.contacts.get(name="Anja")
    services.ticket_create(reporter=anja, subject="december", body="…", channel="email", now=at("2026-12-10T10:00"))
    service_reports_make(now=at("2026-12-01T09:00"))  # November's
    for closed in ("2027-01-01T10:00", "2027-01-02T10:00", "2027-01-03T23:59"):  # New Year, Saturday, Sunday
        assert service_reports_make(now=at(closed)).made == []
    made = service_reports_make(now=at("2027-01-04T00:05")).made
    assert [(r.customer.code, r.month) for r in made] == [("korrel", date(2026, 12, 1))]


def test_the_task_makes_the_reports_due_now(db):
    """The task reads the clock itself: a ticket of the month before today, and a report when one is due."""
    today = timezone.localdate()
    previous = previous_month(month_period(today.year, today.month))
    customer = factories.customer("Bakkerij De Korrel", code="korrel")
    anja = factories.contact(customer, "Anja", main=True, email="anja@korrel.example")
    reported = timezone.make_aware(datetime.combine(previous.first, time(10)))
    services.ticket_create(reporter=anja, subject="Printer", body="…", channel="email", now=reported)
    due = service_report_period(now=timezone.now()) is not None
    assert service_reports_task.call() == {"made": 1 if due else 0}
    assert service_reports_task.call() == {"made": 0}
    assert ServiceReport.objects.filter(customer=customer, month=previous.first).count() == (1 if due else 0)


def test_mailed_only_where_wanted_to_the_main_contact_with_the_pdf(november, tmp_path):
    factories.contact(november.korrel, "Kees", email="kees@korrel.example", may_report=True)
    customer_update(customer=november.smile, actor=november.agent, mails_service_report=False)
    service_reports_make(now=at("2026-12-01T08:00"))
    korrel = ServiceReport.objects.get(customer=november.korrel)
    smile = ServiceReport.objects.get(customer=november.smile)
    assert smile.mailed_at is None and smile.mailing is None
    assert korrel.mailed_at == at("2026-12-01T08:00")
    [outgoing] = OutgoingMessage.objects.filter(kind="service_report")
    assert outgoing == korrel.mailing and outgoing.to_address == "anja@korrel.example"
    assert outgoing.subject == "Servicerapport Bakkerij De Korrel over november 2026"
    message = email.message_from_bytes(build_mail(outgoing).message().as_bytes())
    [pdf_part] = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert pdf_part.get_filename() == "servicerapport-2026-11.pdf"
    text = pdf_text(pdf_part.get_payload(decode=True), tmp_path, layout=True)
    assert "Servicerapport Bakkerij De Korrel" in text and "november 2026" in text
    assert "Tandartspraktijk Smile" not in text


def test_in_the_main_contacts_language(november, tmp_path):
    bert = november.smile.contacts.get(name="Bert")
    bert.language = "en"
    bert.save(update_fields=["language"])
    service_reports_make(now=at("2026-12-01T08:00"))
    outgoing = OutgoingMessage.objects.get(kind="service_report", to_address="bert@smile.example")
    assert outgoing.subject == "Service report Tandartspraktijk Smile for November 2026"
    report = ServiceReport.objects.get(customer=november.smile)
    assert "Service report Tandartspraktijk Smile" in pdf_text(bytes(report.pdf), tmp_path, layout=True)


def test_listed_and_downloaded_in_the_desk_and_in_the_own_portal_only(client, november):
    service_reports_make(now=at("2026-12-01T08:00"))
    korrel = ServiceReport.objects.get(customer=november.korrel)
    smile = ServiceReport.objects.get(customer=november.smile)
    client.force_login(november.agent)
    page = client.get(f"/desk/customers/{november.korrel.pk}/").content.decode()
    url = f"/desk/customers/{november.korrel.pk}/service-reports/{korrel.pk}/"
    assert url in page and "november 2026 (PDF)" in page
    response = client.get(url)
    assert response.status_code == 200 and bytes(response.content) == bytes(korrel.pdf)
    assert client.get(f"/desk/customers/{november.korrel.pk}/service-reports/{smile.pk}/").status_code == 404
    client.logout()
    bert = november.smile.contacts.get(name="Bert")
    portal_signed_in(client, bert, november.agent)
    overview = client.get("/portal/overview/").content.decode()
    assert (
        f"/portal/overview/reports/{smile.pk}/" in overview and f"/portal/overview/reports/{korrel.pk}/" not in overview
    )
    mine = client.get(f"/portal/overview/reports/{smile.pk}/")
    assert mine.status_code == 200 and mine.content.startswith(b"%PDF")
    assert client.get(f"/portal/overview/reports/{korrel.pk}/").status_code == 404  # another organisation's
    assert client.get(url).status_code == 404  # the desk's address is no way in
    piet = factories.contact(november.smile, "Piet", may_report=True, email="piet@smile.example")
    client.logout()
    portal_signed_in(client, piet, november.agent)
    assert client.get(f"/portal/overview/reports/{smile.pk}/").status_code == 404  # sees only their own tickets


def test_the_setting_is_changed_in_the_desk_and_recorded(client, november):
    client.force_login(november.agent)
    korrel = november.korrel
    form = client.get(f"/desk/customers/{korrel.pk}/edit/").content.decode()
    assert 'name="mails_service_report"' in form and "checked" in form.split('name="mails_service_report"')[1][:40]
    response = client.post(f"/desk/customers/{korrel.pk}/edit/", {"name": korrel.name, "payment_days": "14"})
    assert response.status_code == 302
    korrel.refresh_from_db()
    assert not korrel.mails_service_report
    change = CustomerChange.objects.get(customer=korrel, field="mails_service_report")
    assert (change.old_value, change.new_value, change.actor) == ("ja", "nee", november.agent)
    page = client.get(f"/desk/customers/{korrel.pk}/").content.decode()
    assert "Servicerapport van de maand mailen naar het hoofdcontact: nee (was ja)." in page
    assert "Niet gemaild" in page


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_one_report_and_one_mail(caplog):
    customer = factories.customer("Bakkerij De Korrel", code="korrel")
    anja = factories.contact(customer, "Anja", main=True, email="anja@korrel.example")
    services.ticket_create(reporter=anja, subject="Printer", body="…", channel="email", now=at("2026-11-10T10:00"))
    caplog.set_level(logging.INFO, logger="servicedesk.reports.services")
    start = threading.Barrier(2)
    results = []

    def worker():
        try:
            start.wait()
            results.append(service_reports_make(now=at("2026-12-01T08:00")).made)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(len(made) for made in results) == [0, 1]
    assert "made by another run meanwhile" in caplog.text  # both rendered it; the unique constraint let one win
    assert ServiceReport.objects.count() == 1
    assert OutgoingMessage.objects.filter(kind="service_report").count() == 1
