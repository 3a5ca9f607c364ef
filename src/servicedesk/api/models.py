"""Personal API tokens (stored hashed), what happened to them, and the POSTs answered under an Idempotency-Key."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A token an agent made for a script or tool; it acts as that agent, within its scopes."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Write")
        BILLING = "billing", _("Billing")
        ALERTS = "alerts", _("Monitoring alerts")

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    scopes = models.CharField(max_length=100)  # space-separated Scope values
    prefix = models.CharField(max_length=12)  # the secret's first characters: how a person recognises it
    secret_hash = models.CharField(max_length=64, unique=True)  # sha256 of the whole secret, hex
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    @property
    def scope_labels(self) -> str:
        return ", ".join(str(self.Scope(scope).label) for scope in self.scope_list)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class ApiTokenEvent(models.Model):
    """The audit trail of tokens: made and revoked, by whom, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        REVOKED = "revoked", _("Revoked")

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.token_id}"


class IdempotentRequest(models.Model):
    """A POST made under an Idempotency-Key and its answer: the same request again gets that answer back."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)  # sha256 of method, path and body
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["token", "key"], name="idempotent_request_once")]

    def __str__(self) -> str:
        return f"{self.token_id}:{self.key}"


class MonitoringAlert(models.Model):
    """An alert from a monitoring tool (RMM) under its dedupe key, and the ticket it opened or joined.

    While its ticket is open, repeats of the key are added to that ticket; a `storm` alert came in when its
    customer already had the most tickets that alerts may open in the window, and joined the storm ticket."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    dedupe_key = models.CharField(max_length=200)
    matrix_item = models.ForeignKey(
        "customers.ServiceMatrixItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    severity = models.CharField(max_length=10)
    summary = models.CharField(max_length=300)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    opened_ticket = models.BooleanField()  # False: joined a storm ticket
    storm = models.BooleanField(default=False)
    repeats = models.PositiveIntegerField(default=0)
    notes_written = models.PositiveIntegerField(default=0)  # notes the intake added to the ticket for this alert
    received_at = models.DateTimeField()
    last_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "dedupe_key"], name="alert_key"),
            models.Index(fields=["customer", "received_at"], name="alert_customer_received"),
        ]

    def __str__(self) -> str:
        return f"{self.dedupe_key} → #{self.ticket_id}"
