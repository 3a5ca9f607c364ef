"""Watching a time-and-materials project's hour budget (POLICY.md §10): warnings, and time awaiting approval.

The lead agent is warned when the hours used reach each of the policy's shares of the budget (80 % and 100 %),
each once. Time past the budget plus the extensions the customer approved waits, "awaiting approval", until an
extension covers it. Minutes here are billed minutes; a budget in whole units keeps every split on a unit edge.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from servicedesk.policy.config import DEFAULT_PROJECTS, ProjectSettings
from servicedesk.policy.money import cents_half_up


def budget_used(*, budget_minutes: int, used_minutes: int) -> Fraction:
    """The share of the budget used (may exceed 1)."""
    if budget_minutes <= 0:
        raise ValueError("a budget must be more than 0 minutes")
    return Fraction(used_minutes, budget_minutes)


def budget_warnings_due(
    *,
    budget_minutes: int,
    used_minutes: int,
    sent: Collection[Fraction] = frozenset(),
    settings: ProjectSettings = DEFAULT_PROJECTS,
) -> tuple[Fraction, ...]:
    """The warning shares reached and not yet sent, lowest first (one message for the highest will do)."""
    used = budget_used(budget_minutes=budget_minutes, used_minutes=used_minutes)
    return tuple(share for share in settings.budget_warning_shares if used >= share and share not in sent)


@dataclass(frozen=True, slots=True)
class BudgetSplit:
    """How much of one entry's billed minutes falls within the approved hours and how much waits."""

    key: str
    within_minutes: int
    awaiting_minutes: int


def budget_split(
    *, budget_minutes: int, approved_extension_minutes: int = 0, entries: Sequence[tuple[str, int]]
) -> tuple[BudgetSplit, ...]:
    """Split entries (key, billed minutes), in the order they were worked, at the budget plus approved extensions.

    Give every entry of the project, billed before or not: earlier ones use up the budget first. An entry that
    crosses the limit is split; everything after it waits.
    """
    if approved_extension_minutes < 0:
        raise ValueError("an approved extension cannot be negative")
    left = budget_minutes + approved_extension_minutes
    splits = []
    for key, minutes in entries:
        within = max(0, min(minutes, left))
        left -= within
        splits.append(BudgetSplit(key, within, minutes - within))
    return tuple(splits)


def budget_cents(*, budget_minutes: int, hourly_rate_cents: int) -> int:
    """What an hour budget is worth at the project's rate, rounded half-up to a cent once (shown beside what the
    time used costs)."""
    if budget_minutes < 0 or hourly_rate_cents < 0:
        raise ValueError("a budget and a rate are 0 or more")
    return cents_half_up(Fraction(budget_minutes * hourly_rate_cents, 60))


def milestone_share_cents(
    *,
    amount_cents: int | None,
    percentage: Decimal | None,
    fixed_price_cents: int,
    phase_lines_cents: int,
) -> int:
    """A reached milestone's share of a fixed price (POLICY.md §10), exclusive of VAT: its own amount when it has
    one; else its percentage of the fixed price, rounded half-up to a cent once; else what the accepted quote's
    lines for its phase add up to."""
    if amount_cents is not None and percentage is not None:
        raise ValueError("a milestone has an amount or a percentage, not both")
    if fixed_price_cents < 0 or phase_lines_cents < 0:
        raise ValueError("a price is 0 or more")
    if amount_cents is not None:
        if amount_cents <= 0:
            raise ValueError("a milestone amount is more than 0")
        return amount_cents
    if percentage is not None:
        if not 0 < percentage <= 100:
            raise ValueError("a milestone percentage lies between 0 and 100")
        return cents_half_up(Fraction(percentage) * fixed_price_cents / 100)
    return phase_lines_cents
