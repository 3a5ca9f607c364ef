"""Pricing: units, time bands, travel, phone surcharge and free tickets (POLICY.md §5, §8)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from servicedesk.policy import FreeReason, LineKind
from tests.policy.helpers import price, travel, work

# (support type, priority, entry start, minutes, expected amount): one work entry on an e-mail ticket
WORK_CASES = [
    # POLICY.md §8
    ("functional", "standard", "2026-11-24 10:00", 50, "65.00"),
    ("unmanaged", "standard", "2026-11-24 16:50", 20, "39.17"),  # 10 min at 65 + 20 min at 85, rounded once
    # units of 15 minutes, rounded up, laid from the start
    ("unmanaged", "standard", "2026-11-24 10:00", 1, "16.25"),
    ("unmanaged", "standard", "2026-11-24 10:00", 15, "16.25"),
    ("unmanaged", "standard", "2026-11-24 10:00", 16, "32.50"),
    # crossing 07:00, 09:00, 17:00, 22:00 and midnight on a weekday
    ("unmanaged", "standard", "2026-11-24 06:45", 30, "52.50"),  # 15 at 125 + 15 at 85
    ("unmanaged", "standard", "2026-11-24 08:50", 20, "35.83"),  # 10 at 85 + 20 at 65
    ("unmanaged", "standard", "2026-11-24 21:50", 20, "55.83"),  # 10 at 85 + 20 at 125
    ("unmanaged", "standard", "2026-11-24 23:50", 30, "62.50"),  # night on both sides of midnight
    ("unmanaged", "standard", "2026-11-24 16:00", 480, "740.00"),  # 1 h office, 5 h evening, 2 h night
    # the higher of the ticket's rate and the band's rate
    ("unmanaged", "high", "2026-11-24 18:00", 60, "85.00"),
    ("unmanaged", "high", "2026-11-24 23:00", 60, "125.00"),
    ("unmanaged", "direct", "2026-11-24 18:00", 60, "125.00"),
    ("managed", "direct", "2026-11-24 20:00", 60, "125.00"),
    # Saturday -> Sunday -> Monday
    ("unmanaged", "standard", "2026-11-28 10:00", 60, "85.00"),  # Saturday daytime is evening rate
    ("unmanaged", "standard", "2026-11-28 06:45", 30, "52.50"),  # Saturday 07:00 starts the evening band
    ("unmanaged", "standard", "2026-11-28 21:45", 60, "115.00"),  # 15 at 85 + 45 at 125
    ("unmanaged", "standard", "2026-11-28 23:30", 60, "125.00"),  # Saturday night into Sunday
    ("unmanaged", "standard", "2026-11-29 12:00", 60, "125.00"),  # Sunday all day
    ("unmanaged", "standard", "2026-11-29 23:30", 60, "125.00"),  # Sunday into Monday night
    ("unmanaged", "standard", "2026-11-30 06:30", 60, "105.00"),  # 30 at 125 + 30 at 85
    ("unmanaged", "standard", "2026-11-30 08:30", 60, "75.00"),  # 30 at 85 + 30 at 65
    # closed days bill the night/Sunday rate all day
    ("unmanaged", "standard", "2026-12-25 10:00", 60, "125.00"),  # Christmas, a Friday
    ("unmanaged", "standard", "2025-04-26 10:00", 60, "125.00"),  # King's Day on a Saturday
    ("unmanaged", "standard", "2025-04-19 10:00", 60, "85.00"),  # ... an ordinary Saturday
    ("unmanaged", "standard", "2026-04-06 10:00", 60, "125.00"),  # Easter Monday
    ("unmanaged", "standard", "2026-04-03 10:00", 60, "65.00"),  # Good Friday is a working day
    ("unmanaged", "standard", "2026-12-24 16:30", 60, "75.00"),  # into the evening before Christmas
    ("unmanaged", "standard", "2026-12-24 21:30", 180, "355.00"),  # 30 min evening, then night into Christmas
    # daylight saving: real minutes are billed, not wall-clock minutes
    ("unmanaged", "standard", "2026-03-29 01:00", 120, "250.00"),
    ("unmanaged", "standard", "2026-10-25 01:00", 180, "375.00"),
    ("unmanaged", "standard", "2026-03-27 16:30", 60, "75.00"),  # the Friday before: unaffected
]


@pytest.mark.parametrize(
    ("support_type", "priority", "start", "minutes", "amount"),
    WORK_CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}min" for c in WORK_CASES],
)
def test_work_entry(policy, support_type, priority, start, minutes, amount):
    result = price(policy, support_type, priority, [work(start, minutes)])
    assert result.free_reason is None
    (line,) = result.lines
    assert line.kind is LineKind.WORK
    assert line.billed_minutes == -(-minutes // 15) * 15
    assert line.amount == Decimal(amount)
    assert result.total == Decimal(amount)


def test_band_shares_explain_the_entry(policy):
    (line,) = price(policy, "unmanaged", "standard", [work("2026-11-24 16:50", 20)]).lines
    assert [(s.band, s.duration.total_seconds() / 60, s.hourly_rate) for s in line.shares] == [
        ("office", 10, Decimal("65.00")),
        ("evening", 20, Decimal("85.00")),
    ]


# (support type, priority, start, minutes, expected amount): one travel entry on an e-mail ticket
TRAVEL_CASES = [
    ("unmanaged", "standard", "2026-11-24 11:00", 30, "32.50"),  # §8: 16.25, so the minimum applies
    ("unmanaged", "standard", "2026-11-24 11:00", 90, "48.75"),  # half of 65 for 1.5 h
    ("unmanaged", "standard", "2026-11-24 11:00", 63, "34.13"),  # 34.125 rounds half up
    ("unmanaged", "standard", "2026-11-24 11:00", 61, "33.04"),  # not rounded to units
    ("unmanaged", "standard", "2026-11-24 16:50", 90, "48.75"),  # the rate when the travel starts
    ("unmanaged", "standard", "2026-11-24 17:30", 60, "42.50"),  # evening: half of 85
    ("unmanaged", "standard", "2026-11-24 22:30", 60, "62.50"),  # night: half of 125
    ("unmanaged", "standard", "2026-11-29 10:00", 60, "62.50"),  # Sunday
    ("unmanaged", "direct", "2026-11-24 11:00", 30, "32.50"),  # 31.25: minimum
    ("unmanaged", "direct", "2026-11-24 11:00", 40, "41.67"),
]


@pytest.mark.parametrize(
    ("support_type", "priority", "start", "minutes", "amount"),
    TRAVEL_CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}min" for c in TRAVEL_CASES],
)
def test_travel_entry(policy, support_type, priority, start, minutes, amount):
    result = price(policy, support_type, priority, [work("2026-11-24 10:00", 30), travel(start, minutes)])
    work_line, travel_line = result.lines
    assert travel_line.kind is LineKind.TRAVEL
    assert travel_line.billed_minutes == minutes
    assert travel_line.amount == Decimal(amount)
    assert result.total == work_line.amount + Decimal(amount)


# (type, priority, channel, critical, entries, free reason, total)
TICKET_CASES = [
    # POLICY.md §8: phone, 3 minutes: 15 min + 15 min surcharge = 30 min x 65
    ("functional", "standard", "phone", False, [work("2026-11-24 10:00", 3)], None, "32.50"),
    ("functional", "standard", "phone_after_hours", False, [work("2026-11-24 10:00", 3)], None, "32.50"),
    ("functional", "high", "phone", False, [work("2026-11-24 10:00", 20)], None, "63.75"),  # 42.50 + 21.25
    ("functional", "standard", "phone", False, [], None, "16.25"),  # the surcharge is per ticket
    ("functional", "standard", "phone", False, [work("2026-11-24 20:00", 30)], None, "58.75"),  # at ticket rate
    ("unmanaged", "standard", "phone", False, [work("2026-11-24 10:00", 20)], None, "32.50"),  # no surcharge
    # fair use: 5 minutes or less by the right channel
    ("functional", "standard", "email", False, [work("2026-11-24 10:00", 5)], "fair_use", "0.00"),
    (
        "functional",
        "direct",
        "portal",
        False,
        [work("2026-11-24 10:00", 2), work("2026-11-24 11:00", 3)],
        "fair_use",
        "0.00",
    ),
    (
        "functional",
        "standard",
        "email",
        False,
        [work("2026-11-24 10:00", 3), work("2026-11-24 11:00", 3)],
        None,
        "32.50",
    ),
    ("functional", "standard", "email", False, [work("2026-11-24 10:00", 6)], None, "16.25"),
    ("functional", "standard", "phone", False, [work("2026-11-24 10:00", 5)], None, "32.50"),
    ("unmanaged", "standard", "phone", False, [work("2026-11-24 10:00", 5)], "fair_use", "0.00"),
    ("unmanaged", "high", "phone_after_hours", False, [work("2026-11-24 23:00", 4)], "fair_use", "0.00"),
    ("unmanaged", "standard", "email", False, [work("2026-11-24 10:00", 5)], None, "16.25"),
    ("unmanaged", "standard", "portal", False, [work("2026-11-24 10:00", 5)], None, "16.25"),
    ("managed", "direct", "phone", False, [work("2026-11-24 10:00", 5)], "fair_use", "0.00"),
    ("managed", "direct", "email", False, [work("2026-11-24 10:00", 5)], None, "31.25"),
    # travel does not count towards fair use, and a free ticket's travel is free too
    (
        "functional",
        "standard",
        "email",
        False,
        [work("2026-11-24 10:00", 5), travel("2026-11-24 09:00", 60)],
        "fair_use",
        "0.00",
    ),
    # managed service: managed + high (and managed + standard, which becomes high)
    (
        "managed",
        "high",
        "email",
        False,
        [work("2026-11-24 10:00", 120), travel("2026-11-24 09:00", 60)],
        "managed_service",
        "0.00",
    ),
    ("managed", "standard", "portal", False, [work("2026-11-24 20:00", 60)], "managed_service", "0.00"),
    # critical incidents are free, and critical wins over the other reasons
    ("functional", "standard", "phone", True, [work("2026-11-24 10:00", 90)], "critical", "0.00"),
    ("managed", "high", "phone", True, [work("2026-11-24 10:00", 3)], "critical", "0.00"),
    ("managed", "high", "phone", False, [work("2026-11-24 10:00", 3)], "managed_service", "0.00"),
    (
        "unmanaged",
        "direct",
        "email",
        True,
        [work("2026-11-29 03:00", 60), travel("2026-11-29 02:00", 60)],
        "critical",
        "0.00",
    ),
    # several entries add up, each rounded on its own
    (
        "unmanaged",
        "standard",
        "email",
        False,
        [work("2026-11-24 16:50", 20), work("2026-11-24 16:50", 20)],
        None,
        "78.34",
    ),
]


@pytest.mark.parametrize(
    ("support_type", "priority", "channel", "critical", "entries", "reason", "total"),
    TICKET_CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}{'-critical' if c[3] else ''}-{c[6]}" for c in TICKET_CASES],
)
def test_ticket(policy, support_type, priority, channel, critical, entries, reason, total):
    result = price(policy, support_type, priority, entries, channel=channel, critical=critical)
    assert (result.free_reason.value if result.free_reason else None) == reason
    assert result.total == Decimal(total)
    assert result.total == sum((line.amount for line in result.lines), Decimal("0.00"))


def test_free_ticket_still_lists_its_lines_at_zero(policy):
    result = price(policy, "managed", "high", [work("2026-11-24 10:00", 50), travel("2026-11-24 09:00", 40)])
    assert result.free_reason is FreeReason.MANAGED_SERVICE
    assert [(line.kind, line.minutes, line.billed_minutes, line.amount) for line in result.lines] == [
        (LineKind.WORK, 50, 60, Decimal("0.00")),
        (LineKind.TRAVEL, 40, 40, Decimal("0.00")),
    ]
    assert result.hourly_rate is None


def test_phone_surcharge_line(policy):
    result = price(policy, "functional", "standard", [work("2026-11-24 10:00", 3)], channel="phone")
    surcharge = result.lines[-1]
    assert (surcharge.kind, surcharge.start, surcharge.minutes, surcharge.billed_minutes, surcharge.amount) == (
        LineKind.PHONE_SURCHARGE,
        None,
        15,
        15,
        Decimal("16.25"),
    )


def test_no_surcharge_on_a_free_phone_ticket(policy):
    result = price(policy, "functional", "standard", [work("2026-11-24 10:00", 3)], channel="phone", critical=True)
    assert [line.kind for line in result.lines] == [LineKind.WORK]


def test_amounts_have_two_decimals(policy):
    result = price(policy, "unmanaged", "standard", [work("2026-11-24 10:00", 60)])
    assert str(result.total) == "65.00"
    assert str(result.lines[0].amount) == "65.00"
    free = price(policy, "managed", "high", [work("2026-11-24 10:00", 60)])
    assert str(free.total) == "0.00"
