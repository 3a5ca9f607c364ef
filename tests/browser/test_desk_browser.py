"""An agent's day in a real browser: sign in, take calls, diagnose, record time, reclassify."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from servicedesk.tickets import services
from servicedesk.tickets.models import RefusedReport, Ticket
from tests import factories
from tests.helpers import desk_sign_in as sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def agent():
    return factories.agent("anouk")


@pytest.fixture
def customer():
    return factories.customer("Bakkerij De Korrel")


@pytest.fixture
def main_contact(customer):
    return factories.contact(customer, "Anja de Vries", main=True, phones=["030-7116193"])


def test_phone_call_to_diagnosis_time_and_reclassification(page: Page, live_server, agent, main_contact):
    sign_in(page, live_server)

    # A call comes in: find the caller by the number on the display.
    page.get_by_role("link", name="Telefoontje").click()
    page.get_by_label("Wie belt er?").fill("0307116193")
    page.get_by_role("link", name="Anja de Vries").click()
    expect(page.locator("#may-report")).to_have_text("ja")

    # A functional question by phone shows the surcharge before saving.
    page.get_by_label("Soort support").select_option("functional")
    expect(page.locator("#phone-surcharge")).to_contain_text("15 minuten extra")
    page.get_by_label("Onderwerp").fill("Wachtwoord vergeten")
    page.get_by_label("Wat is het probleem?").fill("Kan niet inloggen op de kassa.")
    page.get_by_role("button", name="Ticket aanmaken").click()
    expect(page.get_by_role("heading", name=re.compile(r"#\d+ Wachtwoord vergeten"))).to_be_visible()
    ticket = Ticket.objects.get()
    assert ticket.channel == "phone"

    # Record the diagnosis.
    page.get_by_label("Diagnose").fill("Account geblokkeerd na drie pogingen")
    page.get_by_role("button", name="Diagnose vastleggen").click()
    expect(page.get_by_text("Reactie vastgelegd.")).to_be_visible()

    # Record time and see the price before saving: 20 minutes from 16:50 on a Tuesday.
    page.get_by_text("Tijd registreren").click()
    start = (timezone.localtime() - timedelta(days=7)).replace(hour=16, minute=50)
    while start.isoweekday() != 2:
        start -= timedelta(days=1)
    page.get_by_label("Begin", exact=True).fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Minuten").fill("20")
    expect(page.locator("#preview-line")).to_contain_text("€\xa039,17")
    # Evening work the customer was not told the rate of is flagged before saving.
    expect(page.locator("#preview-after-hours")).to_contain_text("niet vooraf gemeld")
    page.get_by_label("Opslaan zonder de klant vooraf het tarief buiten kantoortijd te hebben gemeld").check()
    page.get_by_role("button", name="Tijdregistratie opslaan").click()
    expect(page.get_by_text("Tijdregistratie opgeslagen.")).to_be_visible()
    expect(page.locator("#ticket-total")).to_have_text("€\xa055,42")  # 39.17 + 16.25 surcharge

    # Reclassify to direct: the deadline moves and the audit trail says why.
    before = page.locator("#response-due").inner_text()
    page.get_by_text("Classificatie wijzigen").click()
    page.get_by_label("Prioriteit").select_option("direct")
    page.get_by_label("Reden (de klant krijgt die te zien)").fill("Kassa ligt eruit")
    page.get_by_role("button", name="Classificatie opslaan").click()
    expect(page.locator("#priority")).to_contain_text("Direct")
    expect(page.locator("#response-due")).not_to_have_text(before)
    expect(page.locator("#hourly-rate")).to_have_text("€\xa0125,00")
    expect(page.get_by_role("cell", name="Kassa ligt eruit").first).to_be_visible()
    # The audit trail reads as sentences in the reader's language, never in keys and ISO dates (issue 25 item 16).
    trail = page.locator("section[aria-labelledby=audit]")
    expect(trail).to_contain_text("Prioriteit gewijzigd van Standaard in Direct.")
    expect(trail).to_contain_text("Gemeld via telefoon.")
    for key in ("priority:", "response_due", "channel:", "→ direct", "+00:00"):
        expect(trail).not_to_contain_text(key)


def test_a_refused_caller_gets_no_ticket(page: Page, live_server, agent, customer):
    factories.contact(customer, "Kees Bakker", phones=["06-11112222"])
    sign_in(page, live_server)
    page.get_by_role("link", name="Telefoontje").click()
    page.get_by_label("Wie belt er?").fill("Kees")
    page.get_by_role("link", name="Kees Bakker").click()
    expect(page.get_by_role("alert")).to_contain_text("Deze beller mag geen meldingen doen")
    expect(page.get_by_role("button", name="Ticket aanmaken")).to_have_count(0)
    page.get_by_label("Waar ging het gesprek over?").fill("Mail doet raar")
    page.get_by_role("button", name="Geweigerd gesprek vastleggen").click()
    expect(page.get_by_role("heading", name="Geweigerde meldingen")).to_be_visible()
    expect(page.get_by_role("cell", name="Mail doet raar")).to_be_visible()
    assert not Ticket.objects.exists()
    assert RefusedReport.objects.get().recorded_by == agent


def test_queue_shows_breached_tickets_and_tablet_width(page: Page, live_server, agent, main_contact):
    services.ticket_create(
        reporter=main_contact,
        subject="Server plat",
        body="",
        channel="email",
        support_type="unmanaged",
        priority="direct",
        now=timezone.now() - timedelta(days=3),
    )
    page.set_viewport_size({"width": 800, "height": 1000})
    sign_in(page, live_server)
    page.get_by_role("link", name=re.compile("Overschreden")).click()
    expect(page.get_by_role("link", name="Server plat")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 820, f"page wider than a tablet: {width}px"


def test_the_deadline_counts_down_live(page: Page, live_server, agent, main_contact):
    ticket = services.ticket_create(
        reporter=main_contact,
        subject="Mail traag",
        body="",
        channel="email",
        support_type="unmanaged",
        priority="direct",
    )
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    countdown = page.locator(".live-countdown")
    first = countdown.inner_text()
    assert re.fullmatch(r"-?\d+:\d\d:\d\d", first)
    page.wait_for_timeout(1500)
    assert countdown.inner_text() != first


def test_an_injected_inline_script_does_not_run_and_the_pages_own_do(page: Page, live_server, agent, main_contact):
    ticket = services.ticket_create(reporter=main_contact, subject="Printer", body="Hij piept.", channel="email")
    sign_in(page, live_server)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    countdown = page.locator(".live-countdown").first
    expect(countdown).to_have_text(re.compile(r"\d+:\d\d:\d\d"))  # the page's own script runs
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.injected = 1";
                   document.body.appendChild(s); }"""
    )
    assert page.evaluate("() => window.injected") is None
    assert any("Content Security Policy" in text for text in console), console
    # htmx (a script file) still works: the live price preview of the time entry form.
    page.get_by_text("Tijd registreren").click()
    page.get_by_label("Minuten").fill("20")
    expect(page.locator("#preview-line")).to_contain_text("€")
