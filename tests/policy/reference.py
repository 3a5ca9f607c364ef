"""A slow, obviously correct model of POLICY.md, minute by minute, to check the engine against.

It is written straight from the text of POLICY.md (not from the policy file or the
engine's code), so a mistake in either shows up as a disagreement.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from functools import cache
from zoneinfo import ZoneInfo

import holidays

AMS = ZoneInfo("Europe/Amsterdam")
MINUTE = timedelta(minutes=1)

RATES = {  # (type, priority) -> euro per hour, None: free
    ("managed", "high"): None,
    ("managed", "direct"): 125,
    ("unmanaged", "standard"): 65,
    ("unmanaged", "high"): 85,
    ("unmanaged", "direct"): 125,
    ("functional", "standard"): 65,
    ("functional", "high"): 85,
    ("functional", "direct"): 125,
}
RESPONSE_OFFICE_MINUTES = {"standard": 24 * 60, "high": 8 * 60, "direct": 60}


@cache
def closed(day: date) -> bool:
    names = holidays.country_holidays("NL", years=day.year, language="en_US")
    name = names.get(day)
    return name is not None and name != "Good Friday"


def band(local: datetime) -> str:
    """office, evening or night, for the minute that starts at this local time."""
    day = local.date()
    minute = local.hour * 60 + local.minute
    weekday = local.isoweekday()
    if closed(day) or weekday == 7:
        return "night"
    if minute < 7 * 60 or minute >= 22 * 60:
        return "night"
    if weekday == 6:
        return "evening"
    if 9 * 60 <= minute < 17 * 60:
        return "office"
    return "evening"


def effective_priority(support_type: str, priority: str, critical: bool = False) -> str:
    if critical:
        return "direct"
    if support_type == "managed" and priority == "standard":
        return "high"
    return priority


def deadline(support_type: str, priority: str, reported: datetime) -> datetime:
    """Walk real minutes from the report; count those in office hours."""
    budget = RESPONSE_OFFICE_MINUTES[effective_priority(support_type, priority)]
    cursor = reported.astimezone(UTC)
    assert cursor.second == 0 and cursor.microsecond == 0
    counted = 0
    while True:
        if band(cursor.astimezone(AMS)) == "office":
            counted += 1
            if counted == budget:
                return (cursor + MINUTE).astimezone(AMS)
        cursor += MINUTE


def round_half_up(value: Fraction) -> Fraction:
    cents = value * 100
    whole = cents.numerator // cents.denominator
    if cents - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole, 100)


def work_amount(rate: int, start: datetime, minutes: int) -> Fraction:
    billed = -(-minutes // 15) * 15
    cursor = start.astimezone(UTC)
    total = Fraction(0)
    for _ in range(billed):
        minimum = {"office": 0, "evening": 85, "night": 125}[band(cursor.astimezone(AMS))]
        total += Fraction(max(rate, minimum), 60)
        cursor += MINUTE
    return round_half_up(total)


def travel_amount(rate: int, start: datetime, minutes: int) -> Fraction:
    minimum = {"office": 0, "evening": 85, "night": 125}[band(start.astimezone(AMS))]
    return max(round_half_up(Fraction(max(rate, minimum), 2) * minutes / 60), Fraction(65, 2))


def ticket_total(support_type, priority, channel, critical, entries) -> tuple[Fraction, str | None]:
    """(total, free reason) of a ticket; entries are (kind, aware start, minutes)."""
    priority = effective_priority(support_type, priority, critical)
    rate = RATES[support_type, priority]
    worked = sum(m for kind, _, m in entries if kind == "work")
    phone = channel in ("phone", "phone_after_hours")
    fair_channel = (support_type == "functional" and channel in ("email", "portal")) or (
        support_type != "functional" and phone
    )
    if critical:
        return Fraction(0), "critical"
    if rate is None:
        return Fraction(0), "managed_service"
    if fair_channel and worked <= 5:
        return Fraction(0), "fair_use"
    total = Fraction(0)
    for kind, start, minutes in entries:
        total += work_amount(rate, start, minutes) if kind == "work" else travel_amount(rate, start, minutes)
    if support_type == "functional" and phone:
        total += round_half_up(Fraction(rate * 15, 60))
    return total, None
