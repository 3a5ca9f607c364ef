"""Every mail that reached the desk, stored as received before anything else happens to it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundMail(models.Model):
    class Via(models.TextChoices):
        PIPE = "pipe", _("MTA pipe")
        LMTP = "lmtp", _("LMTP")
        IMAP = "imap", _("IMAP")

    class Status(models.TextChoices):
        STORED = "stored", _("Stored, not processed yet")
        PROCESSED = "processed", _("Processed")
        AUTOMATIC = "automatic", _("Automatic mail, kept without reply")
        REFUSED = "refused", _("Refused: sender may not report")
        HELD = "held", _("Held: sender not authenticated")
        QUARANTINED = "quarantined", _("Quarantined")

    dedupe_key = models.CharField(max_length=500, unique=True)  # Message-ID, or the hash of the bytes
    sha256 = models.CharField(max_length=64, db_index=True)
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    via = models.CharField(max_length=10, choices=Via.choices)
    received_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.STORED)
    reason = models.TextField(blank=True)
    sender = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=500, blank=True, db_index=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mails"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_status")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"
