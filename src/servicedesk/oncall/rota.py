"""Reading the rota: who is on call at an instant (and who backs them up), and where it has gaps."""

from __future__ import annotations

from datetime import datetime

from servicedesk.oncall.models import Shift


def on_call_at(instant: datetime) -> list[Shift]:
    """The shifts covering an instant, first on call first (earliest start; ties by id)."""
    return list(
        Shift.objects.filter(starts_at__lte=instant, ends_at__gt=instant)
        .select_related("agent")
        .order_by("starts_at", "id")
    )


def next_shift(after: datetime) -> Shift | None:
    return Shift.objects.filter(starts_at__gt=after).select_related("agent").order_by("starts_at", "id").first()


def gaps(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) nobody is on call."""
    found, covered_until = [], start
    for shift in Shift.objects.filter(ends_at__gt=start, starts_at__lt=end).order_by("starts_at", "id"):
        if shift.starts_at > covered_until:
            found.append((covered_until, shift.starts_at))
        covered_until = max(covered_until, shift.ends_at)
    if covered_until < end:
        found.append((covered_until, end))
    return found
