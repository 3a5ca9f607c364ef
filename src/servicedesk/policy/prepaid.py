"""Prepaid hours (strippenkaart, POLICY.md §9): which bundle pays how much of each billable line.

A bundle holds a value in cents (its hours at its base rate) and pays lines by amount, oldest bundle first; a
line larger than what is left is split, the rest paid by the next bundle or invoiced. A bundle pays lines
dated from its purchase up to the day before it expires; on its expiry date what is left lapses. Lines already
paid in an earlier run are passed over, so running the same debits again changes nothing. `debit_as_read` pays the
same, reading only the days a bundle with value left pays on, a few days after each one's purchase at first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from servicedesk.policy.config import DEFAULT_PREPAID, PrepaidSettings
from servicedesk.policy.money import cents_half_up
from servicedesk.policy.periods import add_months


@dataclass(frozen=True, slots=True)
class Bundle:
    """A customer's bundle of prepaid hours and what is left of its value."""

    key: str  # the caller's id, carried through to the answer
    bought_on: date
    hours: int
    base_rate_cents: int
    remaining_cents: int
    validity_months: int = DEFAULT_PREPAID.validity_months

    @property
    def value_cents(self) -> int:
        """What the bundle held when bought."""
        return self.hours * self.base_rate_cents

    @property
    def expires_on(self) -> date:
        """The first day the bundle pays nothing; its remaining value lapses on this day."""
        return add_months(self.bought_on, self.validity_months)

    def pays_on(self, day: date) -> bool:
        return self.bought_on <= day < self.expires_on


def new_bundle(
    key: str,
    *,
    bought_on: date,
    hours: int,
    settings: PrepaidSettings = DEFAULT_PREPAID,
    base_rate_cents: int | None = None,
) -> Bundle:
    """A bundle as sold: full, at the policy's base rate unless sold at another, valid the policy's months."""
    rate = settings.base_rate_cents if base_rate_cents is None else base_rate_cents
    return Bundle(key, bought_on, hours, rate, hours * rate, settings.validity_months)


@dataclass(frozen=True, slots=True)
class BillableLine:
    """A priced line a bundle may pay: ticket or project work, travel, a phone surcharge (free lines: 0)."""

    key: str
    on: date  # the day the work was done (a travel's or entry's start)
    amount_cents: int  # the list price, as priced by the policy


@dataclass(frozen=True, slots=True)
class Payment:
    """Part of a line paid from one bundle."""

    bundle_key: str
    cents: int


@dataclass(frozen=True, slots=True)
class LineDebit:
    """How one line is paid: from bundles, and the rest invoiced."""

    key: str
    amount_cents: int
    payments: tuple[Payment, ...]
    invoiced_cents: int

    @property
    def paid_cents(self) -> int:
        return sum(payment.cents for payment in self.payments)


@dataclass(frozen=True, slots=True)
class BundleBalance:
    """A bundle's remaining value before and after the debits, and what lapsed at its expiry."""

    key: str
    before_cents: int
    after_cents: int
    lapsed_cents: int  # value left on the expiry date, when it fell on or before `as_of`

    @property
    def used_cents(self) -> int:
        return self.before_cents - self.after_cents - self.lapsed_cents


@dataclass(frozen=True, slots=True)
class Debits:
    """The outcome of paying lines from bundles: per line and per bundle (bundles oldest first)."""

    lines: tuple[LineDebit, ...]
    bundles: tuple[BundleBalance, ...]

    def remaining(self, bundles: Sequence[Bundle]) -> list[Bundle]:
        """The bundles with their value after these debits (and lapses)."""
        after = {balance.key: balance.after_cents for balance in self.bundles}
        return [_with_remaining(bundle, after[bundle.key]) for bundle in bundles]


def oldest_first(bundles: Collection[Bundle]) -> list[Bundle]:
    """Bundles in the order they pay: bought first, then by key so equal days have one order."""
    return sorted(bundles, key=lambda bundle: (bundle.bought_on, bundle.key))


def debit(
    bundles: Collection[Bundle],
    lines: Collection[BillableLine],
    *,
    already_paid: Collection[str] = frozenset(),
    as_of: date | None = None,
) -> Debits:
    """Pay `lines` from `bundles`, oldest bundle first, by amount; lines in `already_paid` are passed over.

    Lines are paid in date order (then key), so the answer does not depend on the order they are given in.
    With `as_of`, the value of a bundle that expired on or before that day lapses (after paying what it may).
    """
    ordered = oldest_first(bundles)
    left = {bundle.key: bundle.remaining_cents for bundle in ordered}
    paid_lines = set(already_paid)
    debits = []
    for line in sorted(lines, key=lambda line: (line.on, line.key)):
        if line.key in paid_lines:
            continue
        due = max(line.amount_cents, 0)  # a credit line is invoiced, never paid back into a bundle
        payments = []
        for bundle in ordered:
            if not due:
                break
            cents = min(due, left[bundle.key])
            if cents > 0 and bundle.pays_on(line.on):
                left[bundle.key] -= cents
                due -= cents
                payments.append(Payment(bundle.key, cents))
        paid = sum(payment.cents for payment in payments)
        debits.append(LineDebit(line.key, line.amount_cents, tuple(payments), line.amount_cents - paid))
    balances = []
    for bundle in ordered:
        after = left[bundle.key]
        lapsed = after if as_of is not None and bundle.expires_on <= as_of else 0
        balances.append(BundleBalance(bundle.key, bundle.remaining_cents, after - lapsed, lapsed))
    return Debits(tuple(debits), tuple(balances))


def next_paying_day(bundles: Collection[Bundle], *, since: date | None = None) -> date | None:
    """The first day on or after `since` that a bundle with value left pays on; None when none pays on `since` or
    later (used up or expired). `debit` pays no line dated before it (from `since`) while the bundles stand so."""
    days = [
        max(bundle.bought_on, since or bundle.bought_on)
        for bundle in bundles
        if bundle.remaining_cents > 0 and bundle.expires_on > max(bundle.bought_on, since or bundle.bought_on)
    ]
    return min(days, default=None)


Days = tuple[date, date]  # a stretch of days: from its first up to (not including) its second

#: Reads all lines dated on the days of the stretches given (apart, in order), in any order.
LineReader = Callable[[Sequence[Days]], Iterable[BillableLine]]


def debit_as_read(bundles: Collection[Bundle], read: LineReader, *, days: int) -> Debits:
    """`debit` of all the lines `read` holds, reading only days that may be paid: the first `days` days each bundle
    with value left pays on, then, where the value lasts longer, twice as many from there, and so on.

    The days read are paid in order; past a day not read, only when no bundle with value left pays on it, else
    that day is where the next read starts. Done when no bundle has value left for a later day. The answer is
    `debit`'s over all the lines less the lines never read (none of them paid anything); a bundle's balance is its
    remaining value before and after (nothing lapses: `debit` without `as_of`).
    """
    ordered = oldest_first(bundles)
    current = ordered
    paid: list[LineDebit] = []
    held: dict[date, list[BillableLine]] = defaultdict(list)  # lines read and not yet paid, by day
    covered: list[Days] = []  # the days read
    since: date | None = None
    span = timedelta(days=days)
    while (first := next_paying_day(current, since=since)) is not None:
        wanted = _joined(
            [
                (start, min(bundle.expires_on, start + span))
                for bundle in current
                if bundle.remaining_cents > 0 and bundle.expires_on > (start := max(first, bundle.bought_on))
            ]
        )
        missing = _without(wanted, covered)  # never empty: `first` was not read
        for line in read(missing) if missing else ():
            held[line.on].append(line)
        covered = _joined([*covered, *missing])
        day = first
        for start, end in covered:
            if end <= day:
                continue
            if day < start:  # days not read: passed over only if no bundle with value left pays on any of them
                paying = next_paying_day(current, since=day)
                if paying is None or paying < start:
                    break
            lines = [line for on in sorted(on for on in held if on < end) for line in held.pop(on)]
            outcome = debit(current, lines)
            current = outcome.remaining(current)
            paid += outcome.lines
            day = end
        since = day
        span *= 2
    balances = tuple(
        BundleBalance(before.key, before.remaining_cents, after.remaining_cents, 0)
        for before, after in zip(ordered, current, strict=True)
    )
    return Debits(tuple(paid), balances)


def _joined(stretches: list[Days]) -> list[Days]:
    """Stretches of days in order, those that overlap or touch joined."""
    joined: list[Days] = []
    for start, end in sorted(stretches):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        elif start < end:
            joined.append((start, end))
    return joined


def _without(stretches: list[Days], taken: list[Days]) -> list[Days]:
    """The days of `stretches` not in `taken` (both apart and in order), as stretches."""
    left = []
    for start, end in stretches:
        for taken_start, taken_end in taken:
            if taken_end <= start or taken_start >= end:
                continue
            if start < taken_start:
                left.append((start, taken_start))
            start = max(start, taken_end)
            if start >= end:
                break
        if start < end:
            left.append((start, end))
    return left


def hours_and_minutes(cents: int, base_rate_cents: int) -> tuple[int, int]:
    """A value as time at a base rate, to the nearest minute: what the portal shows as left."""
    minutes = cents_half_up(Fraction(cents * 60, base_rate_cents))
    return divmod(minutes, 60)


class Notice(StrEnum):
    """What the main contact is told of a bundle, each once."""

    LOW = "low"  # less than the policy's share left
    USED_UP = "used_up"
    EXPIRING = "expiring"  # the policy's number of days before expiry, with value left


def notices_due(
    bundle: Bundle,
    *,
    today: date,
    sent: Collection[Notice] = frozenset(),
    settings: PrepaidSettings = DEFAULT_PREPAID,
) -> tuple[Notice, ...]:
    """The notices to send now for a bundle in its current state (`remaining_cents`), given those already sent.

    A bundle used up gets that notice, not also the one for running low; an expired bundle gets none.
    """
    if today >= bundle.expires_on:
        return ()
    due = []
    remaining = bundle.remaining_cents
    if remaining <= 0:
        if Notice.USED_UP not in sent:
            due.append(Notice.USED_UP)
        return tuple(due)
    if remaining < settings.low_share * bundle.value_cents and Notice.LOW not in sent:
        due.append(Notice.LOW)
    if today >= bundle.expires_on - timedelta(days=settings.expiry_notice_days) and Notice.EXPIRING not in sent:
        due.append(Notice.EXPIRING)
    return tuple(due)


def _with_remaining(bundle: Bundle, cents: int) -> Bundle:
    return replace(bundle, remaining_cents=cents)
