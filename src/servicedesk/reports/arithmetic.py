"""The arithmetic of reports, without Django: periods, medians, percentiles and shares of plain values."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    """Whole local days, `first` to `last` inclusive."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends on or after its first day")

    def bounds(self, time_zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as instants: [start, end) from midnight of its first day to midnight after its last."""
        start = datetime.combine(self.first, time(), tzinfo=time_zone)
        end = datetime.combine(self.last + timedelta(days=1), time(), tzinfo=time_zone)
        return start, end

    def months(self) -> list[date]:
        """The first day of every calendar month the period touches, in order."""
        found, month = [], self.first.replace(day=1)
        while month <= self.last:
            found.append(month)
            month = next_month(month)
        return found


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_period(year: int, month: int) -> ReportPeriod:
    first = date(year, month, 1)
    return ReportPeriod(first, next_month(first) - timedelta(days=1))


def year_period(year: int) -> ReportPeriod:
    return ReportPeriod(date(year, 1, 1), date(year, 12, 31))


def previous_month(period: ReportPeriod) -> ReportPeriod:
    """The calendar month before the one `period` starts in."""
    last = period.first.replace(day=1) - timedelta(days=1)
    return month_period(last.year, last.month)


def median(values: Sequence[float]) -> float | None:
    """The middle value; of an even number of values, the mean of the two middle ones. None for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least `share` of the values at or below it
    (so always a value that occurred: p90 of a response time is one ticket's response time)."""
    if not 0 < share <= 1:
        raise ValueError("share is in (0, 1]")
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[math.ceil(share * len(ordered)) - 1]


def share(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` as a percentage with one decimal, rounded half-up; None when there is no whole."""
    if whole <= 0:
        return None
    return (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def hours(minutes: int) -> Decimal:
    """Minutes as hours with two decimals, rounded half-up."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


WEEKLY_UP_TO_DAYS = 62  # a period up to two months is shown per week, a longer one per month


def buckets(period: ReportPeriod) -> list[ReportPeriod]:
    """The steps a period is shown in over time: calendar weeks (Monday to Sunday) for a period up to two months,
    calendar months for a longer one; the first and last cut to the period."""
    found, first = [], period.first
    weekly = (period.last - period.first).days < WEEKLY_UP_TO_DAYS
    while first <= period.last:
        last = first + timedelta(days=6 - first.weekday()) if weekly else next_month(first) - timedelta(days=1)
        found.append(ReportPeriod(first, min(last, period.last)))
        first = last + timedelta(days=1)
    return found


def first_working_day(calendar, year: int, month: int) -> date:
    """The first day of a month with office hours in the policy's business calendar (a `BusinessCalendar`):
    no weekend day, no holiday, no extra closed date."""
    day = date(year, month, 1)
    while calendar.office_hours(day) is None:
        day += timedelta(days=1)
        if day.month != month:
            raise ValueError(f"no working day in {year}-{month:02d}")
    return day


def contributions(rows: Iterable[tuple], month: Callable[[datetime], int] = lambda start: 0) -> dict[tuple, list[int]]:
    """What priced rows (values of `reports.summary.CONTRIBUTION_FIELDS`) add up to, per (`month(start)`, by,
    key, kind, free reason): [minutes, cents]. An entry's minutes and amount (on its first row) count under its
    customer, its agent with the kind of entry, and its support type; each row's band share under the band."""
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for start, customer, agent, support_type, kind, reason, minutes, cents, band, band_minutes, band_cents in rows:
        at = month(start)
        if minutes or cents:
            for by, key, of_kind in (
                ("customer", customer, ""),
                ("agent", agent, kind),
                ("support_type", support_type, ""),
            ):
                summed = sums[(at, by, str(key), of_kind, reason)]
                summed[0] += minutes
                summed[1] += cents
        if band_minutes or band_cents:
            summed = sums[(at, "band", band, "", reason)]
            summed[0] += band_minutes
            summed[1] += band_cents
    return sums
