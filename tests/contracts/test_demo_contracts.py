"""The demo: every customer has a monthly contract matching its service matrix; the first has a bundle of prepaid
hours, another a bundle nearly used up by a billing run; a third has a premium contract with `high` in 4 hours."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from servicedesk.billing.models import Invoice
from servicedesk.contracts.models import Contract, PrepaidBundle
from servicedesk.contracts.selectors import bundles_of, contract_for_desk, next_period_fees
from servicedesk.customers.models import Customer

pytestmark = pytest.mark.django_db


def test_the_demo_has_contracts_for_all_bundles_for_two_and_a_premium_contract(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO(), now="2027-03-01T09:05")
    customers = list(Customer.objects.order_by("id"))
    for customer in customers:
        contract = contract_for_desk(Contract.objects.filter(customer=customer).order_by("id").first().pk)
        assert contract.billing_period == "month" and contract.end is None
        services = set(customer.matrix_items.filter(active=True).values_list("pk", flat=True))
        assert {line.matrix_item_id for line in contract.lines.all()} == services
    first = contract_for_desk(Contract.objects.filter(customer=customers[0]).get().pk)
    fees = next_period_fees(first, date(2027, 3, 1))  # the anchor: April is a whole month
    assert [fee.amount_cents for fee in fees.lines[:2]] == [14 * 2500, 4500]
    bundle = PrepaidBundle.objects.get(customer=customers[0])
    assert bundle.sold_by.username == "fatima"
    (balance,) = bundles_of(customer_id=bundle.customer_id, today=bundle.bought_on)
    assert (balance.state, balance.left_time) == ("active", (10, 0))
    low_bundle = PrepaidBundle.objects.exclude(customer=customers[0]).get()
    assert low_bundle.customer not in (customers[0], customers[2])
    (low,) = bundles_of(customer_id=low_bundle.customer_id, today=date(2027, 3, 1))
    assert low.state == "active" and 0 < low.left_cents < low.bundle.value_cents / 5
    assert low.bundle.debits.exists() and Invoice.objects.filter(customer=low_bundle.customer).exists()
    premium = Contract.objects.get(service_levels__isnull=False)
    assert premium.customer == customers[2] and premium.start == date(2027, 3, 1)
    assert premium.service_levels["functional"]["high"]["response"] == "4h"
