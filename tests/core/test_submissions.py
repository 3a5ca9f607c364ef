"""A create from a form happens once per submission: a double click, a browser's retry or the same form posted
several times at once over real HTTP makes one row, and every answer leads to it."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk.tickets import services
from servicedesk.tickets.models import RefusedReport, Ticket, TimeEntry
from tests import factories
from tests.helpers import PORTAL_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Cookies kept; redirects not followed (their target is what is checked)."""

    def __init__(self, base: str):
        self.base = base
        jar = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(jar, NoRedirects)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read().decode()

    def post(self, path: str, fields: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body), timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as answer:  # 3xx and 4xx come here (redirects are not followed)
            return answer.code, answer.headers.get("Location", "")


def hidden(page: str, name: str, form_action: str | None = None) -> str:
    if form_action is not None:
        page = page[page.index(f'action="{form_action}"') :]
    return re.search(rf'name="{name}" value="([^"]+)"', page)[1]


def at_once(count: int, send) -> list:
    """`send()` in `count` threads released together; their answers."""
    answers: list = []
    start = threading.Barrier(count)

    def run() -> None:
        start.wait()
        answers.append(send())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_a_time_entry_posted_six_times_at_once_is_recorded_once(live_server):
    factories.agent("anouk")
    anja = factories.contact(factories.customer(), "Anja", main=True)
    ticket = services.ticket_create(reporter=anja, subject="Printer", body="", channel="email")
    desk = Browser(live_server.url)
    login = desk.get("/desk/login/")
    status, _ = desk.post(
        "/desk/login/",
        {"csrfmiddlewaretoken": hidden(login, "csrfmiddlewaretoken"), "username": "anouk", "password": "s3cret-pass"},
    )
    assert status == 302
    page = desk.get(f"/desk/tickets/{ticket.pk}/forms/time/")  # the ticket page with its time form open
    start = timezone.localtime(timezone.now() - timedelta(days=1)).replace(hour=10, minute=0)
    fields = {
        "csrfmiddlewaretoken": hidden(page, "csrfmiddlewaretoken"),
        "submission": hidden(page, "submission", f"/desk/tickets/{ticket.pk}/time/"),
        "kind": "work",
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "minutes": "20",
        "description": "Printer opnieuw gestart",
        "without_notice": "on",
    }
    answers = at_once(6, lambda: desk.post(f"/desk/tickets/{ticket.pk}/time/", fields))
    assert TimeEntry.objects.count() == 1
    assert [status for status, _location in answers] == [302] * 6
    assert {location for _status, location in answers} == {f"/desk/tickets/{ticket.pk}/"}
    desk.post(f"/desk/tickets/{ticket.pk}/time/", fields)  # the browser's retry, later
    assert TimeEntry.objects.count() == 1
    fields["submission"] = hidden(
        desk.get(f"/desk/tickets/{ticket.pk}/forms/time/"), "submission", f"/desk/tickets/{ticket.pk}/time/"
    )
    desk.post(f"/desk/tickets/{ticket.pk}/time/", fields)  # the form shown anew: a new entry
    assert TimeEntry.objects.count() == 2


def portal_browser(live_server, contact) -> Browser:
    portal = Browser(live_server.url)
    login = portal.get("/portal/login/")
    token = hidden(login, "csrfmiddlewaretoken")
    status, _ = portal.post(
        "/portal/login/", {"csrfmiddlewaretoken": token, "email": contact.email, "password": PORTAL_PASSWORD}
    )
    assert status == 302
    return portal


def test_a_portal_report_sent_six_times_at_once_opens_one_ticket(live_server):
    anja = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    factories.portal_user(anja, PORTAL_PASSWORD)
    portal = portal_browser(live_server, anja)
    form = portal.get("/portal/tickets/new/")
    fields = {
        "csrfmiddlewaretoken": hidden(form, "csrfmiddlewaretoken"),
        "submission": hidden(form, "submission"),
        "about": "question",
        "priority": "standard",
        "subject": "Wachtwoord vergeten",
        "body": "Ik kan niet meer inloggen.",
    }
    answers = at_once(6, lambda: portal.post("/portal/tickets/new/", fields))
    ticket = Ticket.objects.get()
    assert {(status, location) for status, location in answers} == {(302, f"/portal/tickets/{ticket.pk}/")}
    assert ticket.messages.count() == 1 and ticket.outgoing_messages.count() == 1  # one acknowledgement


def test_a_refused_report_stays_recorded_though_nothing_is_created(client):
    from servicedesk.core.submissions import once

    kees = factories.contact(factories.customer(), "Kees")  # may not report
    with pytest.raises(services.ReportRefused):
        once(
            "x",
            "k1",
            lambda: services.ticket_create(reporter=kees, subject="Printer", body="", channel="portal"),
        )
    assert RefusedReport.objects.filter(contact=kees).count() == 1 and not Ticket.objects.exists()
