"""Shared records: failed sign-ins, for rate limiting across all server processes."""

from __future__ import annotations

from django.db import models


class LoginFailure(models.Model):
    """One failed sign-in attempt."""

    username = models.CharField(max_length=254, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["address", "at"], name="login_failure_address")]

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%Y-%m-%d %H:%M}"
