"""Real time (UTC microseconds) laid out in office intervals and band segments, year by year.

The calendar speaks in local wall-clock minutes; billing and deadlines need real elapsed
time across daylight saving changes. A timeline converts a span of whole years once into
sorted integer arrays, so each question is a binary search rather than a walk over days.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from servicedesk.policy.calendar import OFFICE, BusinessCalendar

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US

#: The years the calendar answers for.
FIRST_YEAR = 1990
LAST_YEAR = 2099


class OutsideCalendar(ValueError):
    """An instant outside the years the calendar covers."""


def to_us(instant: datetime) -> int:
    """An aware datetime as integer microseconds since the Unix epoch."""
    return (instant - EPOCH) // ONE_US


def from_us(us: int, time_zone) -> datetime:
    """Integer microseconds since the epoch as an aware datetime in a time zone."""
    return (EPOCH + timedelta(microseconds=us)).astimezone(time_zone)


@dataclass(frozen=True, slots=True)
class Span:
    """The timeline of whole years [first_year, last_year]; immutable once built."""

    first_year: int
    last_year: int
    start_us: int
    end_us: int
    band_starts: list[int]  # start of each band segment; one more item: end_us
    band_index: list[int]  # band of each segment, as an index into Timeline.band_keys
    office_starts: list[int]
    office_ends: list[int]
    office_done: list[int]  # office time from start_us up to each interval's end

    def office_clock(self, us: int) -> int:
        """Office time passed from the span's start up to `us`."""
        i = bisect_right(self.office_starts, us) - 1
        if i < 0:
            return 0
        end, done = self.office_ends[i], self.office_done[i]
        if us >= end:
            return done
        return done - (end - us)


class Timeline:
    """Lazily built, thread-safe spans of the business calendar."""

    def __init__(self, calendar: BusinessCalendar):
        self.calendar = calendar
        self.time_zone = calendar.time_zone
        self.band_keys: tuple[str, ...] = (OFFICE, *calendar.config.bands)
        self._band_number = {key: i for i, key in enumerate(self.band_keys)}
        self._span: Span | None = None
        self._lock = threading.Lock()

    # -- spans ----------------------------------------------------------------

    def span(self, start_us: int, end_us: int | None = None) -> Span:
        """A span covering [start_us, end_us] (end defaults to start)."""
        span = self._span
        end_us = start_us if end_us is None else end_us
        if span is not None and span.start_us <= start_us and end_us < span.end_us:
            return span
        return self._extend(start_us, end_us)

    def _extend(self, start_us: int, end_us: int) -> Span:
        first = self._year_of(start_us)
        last = self._year_of(end_us)
        with self._lock:
            span = self._span
            # A year of margin on each side: deadlines and entries spill over New Year.
            first, last = first - 1, last + 1
            if span is not None:
                # Grow by at least the current width, so a walk through the years
                # rebuilds a logarithmic number of times, not once a year.
                width = span.last_year - span.first_year + 1
                if first < span.first_year:
                    first = min(first, span.first_year - width)
                if last > span.last_year:
                    last = max(last, span.last_year + width)
                first, last = min(first, span.first_year), max(last, span.last_year)
            # One year past the last: a deadline of a report on 31 December still has an answer.
            first, last = max(FIRST_YEAR, first), min(LAST_YEAR + 1, last)
            if span is None or (first, last) != (span.first_year, span.last_year):
                span = self._build(first, last)
                self._span = span
        if not (span.start_us <= start_us and end_us < span.end_us):
            raise OutsideCalendar(f"the calendar covers the years {FIRST_YEAR} to {LAST_YEAR}")
        return span

    def extend_after(self, span: Span) -> Span:
        """A span reaching one more year beyond `span`."""
        if span.last_year >= LAST_YEAR + 1:
            raise OutsideCalendar(f"the calendar covers the years {FIRST_YEAR} to {LAST_YEAR}")
        return self._extend(span.end_us, span.end_us)

    def _year_of(self, us: int) -> int:
        try:
            year = from_us(us, self.time_zone).year
        except (OverflowError, ValueError):
            year = FIRST_YEAR - 1 if us < 0 else LAST_YEAR + 1
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise OutsideCalendar(f"the calendar covers the years {FIRST_YEAR} to {LAST_YEAR}")
        return year

    def _build(self, first_year: int, last_year: int) -> Span:
        zone = self.time_zone
        band_number = self._band_number
        band_starts: list[int] = []
        band_index: list[int] = []
        office_starts: list[int] = []
        office_ends: list[int] = []
        office_done: list[int] = []
        done = 0
        previous = None
        day = date(first_year, 1, 1)
        last_day = date(last_year, 12, 31)
        one_day = timedelta(days=1)

        def local_us(day: date, minute: int) -> int:
            if minute == 24 * 60:
                day, minute = day + one_day, 0
            hour, minute = divmod(minute, 60)
            return to_us(datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone))

        while day <= last_day:
            for start_minute, end_minute, band in self.calendar.day_plan(day):
                start = local_us(day, start_minute)
                if previous is not None and start < previous:
                    start = previous  # a boundary inside a skipped DST hour
                number = band_number[band]
                if band_index and band_index[-1] == number:
                    pass  # same band continues (e.g. night across midnight)
                elif band_starts and band_starts[-1] == start:
                    band_index[-1] = number
                else:
                    band_starts.append(start)
                    band_index.append(number)
                previous = start
                if band == OFFICE:
                    end = max(local_us(day, end_minute), start)
                    if end > start:
                        done += end - start
                        office_starts.append(start)
                        office_ends.append(end)
                        office_done.append(done)
            day += one_day
        end_us = local_us(last_day, 24 * 60)
        band_starts.append(end_us)
        return Span(
            first_year=first_year,
            last_year=last_year,
            start_us=band_starts[0],
            end_us=end_us,
            band_starts=band_starts,
            band_index=band_index,
            office_starts=office_starts,
            office_ends=office_ends,
            office_done=office_done,
        )

    # -- questions ------------------------------------------------------------

    def add_office_time(self, start_us: int, office_us: int) -> int:
        """The earliest instant at which `office_us` of office time has passed since `start_us`."""
        span = self.span(start_us)
        while True:
            target = span.office_clock(start_us) + office_us
            j = bisect_left(span.office_done, target)
            if j < len(span.office_done):
                return span.office_ends[j] - (span.office_done[j] - target)
            span = self.extend_after(span)

    def office_time_between(self, start_us: int, end_us: int) -> int:
        """Office time passed between two instants (0 when end is before start)."""
        if end_us <= start_us:
            return 0
        span = self.span(start_us, end_us)
        return span.office_clock(end_us) - span.office_clock(start_us)

    def is_office_time(self, us: int) -> bool:
        return self.band_at(us) == OFFICE

    def band_at(self, us: int) -> str:
        return self.band_keys[self.band_number_at(us)]

    def band_number_at(self, us: int) -> int:
        span = self.span(us)
        return span.band_index[bisect_right(span.band_starts, us) - 1]

    def band_shares(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """(band number, microseconds) for each band segment that [start, end) touches, in order."""
        span = self.span(start_us, end_us)
        starts = span.band_starts
        index = span.band_index
        i = bisect_right(starts, start_us) - 1
        shares = []
        cursor = start_us
        while cursor < end_us:
            segment_end = starts[i + 1]
            upto = segment_end if segment_end < end_us else end_us
            shares.append((index[i], upto - cursor))
            cursor = upto
            i += 1
        return shares
