"""The demo has a customer with a monthly contract of two lines and a bundle of prepaid hours."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import call_command

from servicedesk.contracts.models import Contract, PrepaidBundle
from servicedesk.contracts.selectors import bundles_of, contract_for_desk, next_period_fees

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_monthly_contract_of_two_lines_and_a_bundle(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO(), now="2027-03-01T09:05")
    contract = contract_for_desk(Contract.objects.get().pk)
    assert contract.billing_period == "month" and contract.end is None
    assert [line.matrix_item.customer_id for line in contract.lines.all()] == [contract.customer_id] * 2
    fees = next_period_fees(contract, date(2027, 3, 1))  # the anchor: April is a whole month
    assert fees.total_cents == 14 * 2500 + 4500
    bundle = PrepaidBundle.objects.get()
    assert bundle.customer_id == contract.customer_id and bundle.sold_by.username == "fatima"
    (balance,) = bundles_of(customer_id=bundle.customer_id, today=bundle.bought_on)
    assert (balance.state, balance.left_time) == ("active", (10, 0))
    assert contract.events.count() == 3
