"""Editing the rota: one function per change."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from servicedesk.customers.phones import normalize_phone
from servicedesk.oncall.models import Shift


def shift_add(*, agent, phone: str, starts_at: datetime, ends_at: datetime, note: str = "") -> Shift:
    number = normalize_phone(phone)
    problems = {}
    if number is None:
        problems["phone"] = _("Not a phone number the phone system can call.")
    if ends_at <= starts_at:
        problems["ends_at"] = _("A shift ends after it starts.")
    if problems:
        raise ValidationError(problems)
    return Shift.objects.create(agent=agent, phone=number, starts_at=starts_at, ends_at=ends_at, note=note)


def shift_delete(*, shift: Shift) -> None:
    shift.delete()
