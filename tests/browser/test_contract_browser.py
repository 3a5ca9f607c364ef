"""Contracts in a real browser: create a contract, add a line, change its quantity, sell prepaid hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from servicedesk.contracts.models import Contract, LineQuantity, PrepaidBundle
from servicedesk.customers.services import matrix_item_add
from tests import factories
from tests.helpers import desk_sign_in as sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_a_contract_add_a_line_change_its_quantity_and_sell_a_bundle(page: Page, live_server):
    agent = factories.agent("anouk")
    customer = factories.customer("Bakkerij De Korrel")
    matrix_item_add(customer=customer, name="Werkplekken", description="", actor=agent)
    sign_in(page, live_server)

    page.get_by_role("link", name="Contracten").click()
    page.get_by_role("link", name="Nieuw contract").click()
    page.get_by_label("Klant").select_option(label="Bakkerij De Korrel")
    page.get_by_label("Naam").fill("Beheer 2027")
    page.get_by_label("Factuurperiode").select_option("month")
    page.get_by_label("Begin").fill("2026-01-01")
    page.get_by_label("Eigen serviceniveaus").check()
    page.get_by_label("Functioneel, Hoog: reactietermijn").fill("4h")
    page.get_by_role("button", name="Contract opslaan").click()
    expect(page.get_by_role("heading", name="Beheer 2027")).to_be_visible()
    expect(page.locator("#own-levels")).to_contain_text("4 uur")

    page.get_by_text("Een regel toevoegen").click()
    page.get_by_label("Dienst").select_option(label="Werkplekken")
    page.get_by_label("Aantal").fill("12")
    page.get_by_label("Stukprijs per periode (€)").fill("25.00")
    page.get_by_role("button", name="Regel toevoegen").click()
    expect(page.get_by_text("Regel toegevoegd.")).to_be_visible()
    expect(page.locator("tr.contract-line")).to_contain_text("Werkplekken")
    expect(page.locator("#fee-total")).to_have_text("€\xa0300,00")

    page.locator("tr.contract-line").get_by_label("Nieuw aantal").fill("15")
    page.locator("tr.contract-line").get_by_role("button", name="Aantal opslaan").click()
    expect(page.get_by_text("Aantal gewijzigd; het telt vanaf morgen.")).to_be_visible()
    expect(page.locator("#fee-total")).to_have_text("€\xa0375,00")
    expect(page.locator("#contract-trail")).to_contain_text("Aantal van Werkplekken gewijzigd van 12 in 15")

    page.get_by_role("link", name="Bakkerij De Korrel").first.click()
    page.get_by_role("link", name="Strippenkaart verkopen").click()
    page.get_by_label("Uren").fill("10")
    page.get_by_label("Prijs (€)").fill("600")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("Strippenkaart verkocht.")).to_be_visible()
    expect(page.locator("#bundles")).to_contain_text("10 uur")

    contract = Contract.objects.get()
    assert contract.service_levels["functional"]["high"]["response"] == "4h"
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert list(LineQuantity.objects.values_list("quantity", "effective_from")) == [(12, tomorrow), (15, tomorrow)]
    bundle = PrepaidBundle.objects.get()
    assert (bundle.hours, bundle.price_cents, bundle.base_rate_cents, bundle.sold_by) == (10, 60000, 6500, agent)
