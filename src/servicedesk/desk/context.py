"""What every desk page shows in its navigation: queue counts and unread notifications.

The counts are kept for a few seconds per agent: an agent clicking through tickets does not need
them recounted on every page, and the queue pages themselves are always current.
"""

from __future__ import annotations

import functools

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from servicedesk.tickets.selectors import QUEUES, queue_counts, unread_notifications

FRESH_SECONDS = 15


def navigation_counts(user) -> dict:
    key = f"desk-nav:{user.pk}"
    counts = cache.get(key)
    if counts is None:
        counts = {
            "nav_counts": queue_counts(user=user, now=timezone.now()),
            "nav_unread": unread_notifications(user).count(),
        }
        cache.set(key, counts, FRESH_SECONDS)
    return counts


def _may(user, permission: str) -> bool:
    """Whether the navigation shows the pages of a role; kept a few minutes (the pages check it every time)."""
    key = f"desk-may:{permission}:{user.pk}"
    allowed = cache.get(key)
    if allowed is None:
        allowed = user.has_perm(permission)
        cache.set(key, allowed, 300)
    return allowed


def may_bill(user) -> bool:
    return _may(user, "billing.manage_billing")


def may_manage_webhooks(user) -> bool:
    return _may(user, "webhooks.manage_webhooks")


def forget_navigation_counts(user) -> None:
    cache.delete(f"desk-nav:{user.pk}")


@functools.cache
def navigation_urls() -> dict[str, str]:
    """The navigation's links, resolved once per process (they never change while it runs)."""
    urls = {name: reverse("desk:queue", args=[name]) for name in QUEUES}
    for name in (
        "home",
        "phone",
        "customers",
        "refused",
        "quarantine",
        "notifications",
        "logout",
        "account",
        "manuals",
        "billing",
        "oncall",
        "alerts",
        "projects",
        "my_tasks",
        "report_sla",
        "contracts",
        "webhooks",
    ):
        urls[name] = reverse(f"desk:{name}")
    urls["set_language"] = reverse("set_language")
    return urls


def desk_navigation(request) -> dict:
    user = getattr(request, "user", None)
    if not request.path.startswith("/desk/") or user is None or not user.is_authenticated or not user.is_staff:
        return {"nav_urls": navigation_urls()} if request.path.startswith("/desk/") else {}
    if request.path.startswith(("/desk/queue/", "/desk/notifications/")) or request.path == "/desk/":
        forget_navigation_counts(user)  # the pages that show these lists show current counts
    return {
        **navigation_counts(user),
        "nav_billing": may_bill(user),
        "nav_webhooks": may_manage_webhooks(user),
        "nav_urls": navigation_urls(),
    }
