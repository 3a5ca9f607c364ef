"""How a ticket's audit trail reads on a page."""

from django import template

from servicedesk.tickets.event_text import event_sentence as sentence

register = template.Library()


@register.filter
def event_sentence(event) -> str:
    return sentence(event)
