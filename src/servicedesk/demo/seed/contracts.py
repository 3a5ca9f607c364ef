"""The demo's contracts and prepaid hours: the first customer pays monthly for two services of its matrix and
has bought a bundle of prepaid hours (strippenkaart). Made through the contract services, dated at the start."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from servicedesk.contracts.services import bundle_sell, contract_create, line_add
from servicedesk.customers.models import Customer

#: (quantity, unit price per month in cents) of the contract's two lines, on the first two services of the matrix.
LINES = ((14, 2500), (1, 4500))
BUNDLE_HOURS, BUNDLE_PRICE_CENTS = 10, 60000


def seed_contracts(*, agent, start: datetime) -> None:
    """A monthly contract from the first of the month the demo starts in, and a bundle bought that day."""
    customer = Customer.objects.order_by("id").first()
    day = timezone.localtime(start).date()
    contract = contract_create(
        customer=customer,
        name=f"Beheer {customer.name}",
        billing_period="month",
        start=day.replace(day=1),
        actor=agent,
        now=start,
    )
    items = list(customer.matrix_items.filter(active=True).order_by("id")[: len(LINES)])
    for item, (quantity, price) in zip(items, LINES, strict=True):
        line_add(contract=contract, actor=agent, matrix_item=item, quantity=quantity, unit_price_cents=price, now=start)
    bundle_sell(customer=customer, hours=BUNDLE_HOURS, price_cents=BUNDLE_PRICE_CENTS, actor=agent, now=start)
