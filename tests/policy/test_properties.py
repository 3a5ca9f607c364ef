"""Properties of deadlines and prices that hold for every input, checked with hypothesis.

The engine is also compared with `reference.py`, a minute-by-minute model of POLICY.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.policy import Channel, EntryKind, Priority, SupportType, TicketWork, TimeEntry, load_policy
from tests.policy import reference
from tests.policy.reference import AMS

POLICY = load_policy()
FIVE_YEARS = 5 * 366 * 24 * 60
START = datetime(2025, 1, 1, tzinfo=UTC)

uniform_instants = st.integers(0, FIVE_YEARS).map(lambda m: (START + timedelta(minutes=m)).astimezone(AMS))


def _special_dates() -> list[date]:
    """Holidays, Good Friday, DST changes and the days around them: where calendars go wrong."""
    days = set()
    for year in range(2025, 2030):
        for day in holidays.country_holidays("NL", years=year, language="en_US"):
            days.update(day + timedelta(days=d) for d in (-1, 0, 1))
        for month in (3, 10):  # last Sundays of March and October
            last = date(year, month, 31)
            sunday = last - timedelta(days=(last.weekday() + 1) % 7)
            days.update(sunday + timedelta(days=d) for d in (-2, -1, 0, 1))
    return sorted(days)


def _local(day: date, minute: int) -> datetime:
    # A wall-clock time in the DST gap does not exist; go through UTC so every draw is real.
    naive = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    return naive.replace(tzinfo=AMS).astimezone(UTC).astimezone(AMS)


near_band_edges = st.sampled_from([0, 7 * 60, 9 * 60, 17 * 60, 22 * 60, 24 * 60]).flatmap(
    lambda edge: st.integers(max(0, edge - 30), min(24 * 60 - 1, edge + 30))
)
edge_instants = st.one_of(
    st.builds(_local, st.sampled_from(_special_dates()), near_band_edges),
    st.builds(_local, st.dates(date(2025, 1, 1), date(2029, 12, 31)), near_band_edges),
)
instants = st.one_of(uniform_instants, edge_instants)
precise_instants = st.integers(0, FIVE_YEARS * 60_000_000).map(
    lambda us: (START + timedelta(microseconds=us)).astimezone(AMS)
)
support_types = st.sampled_from(list(SupportType))
priorities = st.sampled_from(list(Priority))
channels = st.sampled_from(list(Channel))
office_clock_channels = st.sampled_from([Channel.EMAIL, Channel.PORTAL, Channel.PHONE])


def deadline(support_type, priority, reported, channel=Channel.EMAIL):
    return POLICY.response_deadline(support_type=support_type, priority=priority, reported=reported, channel=channel)


def at_office_or_its_close(instant: datetime) -> bool:
    local = instant.astimezone(AMS)
    hours = POLICY.calendar.office_hours(local.date())
    if hours is None:
        return False
    minute = local.hour * 60 + local.minute + Fraction(local.second * 1_000_000 + local.microsecond, 60_000_000)
    return hours[0] <= minute <= hours[1]


@given(support_types, priorities, precise_instants, office_clock_channels)
def test_deadline_is_after_the_report_and_in_office_hours(support_type, priority, reported, channel):
    result = deadline(support_type, priority, reported, channel)
    assert result.response_due > reported
    assert at_office_or_its_close(result.response_due)
    assert not result.best_effort


@given(support_types, priorities, precise_instants, office_clock_channels)
def test_deadline_is_the_earliest_instant_with_the_full_response_time(support_type, priority, reported, channel):
    result = deadline(support_type, priority, reported, channel)
    response_time = POLICY.response_time(support_type, priority)
    assert POLICY.office_time_between(reported, result.response_due) == response_time
    assert POLICY.office_time_between(reported, result.response_due - timedelta(microseconds=1)) < response_time


@given(support_types, priorities, precise_instants, st.integers(0, 30 * 24 * 60 * 60_000_000), office_clock_channels)
def test_later_reports_never_give_earlier_deadlines(support_type, priority, reported, later_by_us, channel):
    later = reported + timedelta(microseconds=later_by_us)
    assert deadline(support_type, priority, later, channel).response_due >= (
        deadline(support_type, priority, reported, channel).response_due
    )


@given(support_types, precise_instants)
def test_after_hours_line_is_best_effort_exactly_outside_office_hours(support_type, reported):
    result = deadline(support_type, Priority.DIRECT, reported, Channel.PHONE_AFTER_HOURS)
    assert result.best_effort is (not POLICY.is_office_time(reported))
    if result.best_effort:
        assert result.response_due - reported == timedelta(hours=1)


@settings(max_examples=150, deadline=None)
@given(support_types, priorities, instants)
def test_deadline_agrees_with_the_minute_by_minute_model(support_type, priority, reported):
    expected = reference.deadline(support_type.value, priority.value, reported)
    assert deadline(support_type, priority, reported).response_due == expected


entries = st.lists(
    st.tuples(st.sampled_from(list(EntryKind)), instants, st.integers(1, 24 * 60)),
    max_size=4,
)


def ticket(support_type, priority, channel, critical, entry_tuples) -> TicketWork:
    return TicketWork(support_type, priority, channel, critical, [TimeEntry(*e) for e in entry_tuples])


@settings(max_examples=150, deadline=None)
@given(
    support_types,
    priorities,
    channels,
    st.booleans(),
    st.lists(st.tuples(st.sampled_from(list(EntryKind)), instants, st.integers(1, 6 * 60)), max_size=3),
)
def test_price_agrees_with_the_minute_by_minute_model(support_type, priority, channel, critical, entry_tuples):
    result = POLICY.price(ticket(support_type, priority, channel, critical, entry_tuples))
    total, reason = reference.ticket_total(
        support_type.value, priority.value, channel.value, critical, [(k.value, s, m) for k, s, m in entry_tuples]
    )
    assert (result.free_reason.value if result.free_reason else None) == reason
    assert Fraction(result.total) == total


@given(support_types, priorities, channels, st.booleans(), entries)
def test_total_is_the_sum_of_the_lines(support_type, priority, channel, critical, entry_tuples):
    result = POLICY.price(ticket(support_type, priority, channel, critical, entry_tuples))
    assert result.total == sum((line.amount for line in result.lines), Decimal("0.00"))
    assert result.total.as_tuple().exponent == -2


@given(support_types, priorities, channels, st.booleans(), entries)
def test_a_free_ticket_totals_zero(support_type, priority, channel, critical, entry_tuples):
    result = POLICY.price(ticket(support_type, priority, channel, critical, entry_tuples))
    if result.free_reason is not None:
        assert result.total == Decimal("0.00")
        assert all(line.amount == 0 for line in result.lines)
        assert len(result.lines) == len(entry_tuples)


@given(support_types, priorities, channels, st.booleans(), entries.filter(bool), st.data())
def test_more_minutes_never_cost_less(support_type, priority, channel, critical, entry_tuples, data):
    index = data.draw(st.integers(0, len(entry_tuples) - 1))
    kind, start, minutes = entry_tuples[index]
    extra = data.draw(st.integers(1, 24 * 60 - minutes)) if minutes < 24 * 60 else 0
    longer = list(entry_tuples)
    longer[index] = (kind, start, minutes + extra)
    before = POLICY.price(ticket(support_type, priority, channel, critical, entry_tuples)).total
    after = POLICY.price(ticket(support_type, priority, channel, critical, longer)).total
    assert after >= before


@given(support_types, priorities, instants, st.integers(1, 24 * 60))
def test_work_is_billed_in_whole_units_from_its_start(support_type, priority, start, minutes):
    result = POLICY.price(ticket(support_type, priority, Channel.EMAIL, False, [(EntryKind.WORK, start, minutes)]))
    line = result.lines[0]
    assert line.billed_minutes % 15 == 0
    assert minutes <= line.billed_minutes < minutes + 15
    assert sum((share.duration for share in line.shares), timedelta()) == timedelta(minutes=line.billed_minutes)
