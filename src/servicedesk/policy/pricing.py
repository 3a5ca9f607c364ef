"""Pricing of a ticket's time entries: units, time bands, travel, phone surcharge, free tickets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from servicedesk.policy.vocabulary import Channel, EntryKind, FreeReason, LineKind, Priority, SupportType


@dataclass(frozen=True, slots=True)
class TimeEntry:
    """Time an agent recorded on a ticket: work, or one trip (there and back) for travel."""

    kind: EntryKind
    start: datetime  # aware
    minutes: int


@dataclass(frozen=True, slots=True)
class TicketWork:
    """What pricing needs to know of a ticket."""

    support_type: SupportType
    priority: Priority  # as set on the ticket; the engine applies the effective priority
    channel: Channel
    critical: bool
    entries: Sequence[TimeEntry]


@dataclass(frozen=True, slots=True)
class BandShare:
    """Part of a line's billed time that fell in one time band, and the hourly rate applied."""

    band: str
    duration: timedelta
    hourly_rate: Decimal


@dataclass(frozen=True, slots=True)
class PricedLine:
    """One line of a ticket's price: a time entry or the phone surcharge."""

    kind: LineKind
    start: datetime | None
    minutes: int
    billed_minutes: int
    amount_cents: int
    # How the line divides over bands, kept raw and explained on demand (`shares`): most
    # callers want only the amount, and building the explanation costs as much as pricing.
    explanation: tuple = field(repr=False, compare=False, default=((), (), (), 1, 1))
    # A trip charged its minimum (POLICY.md §5): that minimum in cents, which the amount is instead of the
    # share of the rate the bands show; None for every other line.
    minimum_cents: int | None = None

    @property
    def amount(self) -> Decimal:
        """The amount in euro, exclusive of VAT, with two decimals."""
        return cents_to_decimal(self.amount_cents)

    @property
    def shares(self) -> tuple[BandShare, ...]:
        """(band, duration, hourly rate) for each band the line's billed time falls in."""
        raw, rates, labels, numerator, denominator = self.explanation
        return tuple(
            BandShare(
                labels[band], timedelta(microseconds=us), (Decimal(rates[band] * numerator) / denominator).scaleb(-2)
            )
            for band, us in raw
        )


@dataclass(frozen=True, slots=True)
class TicketPrice:
    """The price of a ticket: its lines, their total, and why it is free if it is."""

    support_type: SupportType
    priority: Priority  # effective
    hourly_rate: Decimal | None  # None: a free service level
    currency: str
    free_reason: FreeReason | None
    lines: tuple[PricedLine, ...]
    total_cents: int

    @property
    def total(self) -> Decimal:
        """The sum of the lines, in euro, exclusive of VAT, with two decimals."""
        return cents_to_decimal(self.total_cents)


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half-up to an integer (both non-negative)."""
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (2 * remainder >= denominator)


def cents_to_decimal(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


_ZERO = Decimal("0.00")


class Pricer:
    """Prices tickets under one policy; amounts are exact and rounded once per line."""

    def __init__(self, config, timeline, levels):
        self.config = config
        self.timeline = timeline
        self.levels = levels
        self.unit_minutes = config.unit_minutes
        self._minimums = [0] + [band.minimum_rate_cents for band in config.bands.values()]
        self._band_rates: dict[int, tuple[int, ...]] = {}
        self._band_labels = timeline.band_keys
        self._free_rates = (0,) * len(timeline.band_keys)
        factor = config.travel_rate_factor
        self._travel_num, self._travel_den = factor.numerator, factor.denominator

    def band_rates(self, rate_cents: int) -> tuple[int, ...]:
        """The hourly rate in cents in each band for a ticket rate: the higher of the two."""
        rates = self._band_rates.get(rate_cents)
        if rates is None:
            rates = (rate_cents, *(max(rate_cents, minimum) for minimum in self._minimums[1:]))
            self._band_rates[rate_cents] = rates
        return rates

    def billed_minutes(self, minutes: int) -> int:
        unit = self.unit_minutes
        return -(-minutes // unit) * unit

    def work_cents(self, start_us: int, minutes: int, rates: tuple[int, ...]) -> tuple[int, int, list]:
        """(billed minutes, amount in cents, band shares) of a work entry."""
        billed = self.billed_minutes(minutes)
        shares = self.timeline.band_shares(start_us, start_us + billed * 60_000_000)
        weighted = 0
        for band, us in shares:
            weighted += us * rates[band]
        return billed, round_half_up(weighted, 3_600_000_000), shares

    def travel_cents(self, start_us: int, minutes: int, rates: tuple[int, ...]) -> tuple[int, int, bool]:
        """(band number, amount in cents, whether the minimum applied) of a trip: a share of the rate at its
        start, with a minimum."""
        band = self.timeline.band_number_at(start_us)
        cents = round_half_up(minutes * rates[band] * self._travel_num, 60 * self._travel_den)
        minimum = self.config.travel_minimum_cents
        return band, max(cents, minimum), cents < minimum

    def free_reason(self, work: TicketWork, priority: Priority, rate_cents: int | None) -> FreeReason | None:
        if work.critical:
            return FreeReason.CRITICAL
        if rate_cents is None:
            return FreeReason.MANAGED_SERVICE
        if work.channel in self.config.fair_use_channels[work.support_type]:
            worked = 0
            for entry in work.entries:
                if entry.kind == EntryKind.WORK:
                    worked += entry.minutes
            if worked <= self.config.fair_use_max_minutes:
                return FreeReason.FAIR_USE
        return None

    def price(self, work: TicketWork, priority: Priority, to_us) -> TicketPrice:
        """Price a ticket whose effective priority is `priority`."""
        level = self.levels[work.support_type, priority]
        rate_cents = level.rate_cents
        free = self.free_reason(work, priority, rate_cents)
        rates = self._free_rates if free else self.band_rates(rate_cents)
        labels = self._band_labels
        lines = []
        total = 0
        for entry in work.entries:
            start_us = to_us(entry.start)
            if entry.kind == EntryKind.WORK:
                billed, cents, shares = self.work_cents(start_us, entry.minutes, rates)
                explanation = (shares, rates, labels, 1, 1)
                kind, minimum = LineKind.WORK, None
            else:
                band, cents, at_minimum = self.travel_cents(start_us, entry.minutes, rates)
                if free:
                    cents = 0
                minimum = cents if at_minimum and not free else None
                billed = entry.minutes
                explanation = (((band, billed * 60_000_000),), rates, labels, self._travel_num, self._travel_den)
                kind = LineKind.TRAVEL
            total += cents
            lines.append(PricedLine(kind, entry.start, entry.minutes, billed, cents, explanation, minimum))
        config = self.config
        if (
            free is None
            and config.surcharge_minutes
            and work.support_type in config.surcharge_support_types
            and work.channel in config.surcharge_channels
        ):
            minutes = config.surcharge_minutes
            cents = round_half_up(minutes * rate_cents, 60)
            total += cents
            explanation = (((0, minutes * 60_000_000),), rates, labels, 1, 1)
            lines.append(PricedLine(LineKind.PHONE_SURCHARGE, None, minutes, minutes, cents, explanation))
        return TicketPrice(
            support_type=work.support_type,
            priority=priority,
            hourly_rate=None if rate_cents is None else cents_to_decimal(rate_cents),
            currency=config.currency,
            free_reason=free,
            lines=tuple(lines),
            total_cents=total,
        )
