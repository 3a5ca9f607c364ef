"""A customer's change record as people read it: each change a sentence in the reader's language."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from servicedesk.customers.models import Contact, Customer, CustomerChange

YES = ("ja", "true", "True")
NO = ("nee", "false", "False")


def change_sentence(change: CustomerChange) -> str:
    """What changed, as one sentence (who did it and why are shown beside it)."""
    field, old, new = change.field, change.old_value, change.new_value
    if field == "customer":
        return _("Customer %(name)s created.") % {"name": new}
    if field == "contact":
        return _("Contact %(name)s added.") % {"name": new}
    if field == "portal":
        return _("Invited to the customer portal.")
    if field == "main_contact":
        if not old:
            return _("%(new)s is the main contact.") % {"new": new}
        return _("%(new)s is the main contact instead of %(old)s.") % {"new": new, "old": old}
    if field == "matrix":
        if not old:
            return _("Service %(name)s added to the service matrix.") % {"name": new}
        if not new:
            return _("Service %(name)s taken out of the service matrix.") % {"name": old}
        return _("Service %(old)s is now %(new)s.") % {"old": old, "new": new}
    name = _field_name(field)
    if old in YES + NO and new in YES + NO:
        if new in YES:
            return _("%(field)s: yes (was no).") % {"field": name}
        return _("%(field)s: no (was yes).") % {"field": name}
    return _("%(field)s changed from %(old)s to %(new)s.") % {"field": name, "old": old or "—", "new": new or "—"}


def _field_name(field: str) -> str:
    """The field's name as its form labels it ('may report'), capitalised."""
    for model in (Contact, Customer):
        try:
            name = str(model._meta.get_field(field).verbose_name)
        except FieldDoesNotExist:
            continue
        return name[:1].upper() + name[1:]
    return {"phones": _("Phone numbers")}.get(field, field)
