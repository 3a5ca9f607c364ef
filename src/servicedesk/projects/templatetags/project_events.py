"""The project page's trail: each event as a sentence in the reader's language."""

from django import template

from servicedesk.projects.event_text import event_sentence

register = template.Library()


@register.filter
def project_event_sentence(event) -> str:
    return event_sentence(event)
