"""Tickets an agent makes for a contact on the channel it came by; unknown callers and refused reports handled."""

from __future__ import annotations

import pytest
from django.test import Client

from servicedesk.tickets import services
from servicedesk.tickets.models import RefusedReport, Ticket
from tests import factories
from tests.helpers import portal_signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client):
    client.force_login(factories.agent("anouk"))
    return client


@pytest.fixture
def anja():
    return factories.contact(
        factories.customer(), "Anja", main=True, email="anja@korrel.example", phones=["0307116193"]
    )


def make(desk, anja, channel, **extra):
    page = desk.get(f"/desk/phone/{anja.pk}/").content.decode()
    assert 'name="channel"' in page
    fields = {
        "contact": anja.pk,
        "channel": channel,
        "support_type": "functional",
        "priority": "standard",
        "subject": "Wachtwoord",
        "description": "Vergeten.",
        **extra,
    }
    return desk.post(f"/desk/phone/{anja.pk}/", fields)


@pytest.mark.parametrize(("channel", "surcharge"), [("phone", True), ("email", False), ("portal", False)])
def test_an_agent_makes_a_ticket_on_the_channel_it_came_by(desk, anja, channel, surcharge):
    terms = desk.get(f"/desk/phone/{anja.pk}/", {"channel": channel, "support_type": "functional"}).content.decode()
    assert ('id="phone-surcharge"' in terms) is surcharge
    response = make(desk, anja, channel)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and ticket.channel == channel
    assert ticket.events.get(kind="created").actor.username == "anouk"


def test_an_unknown_caller_is_recorded_as_a_refused_report(desk):
    page = desk.get("/desk/phone/", {"q": "0612345678"}).content.decode()
    assert 'id="unknown-caller"' in page and 'value="0612345678"' in page
    response = desk.post("/desk/phone/unknown/refuse/", {"caller": "0612345678", "subject": "Printer", "notes": "Boos"})
    assert response.status_code == 302
    report = RefusedReport.objects.get()
    assert (report.channel, report.reason, report.sender, report.contact) == (
        "phone",
        "unknown_sender",
        "0612345678",
        None,
    )
    assert report.recorded_by.username == "anouk"
    assert desk.post("/desk/phone/unknown/refuse/", {"caller": "  "}).status_code == 302
    assert RefusedReport.objects.count() == 1


def test_a_refused_report_is_dismissed_with_its_reason_kept(desk, anja):
    from servicedesk.tickets.services import report_refuse

    report = report_refuse(channel="email", sender="spam@elders.example", reason="unknown_sender", subject="Winst!")
    assert desk.post(f"/desk/refused/{report.pk}/dismiss/", {"reason": "  "}).status_code == 302
    report.refresh_from_db()
    assert report.handled_at is None  # no reason, not dismissed
    desk.post(f"/desk/refused/{report.pk}/dismiss/", {"reason": "Spam"})
    report.refresh_from_db()
    assert report.dismissed_reason == "Spam" and report.handled_by.username == "anouk"
    page = desk.get("/desk/refused/").content.decode()
    assert "Afgewezen: Spam" in page
    desk.post(f"/desk/refused/{report.pk}/accept/", {"contact": anja.pk})
    assert not Ticket.objects.exists()  # a dismissed report is not accepted after all


@pytest.mark.parametrize("support_type", ["managed", "unmanaged"])
def test_no_free_reason_is_shown_before_there_is_work(desk, anja, support_type):
    """Fair use is decided by the work: a new phone ticket without work is not "free of charge: fair use" yet
    (issue 25 item 19), in the desk or the portal; once a short entry is booked it is."""
    agent = factories.agent("bert")
    ticket = services.ticket_create(
        reporter=anja, subject="Server", body="Plat.", channel="phone", support_type=support_type, actor=agent
    )
    reason = "— kosteloos: " if support_type == "managed" else "— kosteloos: Fair use"
    page = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'id="ticket-total"' in page and "— kosteloos" not in page
    portal = portal_signed_in(Client(), anja, agent)
    page = portal.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert 'id="ticket-total"' in page and "— kosteloos" not in page
    services.time_entry_add(ticket=ticket, agent=agent, start=ticket.reported_at, minutes=3)
    assert reason in desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert reason in portal.get(f"/portal/tickets/{ticket.pk}/").content.decode()
