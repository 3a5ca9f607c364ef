"""The contract pages' trail and times: each event a sentence; minutes as hours and minutes."""

from django import template
from django.utils.translation import gettext as _

from servicedesk.contracts.event_text import event_sentence
from servicedesk.core import labels

register = template.Library()


@register.filter
def contract_event_sentence(event) -> str:
    return event_sentence(event)


@register.filter
def response_time(minutes: int | None) -> str:
    """A response time as the leaflet says it: '1 business day', '4 hours'."""
    return "" if minutes is None else labels.response_time_text(minutes)


@register.filter
def hours_minutes(time: tuple[int, int]) -> str:
    """(8, 42) as '8 h 42 min': time left or used of a bundle."""
    hours, minutes = time
    return _("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
