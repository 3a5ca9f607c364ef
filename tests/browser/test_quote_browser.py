"""A quote in a real browser: an agent builds and sends it on the project page, the customer's main contact accepts
it in the portal, and the project shows accepted with the line in its trail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from servicedesk.projects import services
from servicedesk.projects.models import Project, Quote
from tests import factories
from tests.helpers import PORTAL_PASSWORD
from tests.helpers import desk_sign_in as sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_sends_a_quote_and_the_contact_accepts_it(page: Page, browser: Browser, live_server):
    agent = factories.agent("anouk")
    customer = factories.customer("Bakkerij De Korrel")
    anja = factories.contact(customer, "Anja de Vries", main=True, email="anja@korrel.example")
    factories.portal_user(anja, PORTAL_PASSWORD)
    project = services.project_create(customer=customer, name="Migratie naar 365", kind="migration", actor=agent)
    phase = services.phase_add(project=project, name="Mailboxen", actor=agent)
    services.task_add(project=project, phase=phase, title="Verhuizen", actor=agent, estimate_minutes=600)

    sign_in(page, live_server)
    page.goto(f"{live_server.url}/desk/projects/{project.pk}/")
    page.get_by_text("Een offerte maken").click()
    builder = page.locator(f"form[action='/desk/projects/{project.pk}/quotes/']")
    builder.get_by_label("Factuurwijze").select_option("time_and_materials")
    builder.get_by_label("Uurtarief (€)").fill("95")
    builder.get_by_role("button", name="Offerte opstellen").click()
    expect(page.locator("tr.quote-line")).to_have_count(1)
    expect(page.locator("tr.quote-line")).to_contain_text("Mailboxen")

    page.get_by_text("Een regel toevoegen").click()
    line = page.locator("form[action$='/lines/']")
    line.get_by_label("Soort regel").select_option(label="Reiskosten (schatting)")
    line.get_by_label("Omschrijving").fill("Voorrijden")
    line.get_by_label("Aantal (uren of stuks)").fill("2")
    line.get_by_label("Prijs per eenheid (€)").fill("32.50")
    line.get_by_role("button", name="Regel toevoegen").click()
    expect(page.locator("#quote-total")).to_have_text("€\xa01.228,15")  # (950 + 65) x 1.21
    expect(page.get_by_text("Versturen mailt haar met de PDF aan: Anja de Vries")).to_be_visible()
    page.get_by_role("button", name="Offerte versturen").click()
    expect(page.get_by_text(re.compile(r"Offerte Q\d{4}-0001 verstuurd\."))).to_be_visible()
    expect(page.locator("#project-status")).to_have_text("Geoffreerd")
    number = Quote.objects.get().number

    portal = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam").new_page()
    portal.goto(f"{live_server.url}/portal/login/")
    portal.get_by_label("E-mailadres").fill(anja.email)
    portal.get_by_label("Wachtwoord").fill(PORTAL_PASSWORD)
    portal.get_by_role("button", name="Aanmelden").click()
    portal.get_by_role("link", name="Projecten").click()
    expect(portal.get_by_role("heading", name=re.compile("Migratie naar 365"))).to_be_visible()
    portal.get_by_role("link", name=f"Offerte {number} (versie 1)").click()
    expect(portal.get_by_text("€\xa01.228,15")).to_be_visible()
    portal.get_by_label("Opmerking (niet verplicht)").fill("Akkoord, graag in januari.")
    portal.get_by_role("button", name="De offerte accepteren").click()
    expect(portal.get_by_text(f"Dank u wel: offerte {number} is geaccepteerd.")).to_be_visible()
    expect(portal.locator("#quote-decision")).to_contain_text("Geaccepteerd door Anja de Vries")
    expect(portal.get_by_role("button", name="De offerte accepteren")).to_have_count(0)

    page.reload()
    expect(page.locator("#project-status")).to_have_text("Geaccepteerd")
    expect(page.locator("#billing-mode")).to_have_text("Nacalculatie met een urenbudget")
    expect(
        page.get_by_text(f"Offerte {number} geaccepteerd door Anja de Vries (vanaf adres 127.0.0.1).")
    ).to_be_visible()
    expect(page.get_by_text("Akkoord, graag in januari.").first).to_be_visible()
    project.refresh_from_db()
    assert (project.status, project.budget_minutes) == (Project.Status.ACCEPTED, 600)
