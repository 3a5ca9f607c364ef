"""How a customer's change record reads on a page."""

from django import template

from servicedesk.customers.change_text import change_sentence as sentence

register = template.Library()


@register.filter
def change_sentence(change) -> str:
    return sentence(change)
