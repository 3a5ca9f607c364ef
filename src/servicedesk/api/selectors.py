"""Reads of API tokens: the token a request presents, and an agent's tokens for the account page."""

from __future__ import annotations

from django.db.models import QuerySet

from servicedesk.api.models import ApiToken
from servicedesk.api.tokens import SECRET_START, secret_hash


def token_for_secret(secret: str) -> ApiToken | None:
    """The live token with this secret, of an active agent; None for anything else."""
    if not secret.startswith(SECRET_START) or len(secret) > 200:
        return None
    return (
        ApiToken.objects.select_related("agent")
        .filter(
            secret_hash=secret_hash(secret),
            revoked_at__isnull=True,
            agent__is_active=True,
            agent__is_staff=True,
        )
        .first()
    )


def tokens_of(agent) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(agent=agent)
