"""Webhooks delivered to a real HTTP receiver: signed, retried on errors and timeouts, in order per ticket, a
subscription failing for a day disabled and its owner told, nothing lost."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from servicedesk.api.services import token_create
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.tickets import services
from servicedesk.webhooks.delivery import deliver_due
from servicedesk.webhooks.models import WebhookDelivery, WebhookSubscriptionEvent
from servicedesk.webhooks.services import subscription_enable
from servicedesk.webhooks.signing import signature_valid

pytestmark = pytest.mark.django_db


def _ticket(reporter, subject="Printer piept", now=None):
    return services.ticket_create(
        reporter=reporter, subject=subject, body="Hij piept.", channel="email", support_type="unmanaged", now=now
    )


def at(offset: timedelta):
    """The `now` seam of the delivery: the worker's clock moved by `offset`."""
    moment = timezone.now() + offset
    return lambda: moment


def test_a_delivery_is_signed_and_shows_the_object_as_the_api_does(receiver, subscribed, anja, admin, client):
    _subscription, secret = subscribed
    ticket = _ticket(anja)

    result = deliver_due()

    assert (result.delivered, result.failed) == (1, 0)
    headers, body = receiver.received[0]
    stamp, signed = headers["X-Servicedesk-Timestamp"], headers["X-Servicedesk-Signature"]
    assert signature_valid(secret, stamp, body, signed)
    assert not signature_valid("whsec_other", stamp, body, signed)
    assert not signature_valid(secret, str(int(stamp) + 1), body, signed)
    assert abs(int(stamp) - time.time()) < 60
    payload = json.loads(body)
    delivery = WebhookDelivery.objects.get()
    assert payload["id"] == str(delivery.event_id) == headers["X-Servicedesk-Delivery"]
    assert payload["type"] == headers["X-Servicedesk-Event"] == "ticket.created"
    assert payload["occurred_at"]
    assert payload["data"]["id"] == ticket.pk
    assert payload["data"]["subject"] == "Printer piept"
    assert payload["data"]["customer_name"] == anja.customer.name
    assert payload["data"]["reporter_name"] == "Anja"
    _token, token = token_create(agent=admin, name="check", scopes=["read"], actor=admin)
    shown = client.get(f"/api/v1/tickets/{ticket.pk}", headers={"Authorization": f"Bearer {token}"}).json()
    assert payload["data"] == {key: shown[key] for key in payload["data"]}
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.response_code, delivery.attempts) == (200, 1)
    assert delivery.delivered_at is not None
    assert deliver_due().delivered == 0  # once


def test_a_500_is_tried_again_after_the_backoff(receiver, subscribed, anja):
    receiver.answers = [500]
    _ticket(anja)

    assert deliver_due().failed == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("pending", 500, 1)
    assert delivery.last_error == "HTTP 500"
    assert deliver_due(clock=at(timedelta(seconds=30))).delivered == 0  # not yet: the backoff
    assert len(receiver.received) == 1

    assert deliver_due(clock=at(timedelta(minutes=2))).delivered == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("delivered", 200, 2)
    assert len(receiver.received) == 2
    assert receiver.received[0][1] == receiver.received[1][1]  # the same event again


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(receiver, subscribed, anja, settings):
    settings.SERVICEDESK_WEBHOOK_TIMEOUT = 0.3
    receiver.slow_seconds = 1.5
    receiver.answers = ["slow"]
    _ticket(anja)

    started = time.monotonic()
    assert deliver_due().failed == 1
    assert time.monotonic() - started < 1.4  # the desk did not wait for the answer
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.response_code is None
    assert "timed out" in delivery.last_error

    assert deliver_due(clock=at(timedelta(minutes=2))).delivered == 1


def test_deliveries_about_one_ticket_go_out_in_order(receiver, subscribed, anja, admin):
    receiver.answers = [500]
    ticket = _ticket(anja)
    services.ticket_assign(ticket=ticket, actor=admin, assignee=admin)
    other = _ticket(anja, "Ander")

    # The first about the ticket fails: the update waits for it; the other ticket's event is not held up.
    result = deliver_due()
    assert (result.delivered, result.failed) == (1, 1)
    assert receiver.events() == [("ticket.created", ticket.pk), ("ticket.created", other.pk)]

    assert deliver_due(clock=at(timedelta(minutes=2))).delivered == 2  # the retry, then the one behind it
    assert receiver.events()[2:] == [("ticket.created", ticket.pk), ("ticket.updated", ticket.pk)]


def test_a_subscription_failing_for_a_day_is_disabled_its_owner_told_and_nothing_lost(receiver, subscribed, anja):
    subscription, _secret = subscribed
    receiver.answers = [500, 500, 503]
    _ticket(anja)

    deliver_due()
    deliver_due(clock=at(timedelta(hours=23)))
    subscription.refresh_from_db()
    assert subscription.disabled_at is None  # failing, not yet for a day
    assert not OutgoingMessage.objects.filter(kind=OutgoingMessage.Kind.WEBHOOK_DISABLED).exists()

    deliver_due(clock=at(timedelta(hours=24, minutes=1)))
    subscription.refresh_from_db()
    assert subscription.disabled_at is not None
    assert subscription.trail.filter(kind=WebhookSubscriptionEvent.Kind.DISABLED).count() == 1
    told = OutgoingMessage.objects.get(kind=OutgoingMessage.Kind.WEBHOOK_DISABLED)
    assert told.to_address == "wim@desk.example"
    assert receiver.url in told.subject and "HTTP 503" in told.body
    assert f"/desk/webhooks/{subscription.pk}/" in told.body

    # Disabled: nothing is sent, the event waits.
    assert deliver_due(clock=at(timedelta(hours=30))).delivered == 0
    assert len(receiver.received) == 3
    assert WebhookDelivery.objects.get().status == "pending"

    subscription_enable(subscription=subscription, actor=subscription.owner)
    assert deliver_due().delivered == 1
    assert receiver.events()[-1][0] == "ticket.created"


def test_a_success_in_between_restarts_the_day(receiver, subscribed, anja):
    subscription, _secret = subscribed
    receiver.answers = [500, 200, 500]
    _ticket(anja)
    _ticket(anja, "Tweede")

    deliver_due()  # the first fails, the second (another ticket) is delivered
    subscription.refresh_from_db()
    assert subscription.failing_since is None
    deliver_due(clock=at(timedelta(hours=25)))
    subscription.refresh_from_db()
    assert subscription.disabled_at is None and subscription.failing_since is not None


def test_a_paused_subscription_keeps_its_events_for_later(receiver, subscribed, anja, admin):
    from servicedesk.webhooks.services import subscription_pause

    subscription, _secret = subscribed
    subscription_pause(subscription=subscription, actor=admin)
    _ticket(anja)
    assert deliver_due().delivered == 0
    subscription_enable(subscription=subscription, actor=admin)
    assert deliver_due().delivered == 1


def test_a_redirect_is_not_followed(receiver, subscribed, anja):
    receiver.answers = [302]
    _ticket(anja)
    assert deliver_due().failed == 1
    assert WebhookDelivery.objects.get().response_code == 302
    assert len(receiver.received) == 1


def test_only_events_subscribed_to_are_queued(receiver, admin, anja):
    from servicedesk.webhooks.services import subscription_create

    subscription_create(owner=admin, url=receiver.url, events=["message.received"])
    ticket = _ticket(anja)
    services.ticket_add_message(ticket=ticket, contact=anja, body="Nog steeds.")
    deliver_due()
    message = ticket.messages.order_by("-id").first()
    assert receiver.events() == [("message.received", message.pk)]
    payload = json.loads(receiver.received[0][1])
    assert payload["data"]["ticket_id"] == ticket.pk and payload["data"]["body"] == "Nog steeds."
