"""Webhook subscriptions and their delivery logs: agents with the admin role (for any other agent, they do not
exist), through the services the desk's pages call."""

from __future__ import annotations

from ninja import Query, Router, Status

from servicedesk.api.auth import READ, WRITE
from servicedesk.api.errors import not_found
from servicedesk.api.routes.reports import id_page
from servicedesk.api.routing import get, post
from servicedesk.api.schemas import (
    PAGE_MAX,
    Id,
    WebhookCreated,
    WebhookDeliveryPage,
    WebhookIn,
    WebhookOut,
)
from servicedesk.webhooks.models import WebhookDelivery, WebhookSubscription
from servicedesk.webhooks.services import (
    may_manage_webhooks,
    subscription_create,
    subscription_delete,
    subscription_enable,
    subscription_pause,
)

router = Router(tags=["webhooks"])


def _admin(request) -> None:
    if not may_manage_webhooks(request.user):
        raise not_found()


def _subscription(request, webhook_id: int) -> WebhookSubscription:
    _admin(request)
    subscription = WebhookSubscription.objects.filter(pk=webhook_id, deleted_at__isnull=True).first()
    if subscription is None:
        raise not_found()
    return subscription


@get(router, "/webhooks", ok=list[WebhookOut], auth=READ)
def webhook_list(request):
    """The subscriptions (not deleted), oldest first."""
    _admin(request)
    return list(WebhookSubscription.objects.filter(deleted_at__isnull=True))


@post(router, "/webhooks", ok=WebhookCreated, auth=WRITE, status=201)
def webhook_create(request, payload: WebhookIn):
    """Subscribe a URL (http or https, not the desk itself) to events; the answer holds the secret, this once."""
    _admin(request)
    subscription, _secret = subscription_create(owner=request.user, url=payload.url, events=list(payload.events))
    return Status(201, subscription)  # WebhookCreated shows its `secret`; no other answer does


@get(router, "/webhooks/{webhook_id}", ok=WebhookOut, auth=READ)
def webhook_read(request, webhook_id: Id):
    return _subscription(request, webhook_id)


@post(router, "/webhooks/{webhook_id}/pause", ok=WebhookOut, auth=WRITE)
def webhook_pause(request, webhook_id: Id):
    """Stop sending; the events wait until it is enabled."""
    return subscription_pause(subscription=_subscription(request, webhook_id), actor=request.user)


@post(router, "/webhooks/{webhook_id}/enable", ok=WebhookOut, auth=WRITE)
def webhook_enable(request, webhook_id: Id):
    """Send again, after a pause or after it was disabled for failing a day: what waited goes out in order."""
    return subscription_enable(subscription=_subscription(request, webhook_id), actor=request.user)


@post(router, "/webhooks/{webhook_id}/delete", ok=WebhookOut, auth=WRITE)
def webhook_delete(request, webhook_id: Id):
    """No more events; what still waited is cancelled."""
    return subscription_delete(subscription=_subscription(request, webhook_id), actor=request.user)


@get(router, "/webhooks/{webhook_id}/deliveries", ok=WebhookDeliveryPage, auth=READ)
def webhook_deliveries(
    request,
    webhook_id: Id,
    cursor: str | None = Query(None, max_length=30),
    limit: int = Query(50, ge=1, le=PAGE_MAX),
):
    """The delivery log, newest first."""
    subscription = _subscription(request, webhook_id)
    deliveries, next_cursor = id_page(WebhookDelivery.objects.filter(subscription=subscription), cursor, limit)
    return {"deliveries": deliveries, "next_cursor": next_cursor}
