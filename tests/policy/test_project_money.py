"""A project's budget in euros and a milestone's share of a fixed price: whole cents, rounded half-up once."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicedesk.policy.project_budget import budget_cents, milestone_share_cents

#: (id, budget minutes, rate cents, budget cents)
BUDGETS = [
    ("forty hours at €95", 40 * 60, 9500, 380_000),
    ("a quarter at €65", 15, 6500, 1625),
    # 10 min at €65.55 = €10.925 -> €10.93 (half-up, not to even)
    ("a half cent rounds up", 10, 6555, 1093),
    ("nothing", 0, 9500, 0),
]


@pytest.mark.parametrize(("minutes", "rate", "cents"), [b[1:] for b in BUDGETS], ids=[b[0] for b in BUDGETS])
def test_budget_cents(minutes, rate, cents):
    assert budget_cents(budget_minutes=minutes, hourly_rate_cents=rate) == cents


#: (id, amount cents, percentage, fixed price cents, phase lines cents, share cents)
SHARES = [
    ("its own amount", 150_000, None, 1_000_000, 300_000, 150_000),
    ("a percentage of the fixed price", None, Decimal("30"), 1_000_000, 300_000, 300_000),
    # 33.33 % of €100.05 = €33.3466… -> €33.35
    ("a percentage rounded half-up once", None, Decimal("33.33"), 10_005, 0, 3335),
    # 12.5 % of €0.12 = 1.5 cents -> 2
    ("a half cent up", None, Decimal("12.5"), 12, 0, 2),
    ("the quote's lines of its phase", None, None, 1_000_000, 412_500, 412_500),
    ("all of it", None, Decimal("100"), 99_999, 0, 99_999),
]


@pytest.mark.parametrize(
    ("amount", "percentage", "fixed", "lines", "share"), [s[1:] for s in SHARES], ids=[s[0] for s in SHARES]
)
def test_milestone_share(amount, percentage, fixed, lines, share):
    assert (
        milestone_share_cents(
            amount_cents=amount, percentage=percentage, fixed_price_cents=fixed, phase_lines_cents=lines
        )
        == share
    )


@pytest.mark.parametrize(
    ("amount", "percentage"),
    [(100, Decimal("10")), (0, None), (-5, None), (None, Decimal("0")), (None, Decimal("101"))],
)
def test_milestone_share_refuses_what_is_not_a_share(amount, percentage):
    with pytest.raises(ValueError):
        milestone_share_cents(amount_cents=amount, percentage=percentage, fixed_price_cents=1000, phase_lines_cents=0)


percentages = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)


@given(percentages, st.integers(min_value=0, max_value=10**10))
def test_a_percentage_share_is_within_half_a_cent_and_never_more_than_the_price(percentage, fixed):
    share = milestone_share_cents(
        amount_cents=None, percentage=percentage, fixed_price_cents=fixed, phase_lines_cents=0
    )
    exact = Fraction(percentage) * fixed / 100
    assert abs(share - exact) <= Fraction(1, 2)
    assert 0 <= share <= fixed


@given(percentages, percentages, st.integers(min_value=0, max_value=10**9))
def test_shares_grow_with_their_percentage(a, b, fixed):
    low, high = sorted((a, b))
    share = lambda p: milestone_share_cents(  # noqa: E731
        amount_cents=None, percentage=p, fixed_price_cents=fixed, phase_lines_cents=0
    )
    assert share(low) <= share(high)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_a_budget_is_within_half_a_cent_of_minutes_times_rate(minutes, rate):
    cents = budget_cents(budget_minutes=minutes, hourly_rate_cents=rate)
    assert abs(cents - Fraction(minutes * rate, 60)) <= Fraction(1, 2)
