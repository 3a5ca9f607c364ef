"""Every desk and portal page fits a phone (390 px) and a desktop (1400 px): no horizontal scrolling of the
page, and nothing sticks out of its panel. The lists of tickets become cards on a phone; other wide tables
scroll inside their own box."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.helpers import PORTAL_PASSWORD, every_page, world_of_every_page

pytestmark = pytest.mark.django_db(transaction=True)

# Width the page needs beyond the window, and the panels whose content is wider than the panel.
MEASURE = """() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll(".panel, main > *")]
    .filter((el) => !el.classList.contains("table-wrap") && el.scrollWidth > el.clientWidth + 1)
    .map((el) => (el.id || el.className || el.tagName) + " " + el.scrollWidth + ">" + el.clientWidth);
  return {overflow: root.scrollWidth - root.clientWidth, wide};
}"""


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return world_of_every_page()


@pytest.mark.parametrize("width", [390, 1400])
def test_every_page_fits_the_screen(browser: Browser, live_server, world, width):
    context = browser.new_context(locale="nl-NL", viewport={"width": width, "height": 900}, is_mobile=width < 500)
    page = context.new_page()
    page.goto(f"{live_server.url}/desk/login/")
    page.get_by_label("Gebruikersnaam").fill(world["agent"].username)
    page.get_by_label("Wachtwoord").fill("s3cret-pass")
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(f"{live_server.url}/desk/")
    problems = {}
    for url in every_page.DESK:
        if url == "/admin/":
            continue  # Django's own pages
        page.goto(live_server.url + url.format(**world["ids"]))
        found = page.evaluate(MEASURE)
        if found["overflow"] > 0 or found["wide"]:
            problems[url] = found
    portal = context.new_page()
    context.clear_cookies()
    portal.goto(f"{live_server.url}/portal/login/")
    portal.get_by_label("E-mailadres").fill(world["anja"].email)
    portal.get_by_label("Wachtwoord").fill(PORTAL_PASSWORD)
    portal.get_by_role("button", name="Aanmelden").click()
    portal.wait_for_url(f"{live_server.url}/portal/")
    for url in every_page.PORTAL:
        portal.goto(live_server.url + url.format(**world["ids"]))
        found = portal.evaluate(MEASURE)
        if found["overflow"] > 0 or found["wide"]:
            problems[url] = found
    context.close()
    assert problems == {}, problems
