"""A contact's optional second factor: a TOTP secret (RFC 6238) confirmed with a first code."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SecondFactor(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor")
    secret = models.CharField(max_length=64)  # base32
    confirmed_at = models.DateTimeField()
    last_step = models.BigIntegerField(default=0)  # the last time step used: a code works once

    def __str__(self) -> str:
        return f"TOTP for {self.user_id}"
