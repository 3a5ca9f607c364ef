"""The project page's trail: each event as a sentence in the reader's language."""

from django import template

from servicedesk.core.policy import current_policy
from servicedesk.projects.event_text import event_sentence, hours_text

register = template.Library()


@register.filter
def project_event_sentence(event) -> str:
    return event_sentence(event)


@register.filter
def hours(minutes) -> str:
    """Minutes shown as hours: 90 -> "1,5"."""
    return hours_text(minutes)


@register.filter
def warn_at(budget_minutes: int) -> int:
    """Where a budget bar turns to warning: the policy's first warning share of the budget."""
    shares = current_policy().config.projects.budget_warning_shares
    return int(budget_minutes * shares[0]) if shares else budget_minutes
