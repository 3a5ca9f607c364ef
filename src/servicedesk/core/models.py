"""Shared records: sign-in tries, for rate limiting across all server processes; form submissions seen."""

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


class Submission(models.Model):
    """A form submitted once, and what it created: the same submission again (a double click, a browser's retry)
    is answered with that, and creates nothing more."""

    key = models.CharField(max_length=100, unique=True)  # whose form (the user) and which rendering of it
    created = models.CharField(max_length=120)  # "app_label.model:pk"
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key} -> {self.created}"
