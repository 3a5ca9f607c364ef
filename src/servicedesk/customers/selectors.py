"""Reads of customers and contacts: finding a reporter by e-mail address, phone number or name; a customer's
service matrix."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from servicedesk.customers.models import Contact, Customer, ServiceMatrixItem
from servicedesk.customers.phones import normalize_phone


def contact_for_email(address: str) -> Contact | None:
    """The active contact with this e-mail address (case-insensitive), if any."""
    if not address:
        return None
    return contacts_by_email(address).select_related("customer").filter(active=True).first()


def active_contacts_by_email(addresses) -> dict[str, Contact]:
    """The active contacts with these e-mail addresses, by lower-case address (one query for many)."""
    wanted = {a.strip().lower() for a in addresses if a and a.strip()}
    if not wanted:
        return {}
    found = (
        Contact.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=wanted, active=True)
        .exclude(email="")
        .select_related("customer")
    )
    return {contact.email_lower: contact for contact in found}


def contacts_by_email(address: str):
    """Contacts with this address, any case, found through the unique index on lower(email)."""
    return (
        Contact.objects.alias(email_lower=Lower("email")).filter(email_lower=address.strip().lower()).exclude(email="")
    )


def contacts_for_phone(text: str) -> list[Contact]:
    """Active contacts with this phone number, in any notation (Dutch numbers by default)."""
    number = normalize_phone(text)
    if number is None:
        return []
    return list(Contact.objects.select_related("customer").filter(phones__number=number, active=True).distinct())


def caller_search(query: str, *, limit: int = 20) -> QuerySet[Contact]:
    """Contacts whose name, e-mail or phone number matches what an agent typed while on the phone."""
    query = query.strip()
    condition = Q(name__icontains=query) | Q(email__icontains=query) | Q(customer__name__icontains=query)
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 4:
        number = normalize_phone(query)
        if number:
            condition |= Q(phones__number=number)
        # A partial number: match on the national digits, without the leading 0.
        condition |= Q(phones__number__contains=digits.lstrip("0"))
    return (
        Contact.objects.filter(condition, active=True)
        .select_related("customer")
        .prefetch_related("phones")
        .distinct()
        .order_by("name")[:limit]
    )


def active_matrix_items(customer: Customer) -> list[ServiceMatrixItem]:
    """The customer's active service matrix items, by name."""
    return list(ServiceMatrixItem.objects.filter(customer=customer, active=True).order_by("name", "id"))
