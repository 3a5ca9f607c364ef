"""How a ticket's audit trail and status read on a page."""

from django import template

from servicedesk.tickets.event_text import event_sentence as sentence
from servicedesk.tickets.models import Ticket

register = template.Library()


@register.filter
def event_sentence(event) -> str:
    return sentence(event)


@register.filter
def ticket_status(value: str) -> str:
    """A ticket's status as a list shows it, row after row: what `get_status_display` says, read from the
    choices' enum (`get_status_display` builds a dict of all the choices at every call)."""
    try:
        return Ticket.Status(value).label
    except ValueError:  # not a status this code knows: shown as stored, as get_status_display would
        return value
