"""Recording the desk's events for webhooks, in the transaction of the change: one delivery row per
subscription that wants the event. Services call this module; it knows nothing of how events are shown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from servicedesk.webhooks.models import EventType, WebhookDelivery, WebhookSubscription


@dataclass(frozen=True)
class Event:
    type: str  # an EventType value
    object_id: int
    ticket_id: int | None = None  # deliveries about one ticket go out in order


def event_record(event_type: str, *, object_id: int, ticket_id: int | None = None, now: datetime) -> None:
    """Record one event (see `events_record`)."""
    events_record([Event(event_type, object_id, ticket_id)], now=now)


def events_record(events: list[Event], *, now: datetime) -> None:
    """Queue a delivery of each event to every subscription (not deleted) that wants it: one query to find the
    subscriptions, one INSERT for all deliveries. Call inside the transaction of the change: the deliveries
    exist only if it commits. A paused or disabled subscription's deliveries wait until it is enabled."""
    if not events:
        return
    unknown = {event.type for event in events} - set(EventType.values)
    if unknown:
        raise ValueError(f"unknown webhook event type(s): {sorted(unknown)}")
    subscriptions = list(WebhookSubscription.objects.filter(deleted_at__isnull=True).values_list("id", "events"))
    if not subscriptions:
        return
    rows = []
    for event in events:
        event_id = uuid.uuid4()
        rows.extend(
            WebhookDelivery(
                subscription_id=subscription_id,
                event_id=event_id,
                event_type=event.type,
                object_id=event.object_id,
                ticket_id=event.ticket_id,
                occurred_at=now,
                next_attempt_at=now,
            )
            for subscription_id, wanted in subscriptions
            if event.type in wanted.split()
        )
    if rows:
        WebhookDelivery.objects.bulk_create(rows)
