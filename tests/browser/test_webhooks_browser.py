"""Webhooks in a real browser: an admin makes one and sees its secret once, and reads its delivery log, on a
phone and on a desktop (screenshots kept for a person to look at)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from servicedesk.tickets import services
from servicedesk.webhooks.delivery import deliver_due
from servicedesk.webhooks.models import WebhookSubscription
from tests import factories
from tests.helpers import WebhookReceiver, webhook_admin
from tests.helpers import desk_sign_in as sign_in

pytestmark = pytest.mark.django_db(transaction=True)

FITS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_an_admin_makes_a_webhook_and_reads_its_delivery_log(page: Page, live_server, receiver, width, tmp_path):
    webhook_admin("anouk")
    anja = factories.contact(factories.customer(), "Anja", main=True, email="anja@korrel.example")
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/desk/webhooks/")
    page.get_by_label("URL die de gebeurtenissen ontvangt").fill(
        receiver.url + "/met/een/heel/lang/pad/dat/moet/afbreken"
    )
    page.get_by_label("Melding gewijzigd").check()
    page.get_by_role("button", name="Webhook maken").click()
    subscription = WebhookSubscription.objects.get()
    expect(page.locator("#new-webhook-secret")).to_have_text(subscription.secret)
    assert page.evaluate(FITS) <= 0

    receiver.answers = [500]
    ticket = services.ticket_create(reporter=anja, subject="Printer piept", body="Hij piept.", channel="email")
    services.ticket_note(ticket=ticket, actor=subscription.owner, body="Kijk ik naar.")
    deliver_due()
    page.reload()
    expect(page.locator("#new-webhook-secret")).to_have_count(0)
    log = page.locator("#delivery-log")
    expect(log.get_by_text("HTTP 500")).to_be_visible()
    # The update waits behind the failed creation of its ticket: both in the log, the update not tried yet.
    expect(log.get_by_text("ticket.created")).to_have_count(1)
    expect(log.get_by_text("ticket.updated")).to_have_count(1)
    assert page.evaluate(FITS) <= 0
    page.screenshot(path=str(tmp_path / f"webhook-log-{width}.png"), full_page=True)
    print(f"screenshot: {tmp_path}/webhook-log-{width}.png")
