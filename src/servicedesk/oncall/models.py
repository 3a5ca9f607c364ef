"""On-call duty: who is on call when (the rota), and the alerts of urgent after-hours tickets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Shift(models.Model):
    """An agent on call from one moment to another; overlapping shifts are backups, in order of start."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shifts")
    phone = models.CharField(_("phone number"), max_length=20)  # E.164, where the call is transferred to
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="shift_period")]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    """An urgent ticket put to one on-call agent; repeated until acknowledged, escalated when it is not."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="alerts")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alerts")
    phone = models.CharField(max_length=20, blank=True)
    level = models.PositiveIntegerField(default=0)  # 0: first on call, 1: the next one, …
    created_at = models.DateTimeField()
    last_sent_at = models.DateTimeField()
    sends = models.PositiveIntegerField(default=1)
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["acknowledged_at", "created_at"], name="alert_open")]

    def __str__(self) -> str:
        return f"alert #{self.ticket_id} → {self.agent}"


class CallNonce(models.Model):
    """A webhook request seen once: the same signed request is not accepted twice (replay)."""

    signature = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.signature[:12]
