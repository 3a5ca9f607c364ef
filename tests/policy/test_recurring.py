"""Recurring contract fees: whole and partial periods, quantity changes, the periods to bill, corrections."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedesk.policy.money import cents_half_up, ratio_cents_half_up
from servicedesk.policy.periods import BillingPeriod, Period, add_months, period_containing
from servicedesk.policy.recurring import (
    Contract,
    ContractLine,
    FeeSegment,
    LineCorrection,
    QuantityChange,
    corrections,
    period_fee,
    periods_to_bill,
)

MONTH, QUARTER, YEAR = BillingPeriod.MONTH, BillingPeriod.QUARTER, BillingPeriod.YEAR
D = date.fromisoformat


def contract(start, end=None, billing_period=MONTH, *lines):
    return Contract(D(start), D(end) if end else None, billing_period, lines)


def line(quantity, unit_price_cents, *changes, key="users"):
    return ContractLine(key, quantity, unit_price_cents, tuple(QuantityChange(D(on), q) for on, q in changes))


def fee_of(c: Contract, first_day: str) -> int:
    (fee,) = period_fee(c, period_containing(D(first_day), c.billing_period)).lines
    return fee.amount_cents


@pytest.mark.parametrize(
    ("day", "billing_period", "first", "last"),
    [
        ("2028-02-10", MONTH, "2028-02-01", "2028-02-29"),  # leap year
        ("2027-02-10", MONTH, "2027-02-01", "2027-02-28"),
        ("2026-05-31", QUARTER, "2026-04-01", "2026-06-30"),
        ("2026-12-31", QUARTER, "2026-10-01", "2026-12-31"),
        ("2026-07-01", YEAR, "2026-01-01", "2026-12-31"),
    ],
)
def test_periods_are_calendar_months_quarters_and_years(day, billing_period, first, last):
    assert period_containing(D(day), billing_period) == Period(D(first), D(last))


def test_add_months_keeps_to_the_last_day_of_a_shorter_month():
    assert add_months(D("2028-01-31"), 1) == D("2028-02-29")
    assert add_months(D("2027-01-31"), 1) == D("2027-02-28")
    assert add_months(D("2026-11-30"), 12) == D("2027-11-30")
    assert add_months(D("2028-02-29"), 12) == D("2029-02-28")


#: (id, contract, first day of the period, amount in cents)
FEES = [
    ("whole month", contract("2026-01-01", None, MONTH, line(10, 1250)), "2026-03-01", 12500),
    ("whole quarter", contract("2026-01-01", None, QUARTER, line(3, 9999)), "2026-04-01", 29997),
    ("whole year", contract("2026-01-01", None, YEAR, line(2, 120000)), "2027-01-01", 240000),
    # 10 × €12.50 × 15/29 = €64.655… -> €64.66
    ("first partial Feb of a leap year", contract("2028-02-15", None, MONTH, line(10, 1250)), "2028-02-01", 6466),
    # 10 × €12.50 × 14/28 = €62.50 exactly
    ("first partial Feb of a common year", contract("2027-02-15", None, MONTH, line(10, 1250)), "2027-02-01", 6250),
    # last day 29 Feb: the whole month
    ("ends on leap day", contract("2027-12-01", "2028-02-29", MONTH, line(10, 1250)), "2028-02-01", 12500),
    # ends 28 Feb 2028: 28/29 × €125 = €120.689… -> €120.69
    ("ends the day before leap day", contract("2027-12-01", "2028-02-28", MONTH, line(10, 1250)), "2028-02-01", 12069),
    # starts and ends within one month: 1 day of 31, €100 / 31 = 3.2258 -> €3.23
    ("one day", contract("2026-01-10", "2026-01-10", MONTH, line(1, 10000)), "2026-01-01", 323),
    # quarter Q1 2028 has 91 days; from 1 Mar: 31 days; 1 × €300 × 31/91 = €102.197… -> €102.20
    ("partial quarter", contract("2028-03-01", None, QUARTER, line(1, 30000)), "2028-01-01", 10220),
    # leap year 2028 has 366 days; from 1 July: 184 days; €1000 × 184/366 = €502.732… -> €502.73
    ("partial leap year", contract("2028-07-01", None, YEAR, line(1, 100000)), "2028-01-01", 50273),
    # a change dated 10 Jan takes effect 11 Jan: 10 days × 10 + 21 days × 12 = 352 user-days × €3.10 / 31 = €35.20
    ("quantity change", contract("2026-01-01", None, MONTH, line(10, 310, ("2026-01-10", 12))), "2026-01-01", 3520),
    # a change on the last day of the period takes effect in the next: this period is whole at the old quantity
    (
        "change on the last day: this period",
        contract("2026-01-01", None, MONTH, line(10, 310, ("2026-01-31", 12))),
        "2026-01-01",
        3100,
    ),
    (
        "change on the last day: next period",
        contract("2026-01-01", None, MONTH, line(10, 310, ("2026-01-31", 12))),
        "2026-02-01",
        3720,
    ),
    # dated before the contract starts: in force from the start
    (
        "change before the start",
        contract("2026-01-15", None, MONTH, line(1, 3100, ("2026-01-01", 2))),
        "2026-01-01",
        3400,
    ),
    # a quantity change back and forth within a quarter: 30 days at 5, 31 days at 0, 30 at 5 of 91 (Q2 2026)
    (
        "back and forth",
        contract("2026-01-01", None, QUARTER, line(5, 9100, ("2026-04-30", 0), ("2026-05-31", 5))),
        "2026-04-01",
        30000,
    ),
    ("fractional quantity", contract("2026-01-01", None, MONTH, line(Decimal("1.5"), 1001)), "2026-01-01", 1502),
    ("a discount line", contract("2026-01-16", None, MONTH, line(1, -1000)), "2026-01-01", -516),
    ("not yet in force", contract("2026-02-01", None, MONTH, line(1, 1000)), "2026-01-01", 0),
    ("no longer in force", contract("2026-01-01", "2026-01-31", MONTH, line(1, 1000)), "2026-02-01", 0),
]


@pytest.mark.parametrize(("c", "first_day", "cents"), [f[1:] for f in FEES], ids=[f[0] for f in FEES])
def test_line_fees(c, first_day, cents):
    assert fee_of(c, first_day) == cents


def test_a_fee_explains_its_days_and_quantities():
    c = contract("2026-01-05", None, MONTH, line(10, 310, ("2026-01-10", 12), ("2026-01-20", 12)))
    (fee,) = period_fee(c, period_containing(D("2026-01-01"), MONTH)).lines
    assert fee.period_days == 31
    assert fee.segments == (
        FeeSegment(D("2026-01-05"), D("2026-01-10"), 6, 10),
        FeeSegment(D("2026-01-11"), D("2026-01-31"), 21, 12),  # the second change to 12 changes nothing
    )
    assert not fee.whole_period
    assert fee.amount_cents == cents_half_up(Fraction(310 * (6 * 10 + 21 * 12), 31))


def test_each_line_is_rounded_once_and_the_total_is_their_sum():
    c = contract("2026-01-16", None, MONTH, line(1, 1000, key="a"), line(1, 1000, key="b"))
    fee = period_fee(c, period_containing(D("2026-01-01"), MONTH))
    # each 16/31 × €10 = €5.161… -> €5.16; the total is not rounded again from €10.32…
    assert [line.amount_cents for line in fee.lines] == [516, 516]
    assert fee.total_cents == 1032


def test_a_period_of_another_length_is_refused():
    c = contract("2026-01-01", None, QUARTER, line(1, 1000))
    with pytest.raises(ValueError, match="quarter"):
        period_fee(c, period_containing(D("2026-01-01"), MONTH))


@pytest.mark.parametrize(
    ("c", "up_to", "firsts"),
    [
        (contract("2026-01-15", None, MONTH), "2026-01-14", []),
        (contract("2026-01-15", None, MONTH), "2026-01-15", ["2026-01-01"]),
        (contract("2026-01-15", None, MONTH), "2026-03-01", ["2026-01-01", "2026-02-01", "2026-03-01"]),
        (contract("2026-01-15", "2026-02-10", MONTH), "2026-12-01", ["2026-01-01", "2026-02-01"]),
        (contract("2026-02-15", None, QUARTER), "2026-06-30", ["2026-01-01", "2026-04-01"]),
        (contract("2026-02-15", None, YEAR), "2027-12-31", ["2026-01-01", "2027-01-01"]),
    ],
)
def test_periods_to_bill(c, up_to, firsts):
    assert [p.first_day for p in periods_to_bill(c, D(up_to))] == [D(f) for f in firsts]


def test_correction_after_a_change_to_a_billed_period():
    before = contract("2026-01-01", None, MONTH, line(10, 310))
    period = period_containing(D("2026-01-01"), MONTH)
    billed = {fee.key: fee.amount_cents for fee in period_fee(before, period).lines}
    assert corrections(before, period, billed) == ()
    # ended on 15 January after January was billed in advance: 16 days of 31 credited
    ended = contract("2026-01-01", "2026-01-15", MONTH, line(10, 310))
    assert corrections(ended, period, billed) == (LineCorrection("users", 3100, 1500),)
    assert corrections(ended, period, billed)[0].correction_cents == -1600
    # a line dropped entirely is credited in full, a new one billed in full
    other = contract("2026-01-01", None, MONTH, line(1, 500, key="devices"))
    assert corrections(other, period, billed) == (
        LineCorrection("devices", 0, 500),
        LineCorrection("users", 3100, 0),
    )


money = st.integers(-(10**7), 10**7)


@given(money, st.integers(1, 10**6))
def test_half_up_rounding_is_exact_and_symmetric(numerator, denominator):
    rounded = cents_half_up(Fraction(numerator, denominator))
    assert abs(Fraction(numerator, denominator) - rounded) <= Fraction(1, 2)
    assert cents_half_up(Fraction(-numerator, denominator)) == -rounded


@given(
    st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    st.integers(0, 500),
    st.integers(0, 10**6),
    st.sampled_from(list(BillingPeriod)),
    st.lists(st.tuples(st.integers(0, 800), st.integers(0, 500)), max_size=4),
)
def test_fees_of_a_period_never_exceed_a_whole_one_and_add_up(start, quantity, unit, billing_period, changes):
    """Pro-rating is bounded by the whole fee at the highest quantity and equals it for a steady whole period."""
    dated = tuple(QuantityChange(date.fromordinal(start.toordinal() + days), q) for days, q in changes)
    c = Contract(start, None, billing_period, (ContractLine("x", quantity, unit, dated),))
    highest = max([quantity, *(q for _, q in changes)])
    for period in periods_to_bill(c, add_months(start, 24)):
        (fee,) = period_fee(c, period).lines
        assert 0 <= fee.amount_cents <= highest * unit
        assert sum(s.days for s in fee.segments) == c.covered_days(period).days
        if fee.whole_period:
            assert fee.amount_cents == fee.segments[0].quantity * unit


@given(money, st.integers(1, 10**6))
def test_half_up_rounding_of_a_ratio_is_that_of_its_fraction(numerator, denominator):
    assert ratio_cents_half_up(numerator, denominator) == cents_half_up(Fraction(numerator, denominator))
    assert ratio_cents_half_up(numerator * 7, denominator * 7) == cents_half_up(Fraction(numerator, denominator))


@given(
    st.dates(date(2024, 1, 1), date(2030, 12, 31)),
    st.one_of(st.integers(0, 500), st.decimals(0, 500, places=2)),
    st.integers(-(10**6), 10**6),
    st.sampled_from(list(BillingPeriod)),
    st.lists(st.tuples(st.integers(0, 800), st.one_of(st.integers(0, 500), st.decimals(0, 500, places=3))), max_size=4),
    st.one_of(st.none(), st.integers(0, 900)),
)
def test_a_line_fee_is_its_exact_amount_rounded_once(start, quantity, unit, billing_period, changes, ends_after):
    """Whole quantities are reckoned in whole numbers, others as fractions: either way the amount is
    quantity x unit price x days / days of the period, exactly, rounded half-up once."""
    dated = tuple(QuantityChange(date.fromordinal(start.toordinal() + days), q) for days, q in changes)
    end = None if ends_after is None else date.fromordinal(start.toordinal() + ends_after)
    c = Contract(start, end, billing_period, (ContractLine("x", quantity, unit, dated),))
    for period in periods_to_bill(c, add_months(start, 24)):
        (fee,) = period_fee(c, period).lines
        exact = sum((Fraction(s.quantity) * unit * s.days for s in fee.segments), Fraction(0)) / period.days
        assert fee.amount_cents == cents_half_up(exact)
        assert [s.quantity for s in fee.segments] == [c.lines[0].quantity_on(s.first_day) for s in fee.segments]
