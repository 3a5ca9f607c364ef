"""Response deadlines: POLICY.md §4 and the worked examples of §8, edge by edge."""

from __future__ import annotations

from datetime import UTC

import pytest

from servicedesk.policy import Channel, Priority, SupportType
from tests.policy.helpers import at

# (support type, priority, reported, channel, expected due, expected best effort)
CASES = [
    # POLICY.md §8
    ("functional", "standard", "2026-11-24 11:00", "email", "2026-11-27 11:00", False),
    ("unmanaged", "high", "2026-11-27 16:00", "email", "2026-11-30 16:00", False),
    # a standard ticket reported on Saturday is due Wednesday 17:00, not Thursday 09:00
    ("unmanaged", "standard", "2026-11-28 10:00", "email", "2026-12-02 17:00", False),
    # reports around the close of the office day
    ("functional", "direct", "2026-11-24 16:00", "email", "2026-11-24 17:00", False),
    ("functional", "direct", "2026-11-24 16:59", "email", "2026-11-25 09:59", False),
    ("functional", "direct", "2026-11-24 17:00", "email", "2026-11-25 10:00", False),
    ("functional", "direct", "2026-11-24 08:59", "email", "2026-11-24 10:00", False),
    ("functional", "high", "2026-11-23 09:00", "email", "2026-11-23 17:00", False),
    ("functional", "high", "2026-11-23 08:00", "email", "2026-11-23 17:00", False),
    ("functional", "standard", "2026-11-23 09:00", "email", "2026-11-25 17:00", False),
    # reports on closed days
    ("functional", "direct", "2026-11-29 12:00", "email", "2026-11-30 10:00", False),
    ("functional", "direct", "2026-12-25 10:00", "email", "2026-12-28 10:00", False),  # Christmas, a Friday
    ("functional", "high", "2027-12-24 16:00", "email", "2027-12-27 16:00", False),  # Christmas on a weekend
    ("functional", "high", "2026-04-04 10:00", "email", "2026-04-07 17:00", False),  # Easter Monday closed
    ("functional", "high", "2026-04-02 16:00", "email", "2026-04-03 16:00", False),  # Good Friday is a working day
    ("functional", "high", "2026-04-24 16:00", "email", "2026-04-28 16:00", False),  # King's Day, a Monday
    ("functional", "high", "2025-05-02 16:00", "email", "2025-05-06 16:00", False),  # Liberation Day 2025 closed
    ("functional", "high", "2026-05-04 16:00", "email", "2026-05-05 16:00", False),  # ... not listed in 2026
    ("functional", "high", "2026-05-13 16:00", "email", "2026-05-15 16:00", False),  # Ascension Day
    ("functional", "standard", "2026-12-24 12:00", "email", "2026-12-30 12:00", False),  # across Christmas
    ("functional", "standard", "2026-12-31 10:00", "email", "2027-01-06 10:00", False),  # across New Year
    # daylight saving time: office hours are wall-clock hours
    ("functional", "high", "2026-03-27 16:00", "email", "2026-03-30 16:00", False),
    ("functional", "high", "2026-10-23 16:00", "email", "2026-10-26 16:00", False),
    # effective priority: managed + standard is handled as high
    ("managed", "standard", "2026-11-24 11:00", "email", "2026-11-25 11:00", False),
    # direct by e-mail or portal after hours follows the office clock
    ("functional", "direct", "2026-11-28 03:00", "email", "2026-11-30 10:00", False),
    ("unmanaged", "direct", "2026-11-24 20:00", "portal", "2026-11-25 10:00", False),
    # the after-hours urgent line: best effort, one clock hour
    ("unmanaged", "direct", "2026-11-28 03:00", "phone_after_hours", "2026-11-28 04:00", True),
    ("managed", "direct", "2026-11-24 17:00", "phone_after_hours", "2026-11-24 18:00", True),
    ("managed", "direct", "2026-12-25 11:00", "phone_after_hours", "2026-12-25 12:00", True),
    ("managed", "direct", "2026-11-24 23:30", "phone_after_hours", "2026-11-25 00:30", True),
    # ... but not in office hours, nor for a priority below direct
    ("managed", "direct", "2026-11-24 16:59", "phone_after_hours", "2026-11-25 09:59", False),
    ("unmanaged", "high", "2026-11-28 03:00", "phone_after_hours", "2026-11-30 17:00", False),
    ("functional", "direct", "2026-11-24 17:00", "phone", "2026-11-25 10:00", False),
]


@pytest.mark.parametrize(
    ("support_type", "priority", "reported", "channel", "due", "best_effort"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES],
)
def test_response_deadline(policy, support_type, priority, reported, channel, due, best_effort):
    deadline = policy.response_deadline(
        support_type=SupportType(support_type),
        priority=Priority(priority),
        reported=at(reported),
        channel=Channel(channel),
    )
    assert deadline.response_due == at(due)
    assert deadline.response_due.isoformat() == at(due).isoformat()  # local time, with its offset
    assert deadline.best_effort is best_effort


def test_deadline_reports_the_effective_priority(policy):
    deadline = policy.response_deadline(
        support_type=SupportType.MANAGED, priority=Priority.STANDARD, reported=at("2026-11-24 11:00")
    )
    assert deadline.priority is Priority.HIGH


def test_critical_incident_is_handled_at_direct(policy):
    deadline = policy.response_deadline(
        support_type=SupportType.FUNCTIONAL, priority=Priority.STANDARD, reported=at("2026-11-24 11:00"), critical=True
    )
    assert deadline.priority is Priority.DIRECT
    assert deadline.response_due == at("2026-11-24 12:00")


def test_best_effort_target_is_clock_time_across_spring_forward(policy):
    deadline = policy.response_deadline(
        support_type=SupportType.UNMANAGED,
        priority=Priority.DIRECT,
        reported=at("2026-03-29 01:30"),
        channel=Channel.PHONE_AFTER_HOURS,
    )
    assert deadline.response_due.isoformat() == "2026-03-29T03:30:00+02:00"


def test_best_effort_in_the_repeated_autumn_hour(policy):
    first = at("2026-10-25 02:30", fold=0)
    deadline = policy.response_deadline(
        support_type=SupportType.UNMANAGED, priority=Priority.DIRECT, reported=first, channel=Channel.PHONE_AFTER_HOURS
    )
    assert first.isoformat() == "2026-10-25T02:30:00+02:00"
    assert deadline.response_due.isoformat() == "2026-10-25T02:30:00+01:00"


def test_deadline_keeps_seconds(policy):
    deadline = policy.response_deadline(
        support_type=SupportType.FUNCTIONAL, priority=Priority.DIRECT, reported=at("2026-11-24 16:59:30")
    )
    assert deadline.response_due == at("2026-11-25 09:59:30")


def test_deadline_accepts_any_offset(policy):
    from datetime import datetime

    reported = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 11:00 in Amsterdam
    deadline = policy.response_deadline(
        support_type=SupportType.FUNCTIONAL, priority=Priority.STANDARD, reported=reported
    )
    assert deadline.response_due.isoformat() == "2026-11-27T11:00:00+01:00"
    assert deadline.reported.isoformat() == "2026-11-24T11:00:00+01:00"
