"""The contract pages' trail and times: each event a sentence; minutes as hours and minutes."""

from django import template

from servicedesk.contracts.event_text import event_sentence

register = template.Library()


@register.filter
def contract_event_sentence(event) -> str:
    return event_sentence(event)
