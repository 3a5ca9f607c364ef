"""Pricing of a time-and-materials project's time entries (POLICY.md §10): the ticket rules at the project's rate.

Work is billed in whole units laid from the entry's start, each minute at the higher of the project's rate and
its time band's minimum; travel at the policy's share of the rate when it starts, with the minimum per trip.
There is no free project time, fair use or phone surcharge: those belong to tickets. The unit and band logic is
the ticket pricer's, so a project hour in the evening costs what a ticket hour would at the same rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from servicedesk.policy.pricing import PricedLine, Pricer, TimeEntry, cents_to_decimal
from servicedesk.policy.vocabulary import EntryKind, LineKind


@dataclass(frozen=True, slots=True)
class ProjectWork:
    """What pricing needs of a project's time: its hourly rate and the entries to bill."""

    hourly_rate_cents: int
    entries: Sequence[TimeEntry]


@dataclass(frozen=True, slots=True)
class ProjectPrice:
    """The price of a project's time entries: a line each and their total, exclusive of VAT."""

    hourly_rate: Decimal
    currency: str
    lines: tuple[PricedLine, ...]
    total_cents: int

    @property
    def total(self) -> Decimal:
        return cents_to_decimal(self.total_cents)


def price_project_time(pricer: Pricer, work: ProjectWork, to_us: Callable[[datetime], int]) -> ProjectPrice:
    """Price project time entries with a ticket pricer's units, bands and travel rule; rounded once per entry."""
    rates = pricer.band_rates(work.hourly_rate_cents)
    labels = pricer.timeline.band_keys
    travel_share = pricer.config.travel_rate_factor
    lines = []
    for entry in work.entries:
        start_us = to_us(entry.start)
        if entry.kind == EntryKind.WORK:
            billed, cents, shares = pricer.work_cents(start_us, entry.minutes, rates)
            lines.append(
                PricedLine(LineKind.WORK, entry.start, entry.minutes, billed, cents, (shares, rates, labels, 1, 1))
            )
        else:
            band, cents, at_minimum = pricer.travel_cents(start_us, entry.minutes, rates)
            explanation = (
                ((band, entry.minutes * 60_000_000),),
                rates,
                labels,
                travel_share.numerator,
                travel_share.denominator,
            )
            minimum = cents if at_minimum else None  # shown as the trip's minimum, as on a ticket
            lines.append(
                PricedLine(LineKind.TRAVEL, entry.start, entry.minutes, entry.minutes, cents, explanation, minimum)
            )
    return ProjectPrice(
        hourly_rate=cents_to_decimal(work.hourly_rate_cents),
        currency=pricer.config.currency,
        lines=tuple(lines),
        total_cents=sum(line.amount_cents for line in lines),
    )
