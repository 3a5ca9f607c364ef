"""Project time and its budget in a real browser: an agent books time on a task of a time-and-materials project
with the live price, sees the budget bar pass its limit and proposes an extension; the customer's main contact
approves it in the portal; the desk's project page shows nothing awaiting approval any more. Screenshots at phone
width and desktop."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from servicedesk.projects import time_services
from servicedesk.projects.models import BudgetExtension
from tests import factories
from tests.helpers import PORTAL_PASSWORD
from tests.helpers import desk_sign_in as sign_in

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = Path(os.environ.get("SERVICEDESK_SCREENSHOTS", "/tmp/servicedesk-screenshots"))
PHONE = {"width": 390, "height": 844}


def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= PHONE["width"], f"{name} is wider than a phone: {width}px"


def test_time_past_the_budget_waits_until_the_customer_approves_an_extension(page: Page, browser: Browser, live_server):
    agent = factories.agent("anouk")
    customer = factories.customer("Bakkerij De Korrel")
    anja = factories.contact(customer, "Anja de Vries", main=True, email="anja@korrel.example")
    factories.portal_user(anja, PORTAL_PASSWORD)
    project = factories.accepted_project(
        customer, agent, anja, billing_mode="time_and_materials", phases=[("Mailboxen", 120, None)]
    )
    time_services.project_time_add(
        project=project, agent=agent, start=timezone.now() - timedelta(days=3), minutes=90, description="Tellen"
    )

    sign_in(page, live_server)
    page.goto(f"{live_server.url}/desk/projects/{project.pk}/")
    expect(page.locator("#budget-hours")).to_contain_text("/ 2 h")
    page.get_by_text("Tijd registreren").click()
    form = page.locator("#time-form")
    form.get_by_label("Begin").fill("2026-12-04T10:00")  # a Friday morning: office hours
    form.get_by_label("Minuten").fill("60")
    form.get_by_label("Taak").select_option(label="Mailboxen: Mailboxen")
    expect(page.locator("#preview-line")).to_contain_text("€\xa095,00")
    expect(page.locator("#preview-total")).to_be_visible()
    form.get_by_role("button", name="Tijdregistratie opslaan").click()
    expect(page.get_by_text("Tijdregistratie opgeslagen.")).to_be_visible()
    expect(page.locator("tr.time-row")).to_have_count(2)
    expect(page.locator("#awaiting-approval")).to_have_text("0,5 h")

    page.get_by_text("Een uitbreiding voorstellen").click()
    extension = page.locator("form[action$='/extensions/']")
    extension.get_by_label("Extra uren").fill("2")
    extension.get_by_label("Waarom (de klant leest dit)").fill("Meer mailboxen dan geteld")
    extension.get_by_role("button", name="Uitbreiding voorstellen").click()
    expect(page.get_by_text("Uitbreiding voorgesteld; de klant keurt haar goed in het portaal.")).to_be_visible()
    _shoot(page, "project-time-desk")

    portal = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam").new_page()
    portal.goto(f"{live_server.url}/portal/login/")
    portal.get_by_label("E-mailadres").fill(anja.email)
    portal.get_by_label("Wachtwoord").fill(PORTAL_PASSWORD)
    portal.get_by_role("button", name="Aanmelden").click()
    portal.get_by_role("link", name="Projecten").click()
    expect(portal.get_by_text(re.compile(r"0,5 uur boven het budget wacht"))).to_be_visible()
    expect(portal.get_by_text("Uitbreiding met 2 uur voorgesteld")).to_be_visible()
    _shoot(portal, "project-extension-portal")
    portal.get_by_label("Opmerking (niet verplicht)").fill("Akkoord")
    portal.get_by_role("button", name="Uitbreiding goedkeuren").click()
    expect(portal.get_by_text("Dank u: de uitbreiding met 2 uur is goedgekeurd.")).to_be_visible()
    expect(portal.get_by_text(re.compile("boven het budget wacht"))).to_have_count(0)

    page.reload()
    expect(page.locator("#awaiting-approval")).to_have_count(0)
    expect(page.locator("#extensions")).to_contain_text("Goedgekeurd")
    expect(
        page.get_by_text("Uitbreiding met 2 uur goedgekeurd door Anja de Vries (vanaf adres 127.0.0.1).")
    ).to_be_visible()
    assert BudgetExtension.objects.get().decided_by == anja
