"""Webhook subscriptions, what happened to them, and their deliveries: the delivery table is the queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    TICKET_UPDATED = "ticket.updated", _("Ticket updated")
    TICKET_RESPONSE_DUE_SOON = "ticket.response_due_soon", _("Ticket response due soon")
    TICKET_BREACHED = "ticket.breached", _("Ticket response deadline breached")
    MESSAGE_RECEIVED = "message.received", _("Message received from a customer")
    TIME_ENTRY_CREATED = "time_entry.created", _("Time entry created")
    INVOICE_ISSUED = "invoice.issued", _("Invoice issued")
    REFUSED_REPORT_CREATED = "refused_report.created", _("Refused report created")


class WebhookSubscription(models.Model):
    """A URL that receives the chosen events, signed with the subscription's secret.

    Paused (by an agent) or disabled (failing for a day), its deliveries wait and are sent once it is enabled
    again: no event is lost. Deleted, its waiting deliveries are cancelled; the row stays for the audit trail."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    events = models.CharField(max_length=300)  # space-separated EventType values
    # The HMAC key: kept as is, as the receiver keeps it (a hash could not sign).
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    paused_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)  # failing for too long; enabled again by an agent
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The first failed attempt since the last delivery that succeeded: the clock of "failing for 24 h".
    failing_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        permissions = [("manage_webhooks", "May manage webhook subscriptions")]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url

    @property
    def event_list(self) -> list[str]:
        return self.events.split()

    @property
    def event_labels(self) -> str:
        return ", ".join(str(EventType(value).label) for value in self.event_list)

    @property
    def state(self) -> str:
        if self.deleted_at is not None:
            return "deleted"
        if self.disabled_at is not None:
            return "disabled"
        if self.paused_at is not None:
            return "paused"
        return "active"

    @property
    def state_label(self) -> str:
        return str(
            {"deleted": _("Deleted"), "disabled": _("Disabled"), "paused": _("Paused"), "active": _("Active")}[
                self.state
            ]
        )


class WebhookSubscriptionEvent(models.Model):
    """The audit trail of subscriptions: made, paused, enabled, disabled (failing), deleted; by whom, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        PAUSED = "paused", _("Paused")
        ENABLED = "enabled", _("Enabled")
        DISABLED = "disabled", _("Disabled after failing for a day")
        DELETED = "deleted", _("Deleted")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="trail")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.subscription_id}"


class WebhookDelivery(models.Model):
    """One event for one subscription: written in the transaction of the change, sent by the worker.

    Deliveries about one ticket go out in the order they were written (`id`): a later one waits while an
    earlier one for the same subscription and ticket is pending."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField()  # the same for every subscription's delivery of one event
    event_type = models.CharField(max_length=30, choices=EventType.choices)
    object_id = models.BigIntegerField()  # of the ticket, message, time entry, invoice or refused report
    ticket_id = models.BigIntegerField(null=True, blank=True)  # the order key: the ticket the event is about
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    leased_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The worker's claim: pending deliveries that are due.
            models.Index(fields=["next_attempt_at"], name="webhook_due", condition=Q(status="pending")),
            # The order per ticket: is an earlier delivery of this subscription about this ticket pending?
            models.Index(
                fields=["subscription", "ticket_id", "id"], name="webhook_ticket_order", condition=Q(status="pending")
            ),
            # The delivery log of a subscription, newest first.
            models.Index(fields=["subscription", "-id"], name="webhook_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.object_id} → {self.subscription_id}"
