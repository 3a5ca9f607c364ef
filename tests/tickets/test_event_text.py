"""The audit trail reads as sentences in the reader's language: labels, local times, no keys or ISO dates."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from servicedesk.customers.change_text import change_sentence
from servicedesk.customers.models import CustomerChange
from servicedesk.tickets.event_text import event_sentence
from servicedesk.tickets.models import TicketEvent

AMS = ZoneInfo("Europe/Amsterdam")
K = TicketEvent.Kind

CASES = [
    (K.CREATED, "channel", "", "portal", "Gemeld via klantportaal.", "Reported via customer portal."),
    (
        K.CLASSIFIED,
        "support_type",
        "functional",
        "unmanaged",
        "Soort support gewijzigd van Functionele support in Technische support op niet door ons geleverde diensten.",
        "Support type changed from Functional support to Technical support on other services.",
    ),
    (
        K.CLASSIFIED,
        "support_type_confirmed",
        "",
        "unmanaged",
        "Soort support bevestigd: Technische support op niet door ons geleverde diensten.",
        "Support type confirmed: Technical support on other services.",
    ),
    (
        K.PRIORITY_LOWERED,
        "priority",
        "direct",
        "standard",
        "Prioriteit verlaagd van Direct naar Standaard.",
        "Priority lowered from Direct to Standard.",
    ),
    (
        K.CLASSIFIED,
        "response_due",
        "2026-12-02T09:10:49+00:00",
        "2026-12-01T16:00:00+00:00",
        "Reactietermijn verschoven van woensdag 2 december 2026, 10:10 naar dinsdag 1 december 2026, 17:00.",
        "Response deadline moved from Wednesday 2 December 2026, 10:10 to Tuesday 1 December 2026, 17:00.",
    ),
    (K.CLASSIFIED, "critical", "False", "True", "Aangemerkt als kritische storing.", "Marked as a critical incident."),
    (
        K.TIME_ADDED,
        "time_entry:74",
        "",
        "work 2026-11-24 10:00 20 min",
        "Tijd geregistreerd: werk, di 24-11-2026 10:00, 20 min.",
        "Time recorded: work, Tue 24-11-2026 10:00, 20 min.",
    ),
    (
        K.STATUS,
        "status",
        "waiting",
        "open",
        "Status gewijzigd van Wacht op klant in Open.",
        "Status changed from Waiting for customer to Open.",
    ),
    (K.ASSIGNED, "assignee", "", "joost", "Toegewezen aan joost.", "Assigned to joost."),
    (
        K.RATE_TOLD,
        "after_hours_rate",
        "",
        "evening 85.00 2026-11-24 19:00",
        "De klant is het tarief voor avond gemeld, €\xa085,00 per uur, voor werk vanaf di 24-11-2026 19:00.",
        "The customer was told the evening rate, €\xa085.00 per hour, for work from Tue 24-11-2026 19:00.",
    ),
    (
        K.BREACHED,
        "",
        "",
        "",
        "De reactietermijn is verstreken zonder reactie.",
        "The response deadline passed without a response.",
    ),
]


@pytest.mark.parametrize(("kind", "field", "old", "new", "dutch", "english"), CASES)
def test_each_event_reads_as_a_sentence(kind, field, old, new, dutch, english):
    event = TicketEvent(kind=kind, field=field, old_value=old, new_value=new, at=datetime(2026, 11, 24, tzinfo=AMS))
    with translation.override("nl"):
        assert event_sentence(event) == dutch
    with translation.override("en"):
        assert event_sentence(event) == english


@pytest.mark.parametrize(
    ("field", "old", "new", "dutch", "english"),
    [
        ("may_report", "nee", "ja", "Mag melden: ja (was nee).", "May report: yes (was no)."),
        (
            "may_raise_priority",
            "ja",
            "nee",
            "Mag hogere prioriteit kiezen: nee (was ja).",
            "May raise priority: no (was yes).",
        ),
        ("portal", "", "invited", "Uitgenodigd voor het klantportaal.", "Invited to the customer portal."),
        (
            "matrix",
            "",
            "Back-up",
            "Dienst Back-up toegevoegd aan de dienstenmatrix.",
            "Service Back-up added to the service matrix.",
        ),
    ],
)
def test_each_customer_change_reads_as_a_sentence(field, old, new, dutch, english):
    change = CustomerChange(field=field, old_value=old, new_value=new)
    with translation.override("nl"):
        assert change_sentence(change) == dutch
    with translation.override("en"):
        assert change_sentence(change) == english


@pytest.mark.django_db
def test_the_ticket_pages_show_the_trail_without_keys_or_iso_dates(client):
    from django.utils import timezone

    from servicedesk.tickets import services
    from tests import factories
    from tests.helpers import portal_signed_in

    agent = factories.agent("anouk")
    anja = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    ticket = services.ticket_create(reporter=anja, subject="Printer", body="", channel="portal")
    services.ticket_classify(ticket=ticket, actor=agent, reason="Storing", support_type="unmanaged", priority="high")
    services.time_entry_add(ticket=ticket, agent=agent, start=timezone.now(), minutes=20)
    client.force_login(agent)
    desk = trail(client.get(f"/desk/tickets/{ticket.pk}/").content.decode(), 'id="audit"')
    portal = trail(
        portal_signed_in(client, anja, agent).get(f"/portal/tickets/{ticket.pk}/").content.decode(), 'id="history"'
    )
    for page in (desk, portal):
        assert "Soort support gewijzigd van Functionele support in" in page
        for raw in ("support_type", "response_due", "time_entry:", "channel:", "+00:00", " → "):
            assert raw not in page, raw
    assert "Tijd geregistreerd: werk," in desk


def trail(page: str, heading: str) -> str:
    """The audit trail's table of a page."""
    start = page.index(heading)
    return page[start : page.index("</table>", start)]
