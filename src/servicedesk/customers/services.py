"""Writes to customers, contacts and the service matrix; each one records who changed what."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.customers.models import Contact, ContactPhone, Customer, CustomerChange, ServiceMatrixItem
from servicedesk.customers.phones import normalize_phone
from servicedesk.customers.selectors import contacts_by_email

RIGHTS = ("may_report", "may_raise_priority", "sees_all_tickets", "may_approve_quotes")


def record_change(*, customer, actor, at, field, old, new, contact=None, matrix_item=None, reason="") -> None:
    CustomerChange.objects.create(
        customer=customer,
        contact=contact,
        matrix_item=matrix_item,
        actor=actor,
        at=at,
        field=field,
        old_value=_text(old),
        new_value=_text(new),
        reason=reason,
    )


def _contact_change(contact: Contact, *, actor, at, field: str, old, new, reason: str = "") -> None:
    """Record a change to one of a contact's fields (`record_change` for its customer)."""
    record_change(
        customer=contact.customer, contact=contact, actor=actor, at=at, field=field, old=old, new=new, reason=reason
    )


def _text(value) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return "" if value is None else str(value)[:300]


def _normalized_phones(phones: Iterable[str]) -> list[str]:
    numbers = []
    for text in phones:
        if not text.strip():
            continue
        number = normalize_phone(text)
        if number is None:
            raise ValidationError({"phones": _("'%(number)s' is not a phone number.") % {"number": text}})
        if number not in numbers:
            numbers.append(number)
    return numbers


def _check_email_free(email: str, *, exclude: Contact | None = None) -> None:
    if not email:
        return
    taken = contacts_by_email(email)
    if exclude is not None:
        taken = taken.exclude(pk=exclude.pk)
    if taken.exists():
        raise ValidationError({"email": _("Another contact already has this e-mail address.")})


@transaction.atomic
def customer_create(
    *, name: str, code: str, street: str = "", postal_code: str = "", city: str = "", actor=None, now=None
) -> Customer:
    if not name.strip():
        raise ValidationError({"name": _("A customer needs a name.")})
    if Customer.objects.filter(code=code).exists():
        raise ValidationError({"code": _("Another customer already has this code.")})
    customer = Customer.objects.create(name=name.strip(), code=code, street=street, postal_code=postal_code, city=city)
    record_change(customer=customer, actor=actor, at=now or timezone.now(), field="customer", old="", new=customer.name)
    return customer


CUSTOMER_DETAILS = (
    "name",
    "street",
    "postal_code",
    "city",
    "billing_email",
    "vat_number",
    "payment_days",
    "purchase_order",
    "notes",
    "mails_service_report",
)


@transaction.atomic
def customer_update(*, customer: Customer, actor, now: datetime | None = None, **details) -> Customer:
    """Change a customer's name, address, billing details, notes or whether the monthly service report is mailed
    (CUSTOMER_DETAILS); each change recorded."""
    now = now or timezone.now()
    unknown = set(details) - set(CUSTOMER_DETAILS)
    if unknown:
        raise TypeError(f"not a customer detail: {', '.join(sorted(unknown))}")
    if "name" in details:
        details["name"] = details["name"].strip()
        if not details["name"]:
            raise ValidationError({"name": _("A customer needs a name.")})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = [field for field, value in details.items() if getattr(customer, field) != value]
    for field in changed:
        record_change(
            customer=customer, actor=actor, at=now, field=field, old=getattr(customer, field), new=details[field]
        )
        setattr(customer, field, details[field])
    if changed:
        customer.save(update_fields=changed)
    return customer


@transaction.atomic
def contact_create(
    *,
    customer: Customer,
    name: str,
    email: str = "",
    phones: Iterable[str] = (),
    language: str = Contact.Language.DUTCH,
    may_report: bool | None = None,
    may_raise_priority: bool | None = None,
    may_approve_quotes: bool | None = None,
    main_contact: bool = False,
    actor=None,
    now: datetime | None = None,
) -> Contact:
    """A new contact. The main contact may report, raise priority and approve quotes unless told otherwise."""
    now = now or timezone.now()
    if not name.strip():
        raise ValidationError({"name": _("A contact needs a name.")})
    email = email.strip()
    _check_email_free(email)
    numbers = _normalized_phones(phones)
    contact = Contact.objects.create(
        customer=customer,
        name=name.strip(),
        email=email,
        language=language,
        may_report=main_contact if may_report is None else may_report,
        may_raise_priority=main_contact if may_raise_priority is None else may_raise_priority,
        sees_all_tickets=main_contact,
        may_approve_quotes=main_contact if may_approve_quotes is None else may_approve_quotes,
    )
    ContactPhone.objects.bulk_create(ContactPhone(contact=contact, number=n) for n in numbers)
    record_change(customer=customer, contact=contact, actor=actor, at=now, field="contact", old="", new=contact.name)
    for right in RIGHTS:
        if getattr(contact, right):
            record_change(customer=customer, contact=contact, actor=actor, at=now, field=right, old=False, new=True)
    if main_contact:
        _set_main(customer, contact, actor, now)
    return contact


@transaction.atomic
def contact_update(
    *,
    contact: Contact,
    actor,
    name: str | None = None,
    email: str | None = None,
    phones: Iterable[str] | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> Contact:
    now = now or timezone.now()
    changes = {}
    if name is not None and name.strip() != contact.name:
        if not name.strip():
            raise ValidationError({"name": _("A contact needs a name.")})
        changes["name"] = name.strip()
    if email is not None and email.strip().lower() != contact.email.lower():
        _check_email_free(email.strip(), exclude=contact)
        changes["email"] = email.strip()
    if language is not None and language != contact.language:
        changes["language"] = language
    for field, value in changes.items():
        _contact_change(contact, actor=actor, at=now, field=field, old=getattr(contact, field), new=value)
        setattr(contact, field, value)
    if changes:
        contact.save(update_fields=list(changes))
    if phones is not None:
        numbers = _normalized_phones(phones)
        old = list(contact.phones.values_list("number", flat=True))
        if old != numbers:
            contact.phones.all().delete()
            ContactPhone.objects.bulk_create(ContactPhone(contact=contact, number=n) for n in numbers)
            _contact_change(contact, actor=actor, at=now, field="phones", old=", ".join(old), new=", ".join(numbers))
    return contact


@transaction.atomic
def contact_set_active(
    *, contact: Contact, active: bool, actor, reason: str = "", now: datetime | None = None
) -> Contact:
    """Deactivate a contact (gone from the customer: no reports, no portal, from the next click on) or take
    them back; recorded. The main contact stays active (make another contact main first)."""
    now = now or timezone.now()
    contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    if contact.active == active:
        return contact
    if not active and contact.customer.main_contact_id == contact.pk:
        raise ValidationError(
            {"active": _("The main contact stays active; make another contact the main contact first.")}
        )
    _contact_change(contact, actor=actor, at=now, field="active", old=contact.active, new=active, reason=reason)
    contact.active = active
    contact.save(update_fields=["active"])
    return contact


@transaction.atomic
def contact_set_rights(
    *,
    contact: Contact,
    actor,
    reason: str = "",
    may_report: bool | None = None,
    may_raise_priority: bool | None = None,
    sees_all_tickets: bool | None = None,
    may_approve_quotes: bool | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Grant or withdraw a contact's rights; returns the rights that changed, each recorded."""
    now = now or timezone.now()
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    wanted = {
        "may_report": may_report,
        "may_raise_priority": may_raise_priority,
        "sees_all_tickets": sees_all_tickets,
        "may_approve_quotes": may_approve_quotes,
    }
    changed = []
    for right, value in wanted.items():
        if value is None or getattr(contact, right) == value:
            continue
        _contact_change(
            contact, actor=actor, at=now, field=right, old=getattr(contact, right), new=value, reason=reason
        )
        setattr(contact, right, value)
        changed.append(right)
    if changed:
        contact.save(update_fields=changed)
    return changed


@transaction.atomic
def customer_set_main_contact(*, customer: Customer, contact: Contact, actor, now: datetime | None = None) -> Customer:
    """Make a contact the main contact (hoofdcontact): it may report, raise priority, see all tickets and approve
    quotes."""
    if contact.customer_id != customer.pk:
        raise ValidationError({"main_contact": _("The main contact must be a contact of this customer.")})
    now = now or timezone.now()
    _set_main(customer, contact, actor, now)
    contact_set_rights(
        contact=contact,
        actor=actor,
        now=now,
        reason=_("main contact"),
        may_report=True,
        may_raise_priority=True,
        sees_all_tickets=True,
        may_approve_quotes=True,
    )
    return customer


def _set_main(customer: Customer, contact: Contact, actor, now: datetime) -> None:
    old = customer.main_contact
    if old is not None and old.pk == contact.pk:
        return
    record_change(
        customer=customer,
        contact=contact,
        actor=actor,
        at=now,
        field="main_contact",
        old=old.name if old else "",
        new=contact.name,
    )
    customer.main_contact = contact
    customer.save(update_fields=["main_contact"])


@transaction.atomic
def matrix_item_add(
    *, customer: Customer, name: str, description: str = "", actor, now: datetime | None = None
) -> ServiceMatrixItem:
    if not name.strip():
        raise ValidationError({"name": _("A service needs a name.")})
    item = ServiceMatrixItem.objects.create(customer=customer, name=name.strip(), description=description)
    record_change(
        customer=customer,
        matrix_item=item,
        actor=actor,
        at=now or timezone.now(),
        field="matrix",
        old="",
        new=item.name,
    )
    return item


def _matrix_change(item: ServiceMatrixItem, *, actor, at, old: str, new: str) -> None:
    """Record a change to the service matrix: a service added (old ''), taken out (new '') or renamed."""
    record_change(customer=item.customer, matrix_item=item, actor=actor, at=at, field="matrix", old=old, new=new)


@transaction.atomic
def matrix_item_update(
    *, item: ServiceMatrixItem, actor, name: str, description: str, now: datetime | None = None
) -> ServiceMatrixItem:
    """Rename a service of the matrix or change its description; recorded."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A service needs a name.")})
    item = ServiceMatrixItem.objects.select_for_update().select_related("customer").get(pk=item.pk)
    if name != item.name:
        _matrix_change(item, actor=actor, at=now or timezone.now(), old=item.name, new=name)
    if (name, description) != (item.name, item.description):
        item.name, item.description = name, description
        item.save(update_fields=["name", "description"])
    return item


@transaction.atomic
def matrix_item_set_active(
    *, item: ServiceMatrixItem, active: bool, actor, now: datetime | None = None
) -> ServiceMatrixItem:
    if item.active != active:
        old, new = (item.name if item.active else ""), (item.name if active else "")
        _matrix_change(item, actor=actor, at=now or timezone.now(), old=old, new=new)
        item.active = active
        item.save(update_fields=["active"])
    return item
