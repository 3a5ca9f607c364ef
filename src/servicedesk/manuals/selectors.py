"""Which manuals a contact may read, searching them, and suggesting them for a ticket's subject."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from servicedesk.customers.models import Contact
from servicedesk.manuals.models import Manual

_WORD = re.compile(r"\w{4,}", re.UNICODE)
MAX_SUGGESTIONS = 5


def manuals_for_contact(contact: Contact) -> QuerySet[Manual]:
    """Published manuals for everyone, for customers who have the service, or for this customer alone."""
    services = [
        name.lower() for name in contact.customer.matrix_items.filter(active=True).values_list("name", flat=True)
    ]
    return (
        Manual.objects.filter(published=True)
        .alias(service_lower=Lower("service"))
        .filter(
            Q(audience=Manual.Audience.EVERYONE)
            | Q(audience=Manual.Audience.SERVICE, service_lower__in=services)
            | Q(audience=Manual.Audience.CUSTOMER, customer_id=contact.customer_id)
        )
    )


def manual_search(manuals: QuerySet[Manual], query: str) -> QuerySet[Manual]:
    for word in query.split()[:8]:
        manuals = manuals.filter(
            Q(title__icontains=word) | Q(tags__icontains=word) | Q(body__icontains=word) | Q(service__icontains=word)
        )
    return manuals


def manual_suggestions(manuals: QuerySet[Manual], subject: str) -> list[Manual]:
    """Manuals whose title, tags or service share a word (of four letters or more) with the subject."""
    words = list(dict.fromkeys(w.lower() for w in _WORD.findall(subject)))[:8]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(title__icontains=word) | Q(tags__icontains=word) | Q(service__icontains=word)
    candidates = list(manuals.filter(condition)[:50])

    def score(manual: Manual) -> int:
        text = f"{manual.title} {manual.tags} {manual.service}".lower()
        return sum(word in text for word in words)

    return sorted(candidates, key=lambda m: (-score(m), m.title))[:MAX_SUGGESTIONS]
