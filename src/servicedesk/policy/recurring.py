"""Recurring fees of contracts (POLICY.md §9): each line's fee for a billing period, pro-rated by calendar days.

A contract is billed in advance on the first day of each period. Whole periods cost quantity x unit price; a
first or last partial period and every dated quantity change are pro-rated by the calendar days of the period,
exactly, and rounded half-up to cents once per line. The answer keeps the days and quantities that made each
amount, so a specification can explain it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from servicedesk.policy.money import cents_half_up, ratio_cents_half_up
from servicedesk.policy.periods import BillingPeriod, Period, period_after, period_containing

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class QuantityChange:
    """A line's quantity set on a date; it takes effect the next day."""

    on: date
    quantity: int | Decimal


@dataclass(frozen=True, slots=True)
class ContractLine:
    """A recurring fee: a quantity (users, devices) at a unit price per billing period."""

    key: str  # the caller's id of the line, carried through to the answer
    quantity: int | Decimal  # from the contract's start
    unit_price_cents: int  # per whole period
    changes: Sequence[QuantityChange] = ()

    def quantity_on(self, day: date) -> int | Decimal:
        """The quantity in force on `day`: the last change dated before it, else the starting quantity."""
        quantity = self.quantity
        for change in sorted(self.changes, key=lambda c: c.on):
            if change.on < day:
                quantity = change.quantity
        return quantity


@dataclass(frozen=True, slots=True)
class Contract:
    """What fee pricing needs of a contract."""

    start: date
    end: date | None  # last day in force (included); None: open-ended
    billing_period: BillingPeriod
    lines: Sequence[ContractLine] = ()

    def covered_days(self, period: Period) -> Period | None:
        """The part of `period` the contract is in force, or None."""
        first = max(period.first_day, self.start)
        last = period.last_day if self.end is None else min(period.last_day, self.end)
        return Period(first, last) if first <= last else None


@dataclass(frozen=True, slots=True)
class FeeSegment:
    """Consecutive days of a period at one quantity: the pieces a pro-rated fee is made of."""

    first_day: date
    last_day: date
    days: int
    quantity: int | Decimal


@dataclass(frozen=True, slots=True)
class LineFee:
    """A line's fee for one period: quantity x unit price x days in force / days of the period, per segment."""

    key: str
    unit_price_cents: int
    period_days: int
    segments: tuple[FeeSegment, ...]
    amount_cents: int  # rounded half-up once, for the line

    @property
    def whole_period(self) -> bool:
        """Whether the line ran the whole period at one quantity (no pro-rating to explain)."""
        return len(self.segments) == 1 and self.segments[0].days == self.period_days


@dataclass(frozen=True, slots=True)
class PeriodFee:
    """A contract's fees for one billing period."""

    period: Period
    lines: tuple[LineFee, ...]
    total_cents: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total_cents", sum(line.amount_cents for line in self.lines))


@dataclass(frozen=True, slots=True)
class LineCorrection:
    """The difference between what a period's line was billed and what it comes to now."""

    key: str
    billed_cents: int
    amount_cents: int

    @property
    def correction_cents(self) -> int:
        return self.amount_cents - self.billed_cents


def line_fee(contract: Contract, line: ContractLine, period: Period) -> LineFee:
    """The fee of one line of a contract for one period (zero days when the contract is not in force)."""
    covered = contract.covered_days(period)
    segments = tuple(_segments(line, covered)) if covered else ()
    if all(isinstance(segment.quantity, int) for segment in segments):  # whole quantities: whole cents x days
        exact = sum(segment.quantity * segment.days for segment in segments) * line.unit_price_cents
        amount_cents = ratio_cents_half_up(exact, period.days)
    else:
        exact = sum(
            (Fraction(segment.quantity) * line.unit_price_cents * segment.days for segment in segments), Fraction(0)
        )
        amount_cents = cents_half_up(exact / period.days)
    return LineFee(
        key=line.key,
        unit_price_cents=line.unit_price_cents,
        period_days=period.days,
        segments=segments,
        amount_cents=amount_cents,
    )


def period_fee(contract: Contract, period: Period) -> PeriodFee:
    """The fees of every line of a contract for a period of its billing period."""
    if period != period_containing(period.first_day, contract.billing_period):
        raise ValueError(f"{period} is not a {contract.billing_period} period")
    return PeriodFee(period, tuple(line_fee(contract, line, period) for line in contract.lines))


def periods_to_bill(contract: Contract, up_to: date) -> list[Period]:
    """Every period of the contract billable by `up_to`: in force in it, and its billing day has come.

    A period is billed in advance on its first day; a contract that starts within a period bills that first,
    partial period from its start. A run bills each period of this list that it has not billed before.
    """
    periods = []
    period = period_containing(contract.start, contract.billing_period)
    while (covered := contract.covered_days(period)) is not None and covered.first_day <= up_to:
        periods.append(period)
        period = period_after(period, contract.billing_period)
    return periods


def corrections(contract: Contract, period: Period, billed_cents: Mapping[str, int]) -> tuple[LineCorrection, ...]:
    """What to add (or credit) for a period already billed, after the contract changed: new minus billed, per line.

    `billed_cents` is what each line key was billed for the period. Lines whose amount did not change are left
    out; a line billed but no longer on the contract is credited in full.
    """
    now = {fee.key: fee.amount_cents for fee in period_fee(contract, period).lines}
    found = []
    for key in [*now, *(key for key in billed_cents if key not in now)]:
        billed, amount = billed_cents.get(key, 0), now.get(key, 0)
        if billed != amount:
            found.append(LineCorrection(key, billed, amount))
    return tuple(found)


def _segments(line: ContractLine, covered: Period) -> Iterator[FeeSegment]:
    """Runs of days within `covered` at one quantity, in order."""
    if not line.changes:  # one run
        yield FeeSegment(covered.first_day, covered.last_day, covered.days, line.quantity)
        return
    # A change dated D takes effect on D + 1: only changes effective inside the covered days split it.
    starts = sorted({change.on + ONE_DAY for change in line.changes if covered.first_day < change.on + ONE_DAY})
    first = covered.first_day
    quantity = line.quantity_on(first)
    for start in [*(s for s in starts if s <= covered.last_day), covered.last_day + ONE_DAY]:
        next_quantity = line.quantity_on(start)
        if start <= covered.last_day and next_quantity == quantity:
            continue
        yield FeeSegment(first, start - ONE_DAY, (start - first).days, quantity)
        first, quantity = start, next_quantity
