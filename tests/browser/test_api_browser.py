"""API tokens in a real browser: made on the account page, shown once, fitting a phone; the API's docs page
renders its operations from our own files under our Content-Security-Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from servicedesk.api.models import ApiToken
from tests import factories
from tests.helpers import desk_sign_in as sign_in

pytestmark = pytest.mark.django_db(transaction=True)

FITS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def agent():
    return factories.agent("anouk")


def test_an_agent_makes_a_token_and_sees_it_once_on_a_phone(page: Page, live_server, agent):
    page.set_viewport_size({"width": 390, "height": 900})
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/desk/account/")
    page.get_by_label("Naam (wat gebruikt het)").fill("Monitoring")
    page.get_by_label("Schrijven").check()
    page.get_by_role("button", name="Token aanmaken").click()
    secret = page.locator("#new-api-token").inner_text()
    token = ApiToken.objects.get(agent=agent)
    assert secret.startswith(token.prefix) and token.scope_list == ["read", "write"]
    expect(page.get_by_text("Kopieer dit token nu")).to_be_visible()
    assert page.evaluate(FITS) <= 0  # the long secret wraps inside its box
    page.reload()
    expect(page.locator("#new-api-token")).to_have_count(0)
    page.get_by_role("row", name="Monitoring").get_by_role("button", name="Intrekken").click()
    expect(page.get_by_text("Token Monitoring is ingetrokken")).to_be_visible()
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_api_docs_render_from_our_own_files(page: Page, live_server):
    blocked, outside = [], []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_text("/api/v1/tickets/{ticket_id}/time-entries").first).to_be_visible()
    assert outside == [] and blocked == []
