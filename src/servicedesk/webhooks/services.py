"""Writes of webhook subscriptions (made with a secret shown once, paused, enabled, deleted; each recorded) and
of their deliveries' outcomes (delivered; failed, retried with backoff; a subscription failing for a day
disabled and its owner told by mail)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.outbox.models import OutgoingMessage
from servicedesk.outbox.services import render_notice
from servicedesk.webhooks.models import EventType, WebhookDelivery, WebhookSubscription, WebhookSubscriptionEvent

SECRET_START = "whsec_"
#: A subscription whose deliveries fail this long is disabled and its owner told.
FAILING_LIMIT = timedelta(hours=24)
#: Waits after the 1st, 2nd, … failed attempt of a delivery; the last repeats until the subscription is disabled.
RETRY_AFTER = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=2),
)
URL_MAX = WebhookSubscription._meta.get_field("url").max_length


def may_manage_webhooks(agent) -> bool:
    return agent.is_active and agent.is_staff and agent.has_perm("webhooks.manage_webhooks")


def _check_url(url: str) -> dict:
    """Problems with a subscription's URL: http(s) only, not the desk itself."""
    if not url:
        return {"url": _("Give the URL that receives the events.")}
    if len(url) > URL_MAX:
        return {"url": _("At most %(n)s characters.") % {"n": URL_MAX}}
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return {"url": _("Give an http or https URL, such as https://example.com/hooks/servicedesk.")}
    ours = urlsplit(settings.SERVICEDESK_BASE_URL)
    theirs = urlsplit(url)
    if (theirs.hostname, theirs.port or _default_port(theirs.scheme)) == (
        ours.hostname,
        ours.port or _default_port(ours.scheme),
    ):
        return {"url": _("The desk does not send webhooks to itself.")}
    return {}


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def subscription_create(
    *, owner, url: str, events: list[str], now: datetime | None = None
) -> tuple[WebhookSubscription, str]:
    """A new subscription of `owner` (an agent with the admin role), and its secret: shown once to the agent,
    kept to sign the deliveries."""
    now = now or timezone.now()
    url = url.strip()
    errors = _check_url(url)
    chosen = [value for value in EventType.values if value in set(events)]
    if not events:
        errors["events"] = _("Choose at least one event.")
    elif len(chosen) != len(set(events)):
        errors["events"] = _("Unknown event; choose from %(events)s.") % {"events": ", ".join(EventType.values)}
    if not may_manage_webhooks(owner):
        errors["owner"] = _("Only agents with the admin role manage webhooks.")
    if errors:
        raise ValidationError(errors)
    secret = SECRET_START + secrets.token_urlsafe(32)
    with transaction.atomic():
        subscription = WebhookSubscription.objects.create(
            owner=owner, url=url, events=" ".join(chosen), secret=secret, created_at=now
        )
        WebhookSubscriptionEvent.objects.create(
            subscription=subscription, kind=WebhookSubscriptionEvent.Kind.CREATED, actor=owner, at=now
        )
    return subscription, secret


def _locked(subscription: WebhookSubscription) -> WebhookSubscription:
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.deleted_at is not None:
        raise ValidationError(_("This subscription was deleted."))
    return subscription


def subscription_pause(*, subscription: WebhookSubscription, actor, now: datetime | None = None) -> WebhookSubscription:
    """Stop sending: the events still queue and go out once it is enabled again. Pausing twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription = _locked(subscription)
        if subscription.paused_at is None:
            subscription.paused_at = now
            subscription.save(update_fields=["paused_at"])
            WebhookSubscriptionEvent.objects.create(
                subscription=subscription, kind=WebhookSubscriptionEvent.Kind.PAUSED, actor=actor, at=now
            )
    return subscription


def subscription_enable(
    *, subscription: WebhookSubscription, actor, now: datetime | None = None
) -> WebhookSubscription:
    """Send again (after a pause, or after it was disabled for failing): what waited is due at once, in order."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription = _locked(subscription)
        if subscription.paused_at is None and subscription.disabled_at is None:
            return subscription
        subscription.paused_at = subscription.disabled_at = subscription.failing_since = None
        subscription.save(update_fields=["paused_at", "disabled_at", "failing_since"])
        WebhookDelivery.objects.filter(subscription=subscription, status=WebhookDelivery.Status.PENDING).update(
            next_attempt_at=now, leased_until=None
        )
        WebhookSubscriptionEvent.objects.create(
            subscription=subscription, kind=WebhookSubscriptionEvent.Kind.ENABLED, actor=actor, at=now
        )
    return subscription


def subscription_delete(
    *, subscription: WebhookSubscription, actor, now: datetime | None = None
) -> WebhookSubscription:
    """No more events; what still waited is cancelled. The subscription and its log are kept for the record."""
    now = now or timezone.now()
    with transaction.atomic():
        subscription = _locked(subscription)
        subscription.deleted_at = now
        subscription.save(update_fields=["deleted_at"])
        WebhookDelivery.objects.filter(subscription=subscription, status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.CANCELLED, leased_until=None
        )
        WebhookSubscriptionEvent.objects.create(
            subscription=subscription, kind=WebhookSubscriptionEvent.Kind.DELETED, actor=actor, at=now
        )
    return subscription


def delivery_mark_delivered(delivery: WebhookDelivery, *, response_code: int, now: datetime) -> None:
    """The receiver accepted the delivery (2xx): recorded at once, in a commit of its own; the subscription is
    no longer failing."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(
            status=WebhookDelivery.Status.DELIVERED,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
            response_code=response_code,
            last_error="",
            delivered_at=now,
            leased_until=None,
        )
        WebhookSubscription.objects.filter(pk=delivery.subscription_id, failing_since__isnull=False).update(
            failing_since=None
        )


def delivery_mark_failed(
    delivery: WebhookDelivery, *, response_code: int | None, error: str, now: datetime
) -> WebhookSubscription:
    """An attempt failed (an answer other than 2xx, no answer in time, no connection): tried again after the
    backoff. A subscription that has been failing for `FAILING_LIMIT` is disabled and its owner told; its
    deliveries wait for it to be enabled again."""
    attempts = delivery.attempts + 1
    wait = RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
    with transaction.atomic():
        subscription = (
            WebhookSubscription.objects.select_for_update().select_related("owner").get(pk=delivery.subscription_id)
        )
        WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(
            attempts=attempts,
            last_attempt_at=now,
            response_code=response_code,
            last_error=error[:500],
            next_attempt_at=now + wait,
            leased_until=None,
        )
        if subscription.failing_since is None:
            subscription.failing_since = now
            subscription.save(update_fields=["failing_since"])
        elif subscription.disabled_at is None and now - subscription.failing_since >= FAILING_LIMIT:
            subscription.disabled_at = now
            subscription.save(update_fields=["disabled_at"])
            WebhookSubscriptionEvent.objects.create(
                subscription=subscription, kind=WebhookSubscriptionEvent.Kind.DISABLED, actor=None, at=now
            )
            _tell_owner_disabled(subscription, error=error, now=now)
    delivery.attempts, delivery.response_code, delivery.next_attempt_at = attempts, response_code, now + wait
    return subscription


def _tell_owner_disabled(subscription: WebhookSubscription, *, error: str, now: datetime) -> None:
    """Queue the mail to the agent who made the subscription (in the transaction that disabled it)."""
    owner = subscription.owner
    if not owner.email:
        return
    link = f"{settings.SERVICEDESK_BASE_URL}/desk/webhooks/{subscription.pk}/"
    subject, body = render_notice(
        OutgoingMessage.Kind.WEBHOOK_DISABLED,
        "nl",
        {
            "subscription": subscription,
            "owner": owner,
            "error": error[:500],
            "link": link,
            "since": subscription.failing_since,
        },
    )
    OutgoingMessage.objects.create(
        kind=OutgoingMessage.Kind.WEBHOOK_DISABLED,
        to_address=owner.email,
        to_name=owner.get_full_name(),
        language="nl",
        subject=subject[: OutgoingMessage._meta.get_field("subject").max_length],
        body=body,
        automatic=True,
        created_at=now,
        next_attempt_at=now,
    )
