"""Delivering webhooks: claim due deliveries under a lease, POST each (signed, with a timeout), record each
outcome at once. Deliveries about one ticket go out in order: one waits while an earlier one is pending."""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from servicedesk.webhooks import registry
from servicedesk.webhooks.models import WebhookDelivery
from servicedesk.webhooks.services import delivery_mark_delivered, delivery_mark_failed
from servicedesk.webhooks.signing import signature

logger = logging.getLogger(__name__)
BATCH = 20
USER_AGENT = "servicedesk-webhooks/1"


@dataclass
class Delivered:
    delivered: int = 0
    failed: int = 0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other that is not 2xx: the delivery goes only to the URL subscribed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def deliveries_claim_due(*, now: datetime, limit: int, lease: timedelta) -> list[WebhookDelivery]:
    """Up to `limit` pending deliveries that are due, of active subscriptions, not leased to a live worker and
    with no earlier pending delivery about the same ticket for the same subscription; leased until
    `now + lease`."""
    earlier = WebhookDelivery.objects.filter(
        subscription=OuterRef("subscription"),
        ticket_id=OuterRef("ticket_id"),
        status=WebhookDelivery.Status.PENDING,
        id__lt=OuterRef("id"),
    )
    due = (
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=now,
            subscription__paused_at__isnull=True,
            subscription__disabled_at__isnull=True,
            subscription__deleted_at__isnull=True,
        )
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
        .filter(~Exists(earlier))
    )
    if not due.exists():  # most polls: a read, without SQLite's write lock
        return []
    with transaction.atomic():
        claimed = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .order_by("next_attempt_at", "id")[:limit]
        )
        if claimed:
            WebhookDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(leased_until=now + lease)
    return claimed


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the event's id, type and time, and its object as the API shows it now (null when gone)."""
    payload = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "occurred_at": delivery.occurred_at,
        "data": registry.shown(delivery.event_type, delivery.object_id),
    }
    return json.dumps(payload, cls=DjangoJSONEncoder).encode()


def deliver_due(
    *,
    clock: Callable[[], datetime] = timezone.now,
    lease: timedelta | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> Delivered:
    """Send every delivery that is due, a batch at a time, until none is left or `stopping()` says so. A
    delivery whose earlier one (same ticket) was in the batch is taken up by the next claim."""
    timeout = settings.SERVICEDESK_WEBHOOK_TIMEOUT
    # Long enough for a whole batch to time out: no other worker takes a delivery while it is in flight.
    lease = lease or timedelta(seconds=timeout * (BATCH + 1))
    result = Delivered()
    while not stopping():
        batch = deliveries_claim_due(now=clock(), limit=BATCH, lease=lease)
        if not batch:
            break
        for index, delivery in enumerate(batch):
            if stopping():
                WebhookDelivery.objects.filter(pk__in=[d.pk for d in batch[index:]]).update(leased_until=None)
                return result
            if _deliver_one(delivery, clock=clock, timeout=timeout):
                result.delivered += 1
            else:
                result.failed += 1
    return result


def _deliver_one(delivery: WebhookDelivery, *, clock, timeout: float) -> bool:
    subscription = delivery.subscription
    body = delivery_body(delivery)
    stamp = int(time.time())  # the receiver checks freshness against the real time, not the business clock
    request = urllib.request.Request(
        subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Servicedesk-Event": delivery.event_type,
            "X-Servicedesk-Delivery": str(delivery.event_id),
            "X-Servicedesk-Timestamp": str(stamp),
            "X-Servicedesk-Signature": signature(subscription.secret, stamp, body),
        },
    )
    code: int | None = None
    try:
        with _opener.open(request, timeout=timeout) as response:
            code = response.status
            response.read(1024)
    except urllib.error.HTTPError as exc:  # the receiver answered, not with 2xx
        code, error = exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError, http.client.HTTPException) as exc:  # refused, unreachable, timed out, garbled
        error = f"{type(exc).__name__}: {exc}"
    else:
        if 200 <= code < 300:
            delivery_mark_delivered(delivery, response_code=code, now=clock())
            return True
        error = f"HTTP {code}"
    delivery_mark_failed(delivery, response_code=code, error=error, now=clock())
    logger.warning(
        "webhook %s to %s not delivered (attempt %d): %s", delivery.pk, subscription.url, delivery.attempts, error
    )
    return False
