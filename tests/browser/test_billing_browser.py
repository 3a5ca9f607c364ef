"""Starting a billing run in a real browser: no customer chosen bills them all; chosen ones bill only those."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from servicedesk.billing.models import BillingRun
from tests import factories
from tests.helpers import desk_sign_in as sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_run_for_all_customers_or_the_chosen_ones(page: Page, live_server):
    factories.biller("anouk")
    factories.customer("Bakkerij De Korrel")
    vos = factories.customer("Garage Vos")
    sign_in(page, live_server)

    page.get_by_role("link", name="Facturatie").click()
    customers = page.get_by_label("Klanten (geen gekozen: alle)")
    expect(customers).to_have_values([])
    page.get_by_role("button", name="Voorbeeld").click()
    page.wait_for_url(re.compile(r"/desk/billing/runs/\d+/$"))
    everyone = BillingRun.objects.get()
    assert not everyone.customers.exists()

    page.get_by_role("link", name="Facturatie").click()
    page.get_by_label("Klanten (geen gekozen: alle)").select_option(label="Garage Vos")
    page.get_by_role("button", name="Voorbeeld").click()
    page.wait_for_url(re.compile(rf"/desk/billing/runs/(?!{everyone.pk}/)\d+/$"))
    assert list(BillingRun.objects.exclude(pk=everyone.pk).get().customers.all()) == [vos]
