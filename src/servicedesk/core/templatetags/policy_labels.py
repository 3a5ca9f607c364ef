"""Template filters that show the policy's words and values in the user's language."""

from datetime import timedelta
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from servicedesk.core import labels

register = template.Library()


@register.filter
def support_type_label(value) -> str:
    return labels.SUPPORT_TYPES.get(value, value)


@register.filter
def support_type_short(value) -> str:
    return labels.SUPPORT_TYPES_SHORT.get(value, value)


@register.filter
def priority_label(value) -> str:
    return labels.PRIORITIES.get(value, value)


@register.filter
def channel_label(value) -> str:
    return labels.CHANNELS.get(value, value)


@register.filter
def free_reason_label(value) -> str:
    return labels.FREE_REASONS.get(value, value) if value else ""


@register.filter
def queue_label(value) -> str:
    return labels.QUEUES.get(value, value)


@register.filter
def band_label(value) -> str:
    return labels.BANDS.get(value, value)


@register.filter
def line_kind_label(value: str) -> str:
    """A specification line's kind: work, travel, phone surcharge."""
    return labels.LINE_KINDS.get(value, value)


@register.filter
def response_time(value: timedelta) -> str:
    return labels.response_time_text(int(value.total_seconds() // 60))


@register.filter
def euro(value: Decimal | None) -> str:
    return labels.euro(value)


@register.filter
def cents(value: int | None) -> str:
    """An amount in cents as euro, the way `euro` shows it."""
    if value is None:
        return ""
    return labels.euro(Decimal(value) / 100)


@register.filter
def local_datetime(value) -> str:
    """'dinsdag 24 november 2026, 11:00': a moment in the site's time zone, in the active language."""
    if value is None:
        return ""
    return date_format(timezone.localtime(value), "l j F Y, H:i")


@register.filter
def local_short(value) -> str:
    """'di 24-11 11:00': a deadline in a list."""
    if value is None:
        return ""
    return date_format(timezone.localtime(value), "D j-n H:i")


@register.filter
def minutes_of(value: timedelta) -> int:
    return int(value.total_seconds() // 60)


@register.filter
def office_duration(value: timedelta | None) -> str:
    """'5 u 20 min': a duration of office time (its sign is shown by the caller)."""
    if value is None:
        return ""
    minutes = abs(int(value.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} u {minutes:02d} min" if hours else f"{minutes} min"


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key)


@register.filter
def capped(count: int, cap: int = 100) -> str:
    """A count shown as '100+' once it reaches the cap it was counted up to."""
    return f"{cap}+" if count >= cap else str(count)
