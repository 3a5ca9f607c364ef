"""Sign-in rate limiting: tries are counted per account and per client address, and reserved before the password
is checked, so that no number of parallel requests gets more tries than the limit.

An account is keyed by what the typed name resolves to (the user it signs in, after the same normalisation the
sign-in form applies), so `joost`, ` joost ` and `joost` in full-width letters share one count, and the desk and the
portal count the same account together. The client address comes from the request as the trusted proxies in
front of the site saw it (`SERVICEDESK_TRUSTED_PROXIES`), so behind a proxy one client cannot lock out all.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.models import SignInTries

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 5
MAX_PER_ADDRESS = 20


@dataclass(frozen=True)
class Limit:
    key: str
    most: int  # tries in a window


def client_address(request) -> str | None:
    """The client's IP address: REMOTE_ADDR, or behind N trusted proxies the address the outermost of them saw
    (the N-th from the right of X-Forwarded-For, each proxy having added the one it got the request from)."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.SERVICEDESK_TRUSTED_PROXIES
    if proxies <= 0 or remote is None:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [address for address in forwarded if address] + [remote]
    candidate = chain[-(proxies + 1)] if len(chain) > proxies else chain[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:  # a proxy passed on what the client wrote: count it under the proxy's address
        return remote


def account_limit(account: str) -> Limit:
    """The limit of an account: `account` is "user:<id>" for a name that resolves to a user, else the name."""
    return Limit(f"account:{account}", MAX_PER_ACCOUNT)


def address_limit(address: str | None) -> Limit | None:
    return None if address is None else Limit(f"address:{address}", MAX_PER_ADDRESS)


def try_reserve(*limits: Limit | None, now: datetime | None = None) -> datetime | None:
    """Take one try under every limit, all or none: None when taken, else when tries may start again."""
    now = now or timezone.now()
    limits = [limit for limit in limits if limit is not None]
    try:
        with transaction.atomic():
            rows = [_locked(limit.key, now) for limit in limits]
            blocked = [
                row.window_start + WINDOW for row, limit in zip(rows, limits, strict=True) if row.tries >= limit.most
            ]
            if blocked:
                return max(blocked)
            for row in rows:
                row.tries += 1
                row.save(update_fields=["tries", "window_start"])
    except IntegrityError:  # a row made at the same moment by another try: count with it
        return try_reserve(*limits, now=now)
    return None


def _locked(key: str, now: datetime) -> SignInTries:
    """The key's row, locked until the transaction ends; a new window once the old one has passed."""
    row = SignInTries.objects.select_for_update().filter(key=key).first()
    if row is None:
        with transaction.atomic():  # a savepoint: the caller retries on a row made at the same moment
            row = SignInTries.objects.create(key=key, window_start=now, tries=0)
    elif row.window_start <= now - WINDOW:
        row.window_start, row.tries = now, 0
    return row


def try_succeeded(account: Limit, address: Limit | None = None) -> None:
    """A right password (or code): the account's count starts again; the address's try is given back."""
    SignInTries.objects.filter(key=account.key).delete()
    if address is not None:
        SignInTries.objects.filter(key=address.key, tries__gt=0).update(tries=F("tries") - 1)


def blocked_message(until: datetime, now: datetime | None = None) -> str:
    """What a locked-out user is told: when to try again."""
    minutes = max(1, int((until - (now or timezone.now())).total_seconds() // 60) + 1)
    return _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {"minutes": minutes}
