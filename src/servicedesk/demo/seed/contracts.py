"""The demo's contracts and prepaid hours, made through the services: every customer pays monthly for its service
matrix (a line per service); the first customer has bought a bundle of prepaid hours (strippenkaart) at the start;
another customer's bundle is nearly used up, by a billing run over its work so far; a third has a premium
contract from today on, with its own service levels (`high` answered within 4 office hours)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from servicedesk.billing.models import PAID_KINDS
from servicedesk.billing.services import billing_run_confirm, billing_run_create
from servicedesk.billing.specification import period_bounds, specifications
from servicedesk.contracts.services import bundle_sell, contract_create, line_add
from servicedesk.customers.models import Customer

#: (quantity, unit price per month in cents) of the first customer's first two services; other services and
#: customers: by the service's name, else one at DEFAULT_LINE.
LINES = ((14, 2500), (1, 4500))
BY_SERVICE = {
    "Microsoft 365": (12, 1250),
    "Werkplekken": (12, 2500),
    "Netwerk": (1, 4500),
    "Firewall": (1, 3500),
    "Back-up": (1, 6000),
    "VoIP-telefonie": (8, 900),
    "Server": (1, 7500),
}
DEFAULT_LINE = (1, 5000)
BUNDLE_HOURS, BUNDLE_PRICE_CENTS = 10, 60000
BASE_RATE_CENTS = 6500
PREMIUM_CUSTOMER = 2  # by id order: the accountants
#: A premium contract's own service levels: the policy file's, but `high` within 4 office hours and cheaper rates.
PREMIUM_LEVELS = {
    "managed": {
        "standard": {"instead": "high"},
        "high": {"response": "4h", "rate": "free"},
        "direct": {"response": "1h", "rate": "110.00"},
    },
    "unmanaged": {
        "standard": {"response": "16h", "rate": "60.00"},
        "high": {"response": "4h", "rate": "75.00"},
        "direct": {"response": "1h", "rate": "110.00"},
    },
    "functional": {
        "standard": {"response": "16h", "rate": "60.00"},
        "high": {"response": "4h", "rate": "75.00"},
        "direct": {"response": "1h", "rate": "110.00"},
    },
}


def _contract(customer: Customer, *, agent, start: datetime, lines=None) -> None:
    """A monthly contract from the first of the month `start` is in: a line per active service of the matrix."""
    day = timezone.localtime(start).date()
    contract = contract_create(
        customer=customer,
        name=f"Beheer {customer.name}",
        billing_period="month",
        start=day.replace(day=1),
        actor=agent,
        now=start,
    )
    for index, item in enumerate(customer.matrix_items.filter(active=True).order_by("id")):
        quantity, price = (lines or {}).get(index) or BY_SERVICE.get(item.name, DEFAULT_LINE)
        line_add(contract=contract, actor=agent, matrix_item=item, quantity=quantity, unit_price_cents=price, now=start)


def seed_contracts(*, agent, start: datetime, anchor: datetime) -> None:
    """Contracts for all, bundles for two, a premium contract for one (see the module's text)."""
    customers = list(Customer.objects.order_by("id"))
    for index, customer in enumerate(customers):
        _contract(customer, agent=agent, start=start, lines=dict(enumerate(LINES)) if index == 0 else None)
    bundle_sell(customer=customers[0], hours=BUNDLE_HOURS, price_cents=BUNDLE_PRICE_CENTS, actor=agent, now=start)
    if len(customers) > PREMIUM_CUSTOMER:
        _nearly_used_bundle(
            [c for i, c in enumerate(customers) if i not in (0, PREMIUM_CUSTOMER)],
            agent=agent,
            start=start,
            anchor=anchor,
        )
        today = timezone.localdate(anchor)
        contract_create(
            customer=customers[PREMIUM_CUSTOMER],
            name=f"Premium {customers[PREMIUM_CUSTOMER].name}",
            billing_period="quarter",
            start=today,
            actor=agent,
            service_levels=PREMIUM_LEVELS,
            now=anchor,
        )


def _used_share(work_cents: int) -> tuple[int, float]:
    """The hours of a bundle a little over `work_cents`, and the share of it the work uses."""
    hours = work_cents // BASE_RATE_CENTS + 1
    return hours, work_cents / (hours * BASE_RATE_CENTS)


def _nearly_used_bundle(candidates: list[Customer], *, agent, start: datetime, anchor: datetime) -> None:
    """For the customer whose billable work up to last month fills a bundle best: a bundle bought at the start,
    a little over that work, which a billing run of that work then pays, leaving less than a fifth."""
    first = timezone.localdate(start)
    last = timezone.localdate(anchor).replace(day=1) - timedelta(days=1)
    if last < first or not candidates:
        return
    begin, until = period_bounds(first, last)
    work = {customer.pk: 0 for customer in candidates}
    for spec in specifications(customer_ids=list(work), start=begin, until=until):  # reads, writes nothing
        work[spec.customer_id] = sum(
            line.amount_cents
            for line in spec.lines
            if line.kind in PAID_KINDS and line.amount_cents > 0 and not line.free_reason
        )
    customer = max(candidates, key=lambda c: (_used_share(work[c.pk])[1], -c.pk))
    hours, _share = _used_share(work[customer.pk])
    bundle_sell(
        customer=customer,
        hours=hours,
        price_cents=hours * 6000,
        base_rate_cents=BASE_RATE_CENTS,
        bought_on=first,
        actor=agent,
        now=start,
    )
    run = billing_run_create(actor=agent, period_start=first, period_end=last, customers=[customer], now=anchor)
    billing_run_confirm(run, actor=agent, now=anchor)
