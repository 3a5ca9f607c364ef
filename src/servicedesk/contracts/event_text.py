"""The commercial trail as people read it: each event a sentence in the reader's language, with local dates and
euro amounts, never the keys and ISO dates it is stored with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.contracts.models import BundleNotice, ContractEvent
from servicedesk.core.labels import euro

FIELDS = {
    "name": gettext_lazy("Name"),
    "end": gettext_lazy("End"),
}


def event_sentence(event: ContractEvent) -> str:
    """What happened, as one sentence (who did it and why are shown beside it)."""
    Kind = ContractEvent.Kind
    kind, subject, field, old, new = event.kind, event.subject, event.field, event.old_value, event.new_value
    if kind == Kind.CREATED:
        return _("Contract %(name)s created.") % {"name": new}
    if kind == Kind.ENDED:
        return _("Contract ends on %(day)s.") % {"day": _day(new)}
    if kind == Kind.CHANGED:
        if field == "service_levels":
            return _("Own service levels set.") if new else _("Own service levels removed: the standard ones apply.")
        return _change(field, old, new)
    if kind == Kind.LINE_ADDED:
        quantity, _sep, price = new.partition(":")
        return _("Line %(line)s added: %(quantity)s at %(price)s per period.") % {
            "line": subject,
            "quantity": quantity,
            "price": _cents(price),
        }
    if kind == Kind.QUANTITY:
        quantity, _sep, day = new.partition("@")
        return _("Quantity of %(line)s changed from %(old)s to %(new)s from %(day)s.") % {
            "line": subject,
            "old": old or "0",
            "new": quantity,
            "day": _day(day),
        }
    if kind == Kind.BUNDLE_SOLD:
        return _("Prepaid bundle of %(hours)s hours sold for %(price)s, expires on %(day)s.") % {
            "hours": subject,
            "price": _cents(old),
            "day": _day(new),
        }
    if kind == Kind.BUNDLE_NOTICE:
        label = dict(BundleNotice.Kind.choices).get(new, new)
        return _("Main contact told of the prepaid bundle of %(hours)s hours: %(notice)s.") % {
            "hours": subject,
            "notice": str(label).lower(),
        }
    return str(event.get_kind_display())


def _change(field: str, old: str, new: str) -> str:
    label = str(FIELDS.get(field, field))
    if field == "end":
        old, new = _day(old), _day(new)
    if not old:
        return _("%(field)s set to %(new)s.") % {"field": label, "new": new}
    if not new:
        return _("%(field)s cleared (was %(old)s).") % {"field": label, "old": old}
    return _("%(field)s changed from %(old)s to %(new)s.") % {"field": label, "old": old, "new": new}


def _day(value: str) -> str:
    if not value:
        return ""
    try:
        return date_format(date.fromisoformat(value), "D j-n-Y")
    except ValueError:
        return value


def _cents(value: str) -> str:
    try:
        return euro(Decimal(int(value)) / 100)
    except ValueError:
        return value
