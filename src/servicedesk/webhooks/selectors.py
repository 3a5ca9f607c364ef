"""Reads of webhooks: the subscriptions for the desk's list, and a subscription's delivery log, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from servicedesk.webhooks.models import WebhookDelivery, WebhookSubscription

LOG_PAGE = 50


def subscriptions_for_desk() -> QuerySet[WebhookSubscription]:
    """Every subscription not deleted, with its owner and how many of its deliveries are waiting."""
    return (
        WebhookSubscription.objects.filter(deleted_at__isnull=True)
        .select_related("owner")
        .annotate(waiting=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.PENDING)))
    )


@dataclass
class LogPage:
    deliveries: list[WebhookDelivery]
    older: int | None  # give as `before` for the next (older) page; None on the last


def delivery_log(subscription: WebhookSubscription, *, before: int | None = None, limit: int = LOG_PAGE) -> LogPage:
    """A page of the subscription's deliveries, newest first, by id (one query)."""
    deliveries = WebhookDelivery.objects.filter(subscription=subscription).order_by("-id")
    if before is not None:
        deliveries = deliveries.filter(id__lt=before)
    rows = list(deliveries[: limit + 1])
    older = rows[limit - 1].pk if len(rows) > limit else None
    return LogPage(rows[:limit], older)
