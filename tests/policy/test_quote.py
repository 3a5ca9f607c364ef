"""A quote's money (POLICY.md §10): line amounts, VAT as on invoices, the total; never a lost or found cent."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedesk.policy.config import PolicyFileError, read_policy_file
from servicedesk.policy.engine import load_policy
from servicedesk.policy.quote import (
    budget_minutes,
    hours_of_minutes,
    line_cents,
    may_still_be_accepted,
    quote_totals,
    valid_until,
    vat_cents,
)
from tests.policy.helpers import changed, write_policy

#: (id, quantity, unit price in cents, amount in cents)
LINES = [
    ("whole hours", Decimal("12"), 9500, 114000),
    ("a quarter hour", Decimal("0.25"), 9500, 2375),
    ("half a cent rounds up", Decimal("0.5"), 1, 1),
    ("just under half a cent rounds down", Decimal("0.49"), 1, 0),
    ("hours with two decimals", Decimal("1.33"), 8500, 11305),
    ("1.01 x €0.50 = 50.5 cents -> 51", Decimal("1.01"), 50, 51),
    ("a fixed-price item", Decimal("1"), 249900, 249900),
    ("a free item", Decimal("3"), 0, 0),
]


@pytest.mark.parametrize(("quantity", "price", "cents"), [c[1:] for c in LINES], ids=[c[0] for c in LINES])
def test_line_amounts(quantity, price, cents):
    assert line_cents(quantity=quantity, unit_price_cents=price) == cents


#: (id, subtotal in cents, VAT percent, VAT in cents)
VAT = [
    ("21 % of €100", 10000, Decimal("21"), 2100),
    ("21 % of €0.02 = 0.42 cent -> 0", 2, Decimal("21"), 0),
    ("21 % of €0.50 = 10.5 cents -> 11", 50, Decimal("21"), 11),
    ("9 % of €0.50 = 4.5 cents -> 5", 50, Decimal("9"), 5),
    ("no VAT", 123456, Decimal("0"), 0),
    ("a fractional percentage", 10000, Decimal("20.5"), 2050),
]


@pytest.mark.parametrize(("subtotal", "percent", "vat"), [c[1:] for c in VAT], ids=[c[0] for c in VAT])
def test_vat(subtotal, percent, vat):
    assert vat_cents(subtotal_cents=subtotal, vat_percent=percent) == vat


def test_a_quote_of_three_lines():
    totals = quote_totals(
        [(Decimal("16"), 9500), (Decimal("1"), 45000), (Decimal("2.5"), 4750)], vat_percent=Decimal("21")
    )
    assert totals.line_cents == (152000, 45000, 11875)
    assert (totals.subtotal_cents, totals.vat_cents, totals.total_cents) == (208875, 43864, 252739)


@pytest.mark.parametrize(
    ("quantity", "price"), [(Decimal("0"), 100), (Decimal("-1"), 100), (Decimal("1"), -1)], ids=str
)
def test_a_line_of_nothing_or_a_negative_price_is_refused(quantity, price):
    with pytest.raises(ValueError):
        line_cents(quantity=quantity, unit_price_cents=price)


quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2)
prices = st.integers(min_value=0, max_value=10_000_000)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


@given(st.lists(st.tuples(quantities, prices), max_size=30), percents)
def test_the_total_is_the_lines_plus_vat_to_the_cent(lines, percent):
    totals = quote_totals(lines, vat_percent=percent)
    assert totals.subtotal_cents == sum(totals.line_cents)
    assert totals.total_cents == sum(totals.line_cents) + totals.vat_cents
    # Each figure is the exact amount rounded half-up once, as Decimal rounds it: no cent lost or found.
    for (quantity, price), cents in zip(lines, totals.line_cents, strict=True):
        assert cents == int((quantity * price).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        assert abs(Decimal(cents) - quantity * price) <= Decimal("0.5")
    exact_vat = Decimal(totals.subtotal_cents) * percent / 100
    assert totals.vat_cents == int(exact_vat.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@given(st.integers(min_value=0, max_value=10_000_000), percents)
def test_vat_is_never_more_than_half_a_cent_off(subtotal, percent):
    vat = vat_cents(subtotal_cents=subtotal, vat_percent=percent)
    exact = Decimal(subtotal) * percent / 100
    assert -Decimal("0.5") < Decimal(vat) - exact <= Decimal("0.5")


@pytest.mark.parametrize(
    ("minutes", "hours"), [(0, "0.00"), (60, "1.00"), (90, "1.50"), (20, "0.33"), (40, "0.67"), (1, "0.02")]
)
def test_estimated_minutes_as_hours(minutes, hours):
    assert hours_of_minutes(minutes) == Decimal(hours)


def test_the_hour_budget_adds_the_hours_lines():
    assert budget_minutes([Decimal("16"), Decimal("2.5"), Decimal("0.33")]) == 16 * 60 + 150 + 20
    assert budget_minutes([]) == 0


def test_validity_runs_from_the_day_of_sending_through_its_last_day():
    last = valid_until(sent_on=date(2026, 12, 7), validity_days=30)
    assert last == date(2027, 1, 6)
    assert may_still_be_accepted(valid_until=last, today=date(2027, 1, 6))
    assert not may_still_be_accepted(valid_until=last, today=date(2027, 1, 7))


def test_the_shipped_policy_gives_a_quote_30_days():
    assert load_policy().config.projects.quote_validity_days == 30


def test_the_validity_may_be_set_and_must_be_more_than_zero(tmp_path):
    config = read_policy_file(write_policy(tmp_path, changed("quote_validity_days = 30", "quote_validity_days = 14")))
    assert config.projects.quote_validity_days == 14
    with pytest.raises(PolicyFileError) as raised:
        read_policy_file(write_policy(tmp_path, changed("quote_validity_days = 30", "quote_validity_days = 0")))
    assert [(p.key, p.message) for p in raised.value.problems] == [
        ("projects.quote_validity_days", "must be more than 0")
    ]
