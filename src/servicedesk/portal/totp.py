"""Time-based one-time codes (RFC 6238, 30 s steps, 6 digits) for the portal's optional second factor."""

from __future__ import annotations

from datetime import datetime

import pyotp
import segno
from django.db import transaction
from django.utils import timezone

from servicedesk.portal.models import SecondFactor

ISSUER = "Servicedesk"
STEP = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no image request leaves the page)."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step a code belongs to (now, or one step either side for clock drift), or None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // STEP
    for candidate in (step, step - 1, step + 1):
        if totp.at(candidate * STEP) == code:
            return candidate
    return None


def second_factor_confirm(*, user, secret: str, code: str, now: datetime | None = None) -> bool:
    """Switch the second factor on once the contact proves their app has the secret."""
    now = now or timezone.now()
    step = matching_step(secret, code, now)
    if step is None:
        return False
    SecondFactor.objects.update_or_create(
        user=user, defaults={"secret": secret, "confirmed_at": now, "last_step": step}
    )
    return True


def second_factor_verify(*, user, code: str, now: datetime | None = None) -> bool:
    """A code for signing in: right, and not used before (a code seen once cannot be replayed)."""
    now = now or timezone.now()
    with transaction.atomic():
        factor = SecondFactor.objects.select_for_update().filter(user=user).first()
        if factor is None:
            return False
        step = matching_step(factor.secret, code, now)
        if step is None or step <= factor.last_step:
            return False
        factor.last_step = step
        factor.save(update_fields=["last_step"])
    return True


def second_factor_remove(*, user) -> None:
    SecondFactor.objects.filter(user=user).delete()
