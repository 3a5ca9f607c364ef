"""The dashboard and the reports in a real browser, on a phone and a desktop, in Dutch and English: each draws
its chart (an SVG with a title), the page does not scroll sideways, and the table holds the chart's figures."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from servicedesk.tickets import services
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("SERVICEDESK_SCREENSHOTS", "/tmp/servicedesk-screenshots")
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def desk_with_tickets():
    agent = factories.agent("anouk")
    now = timezone.now()
    for n, (name, late) in enumerate([("Bakkerij De Korrel", False), ("Stichting Openbaar Onderwijs Utrecht", True)]):
        customer = factories.customer(name)
        contact = factories.contact(customer, f"Contact {n}", main=True)
        for i in range(3):
            reported = now - timedelta(days=20 + i, hours=n)
            ticket = services.ticket_create(
                reporter=contact, subject=f"Melding {n}-{i}", body="…", channel="email", now=reported
            )
            services.ticket_assign(ticket=ticket, actor=agent, assignee=agent, now=reported)
            services.time_entry_add(
                ticket=ticket, agent=agent, start=reported + timedelta(hours=2), minutes=20 + 15 * i
            )
            if i < 2:
                answered = ticket.response_due + (timedelta(hours=1) if late else -timedelta(minutes=30))
                services.ticket_respond(ticket=ticket, actor=agent, diagnosis="Gevonden.", now=answered)
    return agent


@pytest.mark.parametrize("width", [390, 1400])
def test_dashboard_and_sla_report_draw_their_charts(browser: Browser, live_server, desk_with_tickets, width):
    os.makedirs(SHOTS, exist_ok=True)
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 900}, is_mobile=width < 500)
    page = context.new_page()
    page.goto(f"{live_server.url}/desk/login/")
    page.get_by_label("Gebruikersnaam").fill("anouk")
    page.get_by_label("Wachtwoord").fill("s3cret-pass")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("heading", name="Overzicht", exact=True)).to_be_visible()
    spark = page.get_by_role("img", name="Openstaande tickets, per week")
    expect(spark).to_be_visible()
    assert spark.bounding_box()["width"] > 100
    expect(page.get_by_role("heading", name="Mijn openstaande tickets (6)")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=f"{SHOTS}/dashboard-{width}.png", full_page=True)

    today = timezone.localdate()
    first = today - timedelta(days=40)
    page.goto(f"{live_server.url}/desk/reports/sla/?period=custom&start={first}&end={today}&group=customer")
    chart = page.get_by_role("img", name="Reactie op tijd")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert 300 < box["width"] <= width and box["height"] > 150
    expect(chart.locator("text", has_text="Stichting Openbaar Onderwijs Utrecht")).to_have_count(1)
    total = page.locator("tfoot tr")
    expect(total).to_contain_text("Totaal")
    expect(total.locator("td").nth(1)).to_have_text("2")  # in time: Korrel's two
    expect(total.locator("td").nth(2)).to_have_text("2")  # late: the foundation's two
    expect(total).to_contain_text("33,3")  # 2 in time of 6: 2 late and 2 overdue
    assert page.evaluate(OVERFLOW) <= 0
    page.screenshot(path=f"{SHOTS}/sla-{width}.png", full_page=True)

    for path, name in (("workload", "Tickets geopend, gesloten en open"), ("time", "Geschreven uren")):
        page.goto(f"{live_server.url}/desk/reports/{path}/?period=custom&start={first}&end={today}")
        expect(page.get_by_role("img", name=name)).to_be_visible()
        assert page.evaluate(OVERFLOW) <= 0
        page.screenshot(path=f"{SHOTS}/{path}-{width}.png", full_page=True)
    page.goto(f"{live_server.url}/desk/reports/sla/?period=custom&start={first}&end={today}&group=customer")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="SLA report")).to_be_visible()
    expect(page.get_by_role("img", name="Response in time")).to_be_visible()
    expect(page.locator("tfoot tr")).to_contain_text("33.3")
    page.goto(f"{live_server.url}/desk/")
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Open tickets, weekly")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/dashboard-en-{width}.png", full_page=True)
    context.close()
