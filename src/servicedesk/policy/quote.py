"""The money of a quote (offerte, POLICY.md §10): each line's amount, the subtotal, VAT as on invoices, the total.

Amounts are whole cents. A line's amount is its quantity (hours, pieces; at most two decimals) times its unit price,
rounded half-up to a cent once; the subtotal is the sum of the line amounts; VAT is the policy's percentage of the
subtotal, rounded half-up once, as an invoice's; the total is the subtotal plus VAT. Nothing is rounded twice, so
the total is always exactly the lines plus the VAT shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from servicedesk.policy.money import cents_half_up


@dataclass(frozen=True, slots=True)
class QuoteTotals:
    """A quote's line amounts, in the order given, and its subtotal, VAT and total in cents."""

    line_cents: tuple[int, ...]
    subtotal_cents: int
    vat_cents: int
    total_cents: int


def line_cents(*, quantity: Decimal, unit_price_cents: int) -> int:
    """Quantity x unit price, rounded half-up to a cent."""
    if quantity <= 0:
        raise ValueError("a quote line's quantity is more than 0")
    if unit_price_cents < 0:
        raise ValueError("a quote line's unit price is 0 or more")
    return cents_half_up(Fraction(quantity) * unit_price_cents)


def vat_cents(*, subtotal_cents: int, vat_percent: Decimal) -> int:
    """VAT on a subtotal, rounded half-up to a cent: the same figure an invoice of that subtotal carries."""
    if not Decimal(0) <= vat_percent <= Decimal(100):
        raise ValueError("a VAT percentage lies between 0 and 100")
    return cents_half_up(Fraction(subtotal_cents) * Fraction(vat_percent) / 100)


def quote_totals(lines: Iterable[tuple[Decimal, int]], *, vat_percent: Decimal) -> QuoteTotals:
    """The totals of lines given as (quantity, unit price in cents)."""
    amounts = tuple(line_cents(quantity=quantity, unit_price_cents=price) for quantity, price in lines)
    subtotal = sum(amounts)
    vat = vat_cents(subtotal_cents=subtotal, vat_percent=vat_percent)
    return QuoteTotals(amounts, subtotal, vat, subtotal + vat)


def hours_of_minutes(minutes: int) -> Decimal:
    """Estimated minutes as hours with two decimals, rounded half-up (a phase's estimate on a quote line)."""
    if minutes < 0:
        raise ValueError("minutes cannot be negative")
    return Decimal(cents_half_up(Fraction(minutes * 100, 60))).scaleb(-2)


def budget_minutes(hours: Iterable[Decimal]) -> int:
    """The hour budget of a time-and-materials quote in minutes: its hours lines added up, rounded half-up."""
    return cents_half_up(sum((Fraction(h) for h in hours), Fraction(0)) * 60)


def valid_until(*, sent_on: date, validity_days: int) -> date:
    """The last day a quote sent on `sent_on` can be accepted."""
    if validity_days <= 0:
        raise ValueError("a quote is valid for at least one day")
    return sent_on + timedelta(days=validity_days)


def may_still_be_accepted(*, valid_until: date, today: date) -> bool:
    """A quote can be accepted up to and including its last valid day (in the calendar's time zone)."""
    return today <= valid_until
