"""On-call duty in a real browser: the rota page (add a shift, see who is on call and the gaps) and
acknowledging an alert with the diagnosis."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from servicedesk.oncall.alerts import alert_raise
from servicedesk.oncall.models import Alert, Shift
from servicedesk.tickets import services
from tests import factories
from tests.helpers import desk_sign_in as sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def agent():
    return factories.agent("anouk")


def test_rota_and_acknowledging_an_alert(page: Page, live_server, agent):
    sign_in(page, live_server)
    page.get_by_role("link", name="Storingsdienst").click()
    expect(page.locator("#on-call-now")).to_contain_text("Er heeft nu niemand dienst")
    now = timezone.localtime()
    page.get_by_label("Medewerker").select_option(str(agent.pk))
    page.get_by_label("Telefoonnummer").fill("06-12345678")
    page.get_by_label("Van", exact=True).fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Tot", exact=True).fill((now + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Toevoegen").click()
    expect(page.locator("#on-call-now")).to_contain_text("+31612345678")
    expect(page.locator("#rota-gaps")).to_be_visible()  # nobody after those 12 hours
    assert Shift.objects.get().agent == agent

    contact = factories.contact(factories.customer("Bakkerij De Korrel"), "Anja", main=True)
    ticket = services.ticket_create(
        reporter=contact, subject="Kassa plat", body="", channel="phone_after_hours", priority="direct"
    )
    alert_raise(ticket=ticket)
    page.get_by_role("link", name="Alarmeringen").click()
    expect(page.get_by_role("heading", name=f"#{ticket.pk} Kassa plat")).to_be_visible()
    page.get_by_label("Diagnose (de reactie aan de klant)").fill("Voeding defect; nieuwe onderweg.")
    page.get_by_role("button", name="Bevestigen en de diagnose vastleggen").click()
    expect(page.get_by_text("Alarmering bevestigd")).to_be_visible()
    assert Alert.objects.get().acknowledged_by == agent
    ticket.refresh_from_db()
    assert ticket.diagnosis == "Voeding defect; nieuwe onderweg."
