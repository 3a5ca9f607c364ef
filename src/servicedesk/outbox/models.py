"""A message to a customer's contact, waiting for delivery or delivered: the table is the delivery queue."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutgoingMessage(models.Model):
    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        REPLY = "reply", _("Reply")
        CLASSIFICATION = "classification", _("Classification changed")
        PRIORITY_LOWERED = "priority_lowered", _("Priority lowered")
        REFUSAL = "refusal", _("Report refused")
        INVITATION = "invitation", _("Portal invitation")
        PASSWORD_RESET = "password_reset", _("Portal password reset")
        INVOICE = "invoice", _("Invoice")
        AFTER_HOURS_RATE = "after_hours_rate", _("After-hours rate")
        QUOTE = "quote", _("Quote")
        SERVICE_REPORT = "service_report", _("Monthly service report")
        WEBHOOK_DISABLED = "webhook_disabled", _("Webhook disabled")
        BUNDLE = "bundle", _("Prepaid hours notice")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")

    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="outgoing_messages"
    )
    message = models.ForeignKey("tickets.Message", null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to_address = models.CharField(max_length=300)
    to_name = models.CharField(max_length=200, blank=True)
    cc = models.TextField(blank=True)  # contacts copied, one "Name <address>" a line (a ticket's Cc)
    language = models.CharField(max_length=5, default="nl")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    automatic = models.BooleanField(default=True)  # Auto-Submitted: auto-replied
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # Queued: due from this moment (later after a failed attempt: the backoff).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker is sending it until then; a worker that died lets its lease run out and another takes it.
    leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="outgoing_status"),
            # The delivery loop's claim: queued messages that are due.
            models.Index(fields=["next_attempt_at"], name="outgoing_due", condition=Q(status="queued")),
            # The hourly cap on automatic mail looks up one recipient's recent mail (mail loops).
            models.Index(Lower("to_address"), "created_at", name="outgoing_recipient_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to_address}"


class OutgoingAttachment(models.Model):
    """A file sent with a message (an invoice's PDF and UBL), kept with it as sent."""

    outgoing = models.ForeignKey(OutgoingMessage, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    data = models.BinaryField()

    def __str__(self) -> str:
        return self.filename
