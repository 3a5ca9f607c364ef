"""How a ticket's audit trail and status read on a page."""

from django import template

from servicedesk.tickets.event_text import event_sentence as sentence
from servicedesk.tickets.event_text import status_label

register = template.Library()


@register.filter
def event_sentence(event) -> str:
    return sentence(event)


@register.filter
def ticket_status(value: str) -> str:
    """A ticket's status in a list, row after row (`status_label`)."""
    return status_label(value)
