"""The business calendar: which days are closed and how each day divides into time bands."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

from servicedesk.policy.config import DayRange, PolicyConfig

OFFICE = "office"
DAY_MINUTES = 24 * 60

#: A day's plan: (start minute, end minute, band key) covering 00:00-24:00 in order.
DayPlan = tuple[tuple[int, int, str], ...]


class BusinessCalendar:
    """Closed days (public holidays, extra closed dates) and the band of every minute of a day."""

    def __init__(self, config: PolicyConfig):
        self.config = config
        self.time_zone = config.time_zone
        self._plans = {weekday: _weekday_plan(config, weekday) for weekday in range(1, 8)}
        self._closed_plan: DayPlan = ((0, DAY_MINUTES, config.closed_day_band),)
        self._closed_by_year = lru_cache(maxsize=None)(self._closed_dates_of_year)

    def closed_dates(self, year: int) -> frozenset[date]:
        """Every closed date of a year: holidays (less the open ones) and extra closed dates."""
        return self._closed_by_year(year)

    def holiday_name(self, day: date) -> str | None:
        """The holiday on that date, if the office is closed for one."""
        if day not in self.closed_dates(day.year):
            return None
        return self._holidays(day.year).get(day) or "extra closed date"

    def is_closed(self, day: date) -> bool:
        return day in self._closed_by_year(day.year)

    def day_plan(self, day: date) -> DayPlan:
        """The bands of one date, in local wall-clock minutes."""
        if self.is_closed(day):
            return self._closed_plan
        return self._plans[day.isoweekday()]

    def office_hours(self, day: date) -> DayRange | None:
        """The office-hours range of a date, or None when the office is closed all day."""
        if self.is_closed(day):
            return None
        return self.config.office_hours.get(day.isoweekday())

    def _holidays(self, year: int) -> holidays.HolidayBase:
        return holidays.country_holidays(
            self.config.holiday_country,
            subdiv=self.config.holiday_subdivision,
            years=year,
            language="en_US",
        )

    def _closed_dates_of_year(self, year: int) -> frozenset[date]:
        closed = set()
        for day, name in self._holidays(year).items():
            names = {part.strip() for part in name.split(";")}
            if not names <= self.config.open_holidays:
                closed.add(day)
        closed.update(d for d in self.config.extra_closed_dates if d.year == year)
        return frozenset(closed)


def _weekday_plan(config: PolicyConfig, weekday: int) -> DayPlan:
    """Lay office hours and band windows on a day; what is left goes to the 'otherwise' band."""
    claimed: list[tuple[int, int, str]] = []
    if weekday in config.office_hours:
        claimed.append((*config.office_hours[weekday], OFFICE))
    for band in config.bands.values():
        claimed.extend((start, end, band.key) for start, end in band.windows.get(weekday, ()))
    claimed.sort()
    plan: list[tuple[int, int, str]] = []
    cursor = 0
    for start, end, band in claimed:
        if start > cursor:
            plan.append((cursor, start, config.otherwise_band))
        plan.append((start, end, band))
        cursor = end
    if cursor < DAY_MINUTES:
        plan.append((cursor, DAY_MINUTES, config.otherwise_band))
    merged: list[tuple[int, int, str]] = []
    for segment in plan:
        if merged and merged[-1][2] == segment[2]:
            merged[-1] = (merged[-1][0], segment[1], segment[2])
        else:
            merged.append(segment)
    return tuple(merged)
