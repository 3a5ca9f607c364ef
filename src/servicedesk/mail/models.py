"""Every mail that reached the desk, stored as received before anything else happens to it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mailbox(models.Model):
    """An IMAP mailbox the worker reads; what is committed is moved to the processed folder (or flagged)."""

    class Security(models.TextChoices):
        TLS = "tls", _("TLS (IMAPS, usually port 993)")
        STARTTLS = "starttls", _("STARTTLS (usually port 143)")
        NONE = "none", _("None (only on a trusted network)")

    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)
    host = models.CharField(_("host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.TLS)
    username = models.CharField(_("user name"), max_length=255)
    password = models.CharField(_("password"), max_length=255)
    folder = models.CharField(_("folder to read"), max_length=255, default="INBOX")
    processed_folder = models.CharField(
        _("processed folder"),
        max_length=255,
        blank=True,
        default="Verwerkt",
        help_text=_("Committed mail is moved here; when empty, it stays and is flagged as processed."),
    )
    use_idle = models.BooleanField(
        _("use IDLE"), default=True, help_text=_("Wait for new mail with IMAP IDLE when the server offers it.")
    )
    poll_seconds = models.PositiveIntegerField(
        _("poll interval (seconds)"), default=60, help_text=_("How often to look when IDLE is not used.")
    )
    last_checked_at = models.DateTimeField(_("last checked"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("IMAP mailbox")
        verbose_name_plural = _("IMAP mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.username}@{self.host})"


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
        BOUNCE = "bounce", _("Bounce of a mail we sent")
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
    refused_report = models.OneToOneField(
        "tickets.RefusedReport", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_mail"
    )
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="mails")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_status")]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"
