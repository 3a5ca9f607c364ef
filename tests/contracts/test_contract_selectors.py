"""What is read of contracts and bundles: in force on a date, the service levels, next period's fees (pro-rated
by the engine), bundles with their state; each in a fixed number of queries."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from servicedesk.contracts import selectors, services
from servicedesk.contracts.models import BundleDebit
from servicedesk.policy import Priority, SupportType
from servicedesk.policy.periods import Period
from servicedesk.policy.recurring import period_fee
from tests.helpers import PREMIUM_LEVELS as PREMIUM
from tests.helpers import on_day as at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "in_force"),
    [
        (date(2026, 12, 31), False),
        (date(2027, 1, 1), True),
        (date(2027, 6, 30), True),
        (date(2027, 7, 1), False),
    ],
)
def test_contracts_in_force_on_a_date(contract, customer, other_customer, agent, day, in_force):
    services.contract_end(contract=contract, end=date(2027, 6, 30), actor=agent)
    services.contract_create(
        customer=other_customer, name="Andere", billing_period="month", start=date(2026, 1, 1), actor=agent
    )
    found = selectors.contracts_in_force(customer_id=customer.pk, on=day)
    assert found == ([contract] if in_force else [])


def test_the_service_levels_in_force_are_the_contracts_own_in_its_time_only(customer, agent):
    services.contract_create(
        customer=customer, name="Basis", billing_period="month", start=date(2026, 1, 1), actor=agent
    )
    services.contract_create(
        customer=customer,
        name="Premium",
        billing_period="year",
        start=date(2027, 1, 1),
        end=date(2027, 12, 31),
        actor=agent,
        service_levels=PREMIUM,
    )

    def levels(day):
        return selectors.service_levels_in_force(customer_id=customer.pk, on=day, critical_priority=Priority.DIRECT)

    assert levels(date(2026, 12, 31)) is None
    assert levels(date(2028, 1, 1)) is None
    premium = levels(date(2027, 1, 1))
    assert premium.levels[SupportType.FUNCTIONAL, Priority.HIGH].response_minutes == 240
    assert premium.levels[SupportType.FUNCTIONAL, Priority.HIGH].rate_cents == 7500
    assert premium.instead == {(SupportType.MANAGED, Priority.STANDARD): Priority.HIGH}


def test_next_period_fees_of_a_contract_that_starts_mid_month_are_pro_rated(customer, agent):
    contract = services.contract_create(
        customer=customer, name="Beheer", billing_period="month", start=date(2027, 1, 15), actor=agent
    )
    services.line_add(
        contract=contract,
        actor=agent,
        description="Werkplek",
        quantity=10,
        unit_price_cents=500,
        now=at(date(2027, 1, 2)),
    )
    fees = selectors.next_period_fees(selectors.contract_for_desk(contract.pk), date(2027, 1, 10))
    assert fees.period == Period(date(2027, 1, 1), date(2027, 1, 31))
    # 10 x 5.00 x 17/31 days = 27.419… -> 27.42
    assert fees.total_cents == 2742
    later = selectors.next_period_fees(selectors.contract_for_desk(contract.pk), date(2027, 1, 20))
    assert (later.period.first_day, later.total_cents) == (date(2027, 2, 1), 5000)


def test_a_quantity_change_is_pro_rated_from_the_next_day(contract, agent):
    line = services.line_add(
        contract=contract,
        actor=agent,
        description="Werkplek",
        quantity=10,
        unit_price_cents=500,
        now=at(date(2026, 12, 1)),
    )
    services.line_quantity_change(line=line, quantity=20, actor=agent, now=at(date(2027, 1, 20)))
    loaded = selectors.contract_for_desk(contract.pk)
    january = period_fee(selectors.as_engine_contract(loaded), Period(date(2027, 1, 1), date(2027, 1, 31)))
    # 10 for 20 days, 20 for 11 days: (100000 + 110000) / 31 = 6774.19… -> 6774 cents
    assert january.total_cents == 6774
    assert [(s.days, s.quantity) for s in january.lines[0].segments] == [(20, 10), (11, 20)]
    assert selectors.next_period_fees(loaded, date(2027, 1, 20)).total_cents == 10000
    line_loaded = loaded.lines.all()[0]
    assert [selectors.quantity_on(line_loaded, d) for d in (date(2027, 1, 20), date(2027, 1, 21))] == [10, 20]


def test_an_ended_contract_has_no_next_fees(contract, agent):
    services.contract_end(contract=contract, end=date(2027, 3, 31), actor=agent)
    loaded = selectors.contract_for_desk(contract.pk)
    assert selectors.next_period_fees(loaded, date(2027, 3, 15)) is None
    assert selectors.next_period_fees(loaded, date(2027, 2, 15)).period.first_day == date(2027, 3, 1)


def _debit(bundle, cents, day):
    return BundleDebit.objects.create(
        bundle=bundle,
        amount_cents=cents,
        paid_kind="time_entry",
        paid_id=1,
        description="Werk aan #1",
        on=day,
        created_at=timezone.now(),
    )


def test_bundles_with_their_state_used_and_left(customer, other_customer, agent):
    old = services.bundle_sell(customer=customer, hours=10, price_cents=60000, actor=agent, bought_on=date(2026, 1, 5))
    used_up = services.bundle_sell(
        customer=customer, hours=2, price_cents=12000, actor=agent, bought_on=date(2026, 6, 1)
    )
    active = services.bundle_sell(
        customer=customer, hours=10, price_cents=60000, actor=agent, bought_on=date(2026, 11, 1)
    )
    services.bundle_sell(customer=other_customer, hours=1, price_cents=6500, actor=agent)
    _debit(old, 6500, date(2026, 2, 1))
    _debit(used_up, 8500, date(2026, 7, 1))
    _debit(used_up, 4500, date(2026, 7, 2))
    _debit(active, 8500, date(2026, 12, 1))  # an evening hour at 85: 1 h 18 min at 65
    balances = selectors.bundles_of(customer_id=customer.pk, today=date(2027, 1, 10))
    assert [b.bundle for b in balances] == [old, used_up, active]
    assert [(b.state, b.used_cents, b.left_cents, b.lapsed_cents) for b in balances] == [
        ("expired", 6500, 0, 58500),
        ("used_up", 13000, 0, 0),
        ("active", 8500, 56500, 0),
    ]
    assert balances[2].left_time == (8, 42)
    assert balances[2].used_time == (1, 18)
    assert [d.amount_cents for d in balances[1].bundle.debits.all()] == [8500, 4500]


def test_bundles_are_read_in_two_queries(customer, agent, django_assert_num_queries):
    for hours in (1, 2, 3):
        bundle = services.bundle_sell(customer=customer, hours=hours, price_cents=100, actor=agent)
        _debit(bundle, 100, date.today())
    with django_assert_num_queries(2):
        balances = selectors.bundles_of(customer_id=customer.pk, today=date.today())
        assert sum(len(b.bundle.debits.all()) for b in balances) == 3


def test_a_contract_page_reads_in_a_fixed_number_of_queries(contract, agent, django_assert_num_queries):
    for n in range(3):
        line = services.line_add(
            contract=contract, actor=agent, description=f"Regel {n}", quantity=n, unit_price_cents=100
        )
        services.line_quantity_change(line=line, quantity=n + 1, actor=agent)
    with django_assert_num_queries(4):  # the contract, lines, quantities, events
        loaded = selectors.contract_for_desk(contract.pk)
        selectors.next_period_fees(loaded, date(2027, 1, 1))
        assert len(loaded.events.all()) == 7


@pytest.mark.parametrize(
    ("billing_period", "lines", "day", "expected"),
    [
        ("month", [(2, 1250)], date(2027, 2, 1), 2500),
        ("quarter", [(3, 3000)], date(2027, 2, 1), 3000),
        ("year", [(1, 10000)], date(2027, 2, 1), 833),  # 100.00 / 12 = 8.333… -> 8.33
        ("year", [(1, 1000), (1, 1000)], date(2027, 2, 1), 167),  # rounded once: 20.00 / 12 = 1.666… -> 1.67
        ("month", [(2, 1250)], date(2026, 12, 31), 0),  # not in force yet
        ("month", [(2, 1250)], date(2028, 1, 1), 0),  # ended
    ],
)
def test_monthly_recurring_revenue(customer, agent, billing_period, lines, day, expected):
    contract = services.contract_create(
        customer=customer,
        name="Beheer",
        billing_period=billing_period,
        start=date(2027, 1, 1),
        end=date(2027, 12, 31),
        actor=agent,
    )
    for quantity, price in lines:
        services.line_add(
            contract=contract,
            actor=agent,
            description="Regel",
            quantity=quantity,
            unit_price_cents=price,
            now=at(date(2026, 12, 1)),
        )
    (loaded,) = selectors.contracts_of_customer(customer.pk)
    assert selectors.monthly_revenue_cents(loaded, day) == expected
