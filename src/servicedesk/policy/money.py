"""Exact money: a fraction of cents rounded half-up to whole cents, once, where POLICY.md says."""

from __future__ import annotations

from fractions import Fraction

from servicedesk.policy.pricing import round_half_up


def cents_half_up(amount: Fraction | int) -> int:
    """An exact amount of cents rounded half-up (away from zero, as Decimal's ROUND_HALF_UP) to whole cents.

    Credits (negative amounts) round like the debit they undo, so a line and its reversal cancel to the cent.
    """
    amount = Fraction(amount)
    magnitude = round_half_up(abs(amount.numerator), amount.denominator)
    return -magnitude if amount < 0 else magnitude


def ratio_cents_half_up(numerator: int, denominator: int) -> int:
    """`cents_half_up(Fraction(numerator, denominator))` for integers (`denominator` > 0), without the fraction:
    rounding half-up gives the same for any multiple of a numerator and its denominator."""
    magnitude = round_half_up(abs(numerator), denominator)
    return -magnitude if numerator < 0 else magnitude
