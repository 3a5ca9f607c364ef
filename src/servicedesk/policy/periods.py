"""Billing periods (month, quarter, year) as calendar-day ranges, the unit contracts are billed in."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache


class BillingPeriod(StrEnum):
    """How often a contract is billed, in advance on the period's first day."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"

    @property
    def months(self) -> int:
        return _MONTHS[self]


_MONTHS = {BillingPeriod.MONTH: 1, BillingPeriod.QUARTER: 3, BillingPeriod.YEAR: 12}


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """One billing period: its first and last calendar day (both included)."""

    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first_day <= day <= self.last_day


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where it is shorter (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@lru_cache(maxsize=8192)  # asked for the same days over and over (a billing run: every period of every contract)
def period_containing(day: date, billing_period: BillingPeriod) -> Period:
    """The calendar month, quarter or year that `day` falls in."""
    months = billing_period.months
    first_month = (day.month - 1) // months * months + 1
    first = date(day.year, first_month, 1)
    return Period(first, add_months(first, months) - timedelta(days=1))


def period_after(period: Period, billing_period: BillingPeriod) -> Period:
    """The period that follows `period`."""
    return period_containing(period.last_day + timedelta(days=1), billing_period)
