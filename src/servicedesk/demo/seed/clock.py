"""The demo's fake clock: instants in office hours or after hours, counted back from an anchor ("now")."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from servicedesk.policy import Policy

MINUTE = timedelta(minutes=1)
OFFICE_DAY = 8 * 60  # office minutes in a business day


class DemoClock:
    """Answers "when" for the demo history; every instant it gives lies before the anchor."""

    def __init__(self, policy: Policy, anchor: datetime, rnd: random.Random):
        self.policy = policy
        self.anchor = anchor
        self.rnd = rnd
        self.zone = policy.time_zone

    def office_ago(self, minutes: float) -> datetime:
        """The latest instant with this much office time between it and the anchor (so: in office hours)."""
        wanted = timedelta(minutes=minutes)
        span = timedelta(days=2 + minutes / OFFICE_DAY * 2)
        while self.policy.office_time_between(self.anchor - span, self.anchor) < wanted:
            span *= 2
        early, late = self.anchor - span, self.anchor
        while late - early > timedelta(seconds=1):
            middle = early + (late - early) / 2
            if self.policy.office_time_between(middle, self.anchor) >= wanted:
                early = middle
            else:
                late = middle
        return early.replace(microsecond=0)

    def days_ago(self, low: float, high: float) -> datetime:
        """An office-hours instant between `low` and `high` business days before the anchor."""
        return self.office_ago(self.rnd.uniform(low, high) * OFFICE_DAY)

    def office_after(self, start: datetime, minutes: float) -> datetime:
        """The instant at which this much office time has passed since `start`, with some seconds of jitter."""
        instant = self.policy.add_office_time(start, timedelta(minutes=minutes))
        return instant + timedelta(seconds=self.rnd.randrange(60))

    def office_between(self, start: datetime, end: datetime) -> float:
        """Office minutes between two instants."""
        return self.policy.office_time_between(start, end) / MINUTE

    def after_hours_near(self, instant: datetime) -> datetime:
        """An instant outside office hours near `instant` (that evening or night, or the weekend before)."""
        local = instant.astimezone(self.zone)
        kind = self.rnd.choice(("evening", "evening", "night", "weekend"))
        for weeks_back in range(8):
            day = local.date() - timedelta(days=7 * weeks_back)
            if kind == "weekend":
                day -= timedelta(days=(day.weekday() - 5) % 7)  # the Saturday on or before
                day -= timedelta(days=self.rnd.choice((0, 1)))
                hour = self.rnd.randint(8, 21)
            elif kind == "night":
                day -= timedelta(days=1)
                hour = self.rnd.choice((23, 4, 5))
                if hour != 23:
                    day += timedelta(days=1)
            else:
                hour = self.rnd.randint(18, 22)
            candidate = datetime(day.year, day.month, day.day, hour, self.rnd.randrange(60), tzinfo=self.zone)
            candidate += timedelta(seconds=self.rnd.randrange(60))
            if candidate < self.anchor - timedelta(hours=3) and not self.policy.is_office_time(candidate):
                return candidate
        raise RuntimeError("no after-hours instant found")  # pragma: no cover - the calendar always has evenings

    def evening_of(self, instant: datetime) -> datetime:
        """18:30-20:00 on the day of `instant`: work done outside office hours by arrangement."""
        local = instant.astimezone(self.zone)
        hour, minute = self.rnd.choice(((18, 30), (19, 0), (19, 30), (20, 0)))
        return datetime(local.year, local.month, local.day, hour, minute, tzinfo=self.zone)
