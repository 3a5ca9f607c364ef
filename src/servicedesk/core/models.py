"""Shared records: sign-in tries, for rate limiting across all server processes."""

from __future__ import annotations

from django.db import models


class SignInTries(models.Model):
    """The sign-in tries counted under one key (an account, a client address, a second-factor code) since the
    start of its window."""

    key = models.CharField(max_length=300, unique=True)
    window_start = models.DateTimeField()
    tries = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "sign-in tries"

    def __str__(self) -> str:
        return f"{self.key}: {self.tries} since {self.window_start:%Y-%m-%d %H:%M}"
