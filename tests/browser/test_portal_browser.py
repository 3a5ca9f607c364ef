"""A customer's contact in a real browser: invitation, password, a ticket with a raised priority (and a colleague
who may not raise it), a reply with a file, the agent's answer, manuals, language and a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from servicedesk.customers.services import matrix_item_add
from servicedesk.manuals.services import manual_save
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.portal.services import portal_invite
from servicedesk.tickets.models import Ticket
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Koffie-Met-Appeltaart-42"


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def korrel():
    customer = factories.customer("Bakkerij De Korrel")
    matrix_item_add(customer=customer, name="Microsoft 365", actor=None)
    return customer


@pytest.fixture
def anja(korrel):
    return factories.contact(korrel, "Anja de Vries", main=True, email="anja@korrel.example")


@pytest.fixture
def bert(korrel):
    return factories.contact(korrel, "Bert Bakker", email="bert@korrel.example", may_report=True)


def accept_invitation(page: Page, live_server, contact, agent) -> None:
    outgoing = portal_invite(contact=contact, actor=agent)
    path = re.search(r"http://[^/\s]+(/portal/password/\S+)", outgoing.body).group(1)
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", name="Kies een wachtwoord")).to_be_visible()
    page.locator("input[name=new_password1]").fill(PASSWORD)
    page.locator("input[name=new_password2]").fill(PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.get_by_text("Uw wachtwoord is ingesteld")).to_be_visible()  # and signed in


def test_invitation_to_ticket_to_answer(page: Page, browser: Browser, live_server, agent, anja, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    manual_save(actor=agent, title="Wachtwoord wijzigen in Microsoft 365", body="Ga naar **Instellingen**.")
    accept_invitation(page, live_server, anja, agent)
    expect(page.get_by_role("heading", name="Tickets van Bakkerij De Korrel")).to_be_visible()

    # Report: another system, at the direct priority Anja may use; rate and deadline shown before sending.
    page.get_by_role("link", name="Melding doen").first.click()
    page.get_by_label("Een ander systeem (niet door ons beheerd)").check()
    expect(page.locator("label[for=priority-direct]")).to_contain_text("125,00 per uur")
    page.get_by_label(re.compile(r"^Direct")).check()
    page.get_by_label("Onderwerp").fill("Wachtwoord kassa werkt niet")
    expect(page.locator("#suggestions")).to_contain_text("Wachtwoord wijzigen in Microsoft 365")
    page.get_by_label("Omschrijving").fill("De kassa accepteert het wachtwoord niet meer.")
    page.get_by_role("button", name="Melding versturen").click()
    expect(page.get_by_text(re.compile(r"Ticket #\d+ is geregistreerd"))).to_be_visible()
    ticket = Ticket.objects.get()
    assert (ticket.support_type, ticket.priority, ticket.channel) == ("unmanaged", "direct", "portal")
    expect(page.locator("#response-due")).to_contain_text(timezone.localtime(ticket.response_due).strftime("%H:%M"))

    # A reply with a screenshot.
    screenshot = tmp_path / "kassa.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\nkassa")
    page.get_by_label("Uw bericht").fill("Zie de schermafdruk.")
    page.get_by_label("Bijlagen").set_input_files(str(screenshot))
    page.get_by_role("button", name="Versturen").click()
    expect(page.get_by_role("link", name="kassa.png")).to_be_visible()

    # The agent answers in the desk, in a browser of their own.
    # Closing the context, not the page: Page.close() can wait forever on newer Chromium builds.
    desk_context = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    desk = desk_context.new_page()
    desk.goto(f"{live_server.url}/desk/")
    desk.get_by_label("Gebruikersnaam").fill("anouk")
    desk.get_by_label("Wachtwoord").fill("s3cret-pass")
    desk.get_by_role("button", name="Aanmelden").click()
    desk.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    expect(desk.get_by_role("link", name="kassa.png")).to_be_visible()
    desk.get_by_text("Antwoorden", exact=True).click()
    desk.locator("form[action$='/reply/'] textarea").fill("We hebben het wachtwoord opnieuw ingesteld.")
    desk.get_by_role("button", name="Antwoord versturen").click()
    desk_context.close()

    page.reload()
    expect(page.get_by_text("We hebben het wachtwoord opnieuw ingesteld.")).to_be_visible()
    assert OutgoingMessage.objects.filter(ticket=ticket, kind="reply").exists()

    # Manuals: search and read.
    page.get_by_role("link", name="Handleidingen").click()
    page.get_by_label("Zoeken").fill("microsoft")
    page.get_by_role("button", name="Zoeken").click()
    page.get_by_role("link", name="Wachtwoord wijzigen in Microsoft 365").click()
    expect(page.locator("article strong")).to_have_text("Instellingen")

    # English on request.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Report a ticket", exact=True)).to_be_visible()


def test_a_colleague_without_the_right_sees_only_the_lowest_priority(page: Page, live_server, agent, bert):
    accept_invitation(page, live_server, bert, agent)
    page.get_by_role("link", name="Melding doen").first.click()
    page.get_by_label("Een ander systeem (niet door ons beheerd)").check()
    expect(page.get_by_label(re.compile(r"^Standaard"))).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Direct"))).to_have_count(0)
    expect(page.get_by_text("collega’s")).to_be_visible()


def test_the_portal_fits_a_phone(browser: Browser, live_server, agent, anja):
    from servicedesk.tickets import services

    for n in range(3):
        services.ticket_create(reporter=anja, subject=f"Melding met een vrij lange titel {n}", body="", channel="email")
    phone = browser.new_context(locale="nl-NL", viewport={"width": 375, "height": 740}, is_mobile=True)
    page = phone.new_page()
    accept_invitation(page, live_server, anja, agent)
    expect(page.get_by_role("link", name="Melding met een vrij lange titel 0")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    page.get_by_role("link", name="Melding doen").first.click()
    expect(page.get_by_label("Onderwerp")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    phone.close()
