"""Sign-in rate limiting: too many failures for a username or from an address lock it out for a while."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from servicedesk.core.models import LoginFailure

WINDOW = timedelta(minutes=15)
MAX_PER_USERNAME = 5
MAX_PER_ADDRESS = 20


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def login_blocked_until(*, username: str, address: str | None, now: datetime | None = None) -> datetime | None:
    """When sign-ins for this username or from this address may be tried again, or None if now."""
    now = now or timezone.now()
    since = now - WINDOW
    recent = LoginFailure.objects.filter(at__gte=since)
    for condition, limit in ((Q(username__iexact=username), MAX_PER_USERNAME), (Q(address=address), MAX_PER_ADDRESS)):
        if condition == Q(address=None):
            continue
        times = list(recent.filter(condition).order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            return times[-1] + WINDOW
    return None


def login_failed(*, username: str, address: str | None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    LoginFailure.objects.create(username=username[:254], address=address, at=now)
    LoginFailure.objects.filter(at__lt=now - 4 * WINDOW).delete()


def login_succeeded(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()


def blocked_message(until: datetime, now: datetime | None = None) -> str:
    """What a locked-out user is told: when to try again."""
    from django.utils.translation import gettext as _

    minutes = max(1, int((until - (now or timezone.now())).total_seconds() // 60) + 1)
    return _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {"minutes": minutes}
