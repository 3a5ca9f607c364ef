"""Reclassification (POLICY.md §4): the deadline is recomputed from the report while that lies ahead; once it has
passed, the new response time counts from the change, never past the old deadline while that is ahead. The
reporter is never told a deadline in the past."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.policy import Channel, Priority, SupportType
from tests.policy.helpers import at

# (type, new priority, reported, old due, changed at, expected due)
CASES = [
    # recomputed from the report while that is still ahead (functional high: 8 office hours)
    ("functional", "high", "2026-11-24 09:00", "2026-11-27 09:00", "2026-11-24 10:00", "2026-11-24 17:00"),
    # #52: raised to high days after the report: R (Tue 17:00) passed; N from the change (Thu 10:00 + 8 office
    # hours = Fri 10:00) comes before O (Fri 17:00)
    ("functional", "high", "2026-11-24 09:00", "2026-11-27 17:00", "2026-11-26 10:00", "2026-11-27 10:00"),
    # ... a raise never moves the deadline later than it was: N (Mon 15:00) after O (Mon 12:00), so O
    ("functional", "high", "2026-11-23 09:00", "2026-11-30 12:00", "2026-11-27 15:00", "2026-11-30 12:00"),
    # O already passed (a miss): N, from the change
    ("functional", "direct", "2026-11-23 09:00", "2026-11-25 17:00", "2026-11-26 11:30", "2026-11-26 12:30"),
    # a change outside office hours counts from the next office hour
    ("functional", "direct", "2026-11-23 09:00", "2026-11-25 17:00", "2026-11-28 22:00", "2026-11-30 10:00"),
    # lowered: R lies ahead, so R
    ("functional", "standard", "2026-11-24 09:00", "2026-11-24 10:00", "2026-11-24 09:30", "2026-11-26 17:00"),
]


@pytest.mark.parametrize(("support_type", "priority", "reported", "old_due", "changed", "due"), CASES)
def test_reclassified_deadline(policy, support_type, priority, reported, old_due, changed, due):
    deadline = policy.reclassified_deadline(
        support_type=SupportType(support_type),
        priority=Priority(priority),
        reported=at(reported),
        changed=at(changed),
        old_due=at(old_due),
    )
    assert deadline.response_due == at(due)
    assert deadline.reported == at(reported)


def test_the_urgent_line_keeps_its_clock_hour_from_the_change(policy):
    deadline = policy.reclassified_deadline(
        support_type=SupportType.MANAGED,
        priority=Priority.DIRECT,
        reported=at("2026-11-28 03:00"),
        changed=at("2026-11-28 05:10"),
        old_due=at("2026-11-28 04:00"),
        channel=Channel.PHONE_AFTER_HOURS,
    )
    assert deadline.best_effort and deadline.response_due == at("2026-11-28 06:10")


MOMENTS = st.datetimes(
    min_value=at("2026-01-01 00:00").replace(tzinfo=None), max_value=at("2027-12-01 00:00").replace(tzinfo=None)
).map(lambda moment: at(moment.isoformat(sep=" ", timespec="minutes")))


@settings(max_examples=400, deadline=None)
@given(
    support_type=st.sampled_from(list(SupportType)),
    priority=st.sampled_from(list(Priority)),
    channel=st.sampled_from(list(Channel)),
    reported=MOMENTS,
    old_after=st.integers(min_value=1, max_value=60 * 24 * 14),
    changed_after=st.integers(min_value=0, max_value=60 * 24 * 21),
)
def test_a_reclassified_deadline_is_never_past_and_never_later_than_needed(
    policy, support_type, priority, channel, reported, old_after, changed_after
):
    old_due = reported + timedelta(minutes=old_after)
    changed = reported + timedelta(minutes=changed_after)
    if priority not in policy.offered_priorities(support_type):
        return
    deadline = policy.reclassified_deadline(
        support_type=support_type,
        priority=priority,
        reported=reported,
        changed=changed,
        old_due=old_due,
        channel=channel,
    )
    from_report = policy.response_deadline(
        support_type=support_type, priority=priority, reported=reported, channel=channel
    ).response_due
    assert deadline.response_due > changed  # the reporter is never told a deadline in the past
    if from_report > changed:
        assert deadline.response_due == from_report
    elif old_due > changed:
        assert deadline.response_due <= old_due
