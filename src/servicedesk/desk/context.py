"""What every desk page shows in its navigation: queue counts and unread notifications."""

from __future__ import annotations

from django.utils import timezone

from servicedesk.tickets.selectors import queue_counts, unread_notifications


def desk_navigation(request) -> dict:
    user = getattr(request, "user", None)
    if not request.path.startswith("/desk/") or user is None or not user.is_authenticated or not user.is_staff:
        return {}
    return {
        "nav_counts": queue_counts(user=user, now=timezone.now()),
        "nav_unread": unread_notifications(user).count(),
    }
