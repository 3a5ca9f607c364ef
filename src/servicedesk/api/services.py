"""Writes of API tokens: made (the secret returned once), revoked, used; each recorded."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.api.models import ApiToken, ApiTokenEvent
from servicedesk.api.tokens import PREFIX_LENGTH, new_secret, secret_hash

#: A token's last use is written at most this often: not a database write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_create(*, agent, name: str, scopes: list[str], actor, now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `agent`, and its secret: the only time the secret exists outside its hash."""
    now = now or timezone.now()
    errors = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = _("Give the token a name: what will use it?")
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = _("At most 100 characters.")
    known = ApiToken.Scope.values
    chosen = [scope for scope in known if scope in set(scopes)]
    if not scopes:
        errors["scopes"] = _("Choose at least one scope.")
    elif len(chosen) != len(set(scopes)):
        errors["scopes"] = _("Unknown scope; choose from %(scopes)s.") % {"scopes": ", ".join(known)}
    elif ApiToken.Scope.BILLING in chosen and not agent.has_perm("billing.manage_billing"):
        errors["scopes"] = _("The billing scope needs the billing role.")
    if errors:
        raise ValidationError(errors)
    secret = new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            agent=agent,
            name=name,
            scopes=" ".join(chosen),
            prefix=secret[:PREFIX_LENGTH],
            secret_hash=secret_hash(secret),
            created_at=now,
        )
        ApiTokenEvent.objects.create(token=token, kind=ApiTokenEvent.Kind.CREATED, actor=actor, at=now)
    return token, secret


def token_revoke(*, token: ApiToken, actor, now: datetime | None = None) -> ApiToken:
    """Revoke a token: from the next request on it is refused. Revoking twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        ApiTokenEvent.objects.create(token=token, kind=ApiTokenEvent.Kind.REVOKED, actor=actor, at=now)
    return token


def token_used(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used (to the minute)."""
    now = now or timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
