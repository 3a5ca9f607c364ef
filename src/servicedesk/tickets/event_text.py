"""A ticket's audit trail as people read it: each event a sentence in the reader's language, with the labels of
the policy's words and moments in local time, never the keys and ISO dates it is stored with."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core import labels
from servicedesk.tickets.models import Ticket, TicketEvent

# How time entries are summed up in an event: "work 2026-11-24 10:00 20 min" (local time).
ENTRY_SUMMARY = re.compile(r"^(?P<kind>\w+) (?P<start>\d{4}-\d\d-\d\d \d\d:\d\d) (?P<minutes>\d+) min$")
# A rate told before after-hours work: "evening 85.00 2026-11-24 19:00", or on the phone "phone € 125,00".
RATE_TOLD = re.compile(r"^(?P<band>\w+) (?P<rate>[\d.]+) (?P<start>\d{4}-\d\d-\d\d \d\d:\d\d)$")
KINDS = {"work": gettext_lazy("work"), "travel": gettext_lazy("travel")}


def event_sentence(event: TicketEvent) -> str:
    """What happened, as one sentence (who did it and why are shown beside it)."""
    kind, field, old, new = event.kind, event.field, event.old_value, event.new_value
    Kind = TicketEvent.Kind
    if kind == Kind.CREATED:
        return _("Reported via %(channel)s.") % {"channel": str(labels.CHANNELS.get(new, new)).lower()}
    if kind in (Kind.CLASSIFIED, Kind.PRIORITY_LOWERED):
        return _classification(kind, field, old, new)
    if kind == Kind.RESPONDED:
        return _("Response recorded: %(diagnosis)s") % {"diagnosis": new}
    if kind == Kind.ASSIGNED:
        if not new:
            return _("No longer assigned to %(old)s.") % {"old": old}
        if not old:
            return _("Assigned to %(new)s.") % {"new": new}
        return _("Assigned to %(new)s instead of %(old)s.") % {"new": new, "old": old}
    if kind == Kind.STATUS:
        return _("Status changed from %(old)s to %(new)s.") % {"old": status_label(old), "new": status_label(new)}
    if kind == Kind.TIME_ADDED:
        return _("Time recorded: %(entry)s.") % {"entry": _entry(new)}
    if kind == Kind.TIME_CORRECTED:
        return _("Time entry corrected from %(old)s to %(new)s.") % {"old": _entry(old), "new": _entry(new)}
    if kind == Kind.BOUNCED:
        return _("A mail to %(address)s bounced.") % {"address": new} if new else _("A mail bounced.")
    if kind == Kind.MAIL_LOOP:
        return _(
            "%(address)s sent more new tickets than a person would (a mail loop?): its further mails are added to "
            "this ticket."
        ) % {"address": new}
    if kind == Kind.ALERTED:
        return _("%(agent)s, on call, was alerted.") % {"agent": new}
    if kind == Kind.RATE_TOLD:
        return _rate_told(new)
    simple = {
        Kind.REPLIED: _("Replied to the customer."),
        Kind.NOTED: _("Internal note added."),
        Kind.DUE_SOON: _("The response is due soon."),
        Kind.BREACHED: _("The response deadline passed without a response."),
        Kind.CUSTOMER_REPLIED: _("The customer replied."),
    }
    return simple.get(kind, str(event.get_kind_display()))


def _classification(kind: str, field: str, old: str, new: str) -> str:
    if field == "support_type":
        return _("Support type changed from %(old)s to %(new)s.") % {"old": _type(old), "new": _type(new)}
    if field == "support_type_confirmed":
        return _("Support type confirmed: %(new)s.") % {"new": _type(new)}
    if field == "priority":
        texts = {"old": _priority(old), "new": _priority(new)}
        if kind == TicketEvent.Kind.PRIORITY_LOWERED:
            return _("Priority lowered from %(old)s to %(new)s.") % texts
        return _("Priority changed from %(old)s to %(new)s.") % texts
    if field == "critical":
        return _("Marked as a critical incident.") if new == "True" else _("No longer a critical incident.")
    if field == "matrix_item":
        if not new:
            return _("No service of the service matrix concerned any more (was %(old)s).") % {"old": old}
        if not old:
            return _("Concerns the service %(new)s.") % {"new": new}
        return _("Concerns the service %(new)s instead of %(old)s.") % {"new": new, "old": old}
    if field == "response_due":
        return _("Response deadline moved from %(old)s to %(new)s.") % {"old": _moment(old), "new": _moment(new)}
    return _("Classification changed.")


def _type(value: str) -> str:
    return str(labels.SUPPORT_TYPES.get(value, value))


def _priority(value: str) -> str:
    return str(labels.PRIORITIES.get(value, value))


def status_label(value: str) -> str:
    """A ticket's status as people read it (what `get_status_display` says, without building a dict of all the
    choices at every call); a value this code does not know is shown as stored."""
    try:
        return str(Ticket.Status(value).label)
    except ValueError:
        return value


def _moment(text: str) -> str:
    """An ISO moment as 'dinsdag 24 november 2026, 11:00' in the site's time zone."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if timezone.is_naive(moment):
        return text
    return date_format(timezone.localtime(moment), "l j F Y, H:i")


def _local(text: str) -> str:
    """A local 'YYYY-MM-DD HH:MM' as 'di 24-11-2026 10:00' in the reader's language."""
    try:
        moment = datetime.strptime(text, "%Y-%m-%d %H:%M")
    except ValueError:
        return text
    return date_format(moment, "D j-n-Y H:i")


def _entry(summary: str) -> str:
    """'work 2026-11-24 10:00 20 min' as 'werk, di 24-11-2026 10:00, 20 min'."""
    found = ENTRY_SUMMARY.match(summary)
    if found is None:
        return summary
    return _("%(kind)s, %(start)s, %(minutes)s min") % {
        "kind": KINDS.get(found["kind"], found["kind"]),
        "start": _local(found["start"]),
        "minutes": found["minutes"],
    }


def _rate_told(text: str) -> str:
    found = RATE_TOLD.match(text)
    if found is not None:
        try:
            rate = labels.euro(Decimal(found["rate"]))
        except InvalidOperation:
            rate = found["rate"]
        return _("The customer was told the %(band)s rate, %(rate)s per hour, for work from %(start)s.") % {
            "band": str(labels.BANDS.get(found["band"], found["band"])),
            "rate": rate,
            "start": _local(found["start"]),
        }
    if text.startswith("phone "):
        return _("The caller was told the rate on the phone: %(rate)s per hour.") % {"rate": text[len("phone ") :]}
    return _("The customer was told the after-hours rate: %(rate)s.") % {"rate": text}
