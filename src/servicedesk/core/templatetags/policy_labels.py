"""Template filters that show the policy's words and values in the user's language."""

import functools
from datetime import timedelta
from decimal import Decimal
from typing import NamedTuple

from django import template
from django.utils import timezone, translation
from django.utils.dates import MONTHS, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import number_format
from django.utils.translation import get_language

from servicedesk.core import labels
from servicedesk.core.lazytext import text

register = template.Library()


@register.filter
def support_type_label(value) -> str:
    return text(labels.SUPPORT_TYPES.get(value, value))


@register.filter
def priority_label(value) -> str:
    return text(labels.PRIORITIES.get(value, value))


@register.filter
def response_time(value: timedelta) -> str:
    return labels.response_time_text(int(value.total_seconds() // 60))


@register.filter
def euro(value: Decimal | None) -> str:
    if value is None:
        return ""
    return "€\u00a0" + number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True)


@register.filter
def local_datetime(value) -> str:
    """'dinsdag 24 november 2026, 11:00' in the active language, in the site's time zone: what
    `date_format(localtime(value), "l j F Y, H:i")` says, with the names looked up once per language (Django's
    date formatting took 100 us a value: every acknowledgement and ticket page shows a deadline this way)."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    names = _date_names(get_language())
    days, months = names.weekdays, names.months
    return (
        f"{days[local.weekday()]} {local.day} {months[local.month - 1]} {local.year:04d}, "
        f"{local.hour:02d}:{local.minute:02d}"
    )


class DateNames(NamedTuple):
    weekdays_abbr: tuple[str, ...]  # date_format's "D"
    weekdays: tuple[str, ...]  # "l"
    months: tuple[str, ...]  # "F"


@functools.cache
def _date_names(language: str | None) -> DateNames:
    """The weekday and month names of a language as `date_format` writes them, looked up once per language."""
    with translation.override(language):
        return DateNames(
            tuple(str(WEEKDAYS_ABBR[day]) for day in range(7)),
            tuple(str(WEEKDAYS[day]) for day in range(7)),
            tuple(str(MONTHS[month]) for month in range(1, 13)),
        )


@register.filter
def support_type_short(value) -> str:
    return text(labels.SUPPORT_TYPES_SHORT.get(value, value))


@register.filter
def channel_label(value) -> str:
    return text(labels.CHANNELS.get(value, value))


@register.filter
def free_reason_label(value) -> str:
    return text(labels.FREE_REASONS.get(value, value)) if value else ""


@register.filter
def queue_label(value) -> str:
    return text(labels.QUEUES.get(value, value))


@register.filter
def band_label(value) -> str:
    return text(labels.BANDS.get(value, value))


@register.filter
def local_short(value) -> str:
    """'di 24-11 11:00': a deadline in a list."""
    return short_local_format()(value)


def short_local_format():
    """`local_short` for the current time zone and language, both looked up once: for a list of many values."""
    zone, days = timezone.get_current_timezone(), _date_names(get_language()).weekdays_abbr

    def local_short(value) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:  # as timezone.localtime
            raise ValueError("local_short() cannot be applied to a naive datetime")
        local = value.astimezone(zone)
        return f"{days[local.weekday()]} {local.day}-{local.month} {local.hour:02d}:{local.minute:02d}"

    return local_short


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


@register.simple_tag
def message_parts(message, images: bool = False, *, html: bool = True):
    """A message as shown: its HTML (sanitised again; remote images only when asked for) or its text, split
    into what is new and its signature and quoted history (shown folded); a forwarded mail whole."""
    from django.utils.safestring import mark_safe

    from servicedesk.mail.html import sanitise_html
    from servicedesk.mail.quoting import Folded, fold, fold_html

    forward = bool(message.forwarded)
    if html and message.body_html:
        parts = fold_html(sanitise_html(message.body_html, images=bool(images)), forward=forward)
        return Folded(mark_safe(parts.new), mark_safe(parts.rest))  # nh3 cleaned both sides after the cut
    return fold(message.body or "", forward=forward)


@register.filter
def ticket_rate(ticket) -> str:
    """A ticket's hourly rate as shown to people, or 'free of charge'."""
    from django.utils.translation import gettext

    from servicedesk.tickets.pricing import hourly_rate

    rate = hourly_rate(ticket)
    return gettext("free of charge") if rate is None else euro(rate)


@register.filter
def cents(value: int | None) -> str:
    """An amount in cents as euro, the way `euro` shows it."""
    if value is None:
        return ""
    return euro(Decimal(value) / 100)


@register.filter
def line_kind_label(value: str) -> str:
    """A specification line's kind in the user's language: work, travel, phone surcharge."""
    from servicedesk.billing.models import LINE_KINDS

    return str(dict(LINE_KINDS).get(value, value))
