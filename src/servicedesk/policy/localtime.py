"""Wall-clock times in the policy's time zone: refusing those that do not exist (spring forward)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


class NonexistentLocalTime(ValueError):
    """A local time inside the hour the clocks skip when daylight saving time starts."""


@lru_cache(maxsize=8192)
def clocks_change_on(ordinal: int, time_zone: ZoneInfo) -> bool:
    """Whether the UTC offset changes during that local date (a proleptic Gregorian ordinal)."""
    day = datetime.fromordinal(ordinal)
    start = day.replace(tzinfo=time_zone)
    end = (day + timedelta(hours=23, minutes=59, seconds=59)).replace(tzinfo=time_zone, fold=1)
    return start.utcoffset() != end.utcoffset()


def localize(naive: datetime, time_zone: ZoneInfo) -> datetime:
    """A naive wall-clock time as an aware one; a repeated autumn time means its first occurrence."""
    local = naive.replace(tzinfo=time_zone, fold=0)
    if clocks_change_on(naive.toordinal(), time_zone) and (
        local.astimezone(UTC).astimezone(time_zone).replace(tzinfo=None) != naive
    ):
        raise NonexistentLocalTime(naive)
    return local
