"""A project's audit trail as people read it: each event a sentence in the reader's language, with labels and
local dates, never the keys and ISO dates it is stored with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.core.labels import euro
from servicedesk.projects.models import BillingMode, Project, ProjectEvent

FIELDS = {
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "lead": gettext_lazy("Lead agent"),
    "matrix_items": gettext_lazy("Services concerned"),
    "title": gettext_lazy("Title"),
    "assignee": gettext_lazy("Assignee"),
    "due_date": gettext_lazy("Due date"),
    "estimate_minutes": gettext_lazy("Estimate"),
}


def event_sentence(event: ProjectEvent) -> str:
    """What happened, as one sentence (who did it and why are shown beside it)."""
    Kind = ProjectEvent.Kind
    kind, subject, field, old, new = event.kind, event.subject, event.field, event.old_value, event.new_value
    if kind == Kind.CREATED:
        return _("Project created.")
    if kind == Kind.STATUS:
        return _("Status changed from %(old)s to %(new)s.") % {"old": _status(old), "new": _status(new)}
    if kind == Kind.CHANGED:
        if field == "description":
            return _("Description changed.")
        return _change(field, old, new)
    if kind == Kind.PHASE_ADDED:
        if new == "milestone":
            return _("Phase %(name)s added, a milestone.") % {"name": subject}
        return _("Phase %(name)s added.") % {"name": subject}
    if kind == Kind.TASK_ADDED:
        return _("Task %(title)s added to phase %(phase)s.") % {"title": subject, "phase": new}
    if kind == Kind.TASK_CHANGED:
        return _("Task %(title)s: %(change)s") % {"title": subject, "change": _change(field, old, new)}
    if kind == Kind.TASK_DONE:
        return _("Task %(title)s done.") % {"title": subject}
    if kind == Kind.TASK_REOPENED:
        return _("Task %(title)s reopened.") % {"title": subject}
    if kind == Kind.TICKET_LINKED:
        return _("Ticket %(ticket)s linked.") % {"ticket": subject}
    if kind == Kind.TICKET_UNLINKED:
        return _("Ticket %(ticket)s no longer linked.") % {"ticket": subject}
    if kind.startswith("quote_"):
        return _quote_sentence(kind, subject, old, new)
    return _time_sentence(kind, subject, old, new)


def _time_sentence(kind: str, subject: str, old: str, new: str) -> str:
    """Time, budget and milestone events: `new` the entry or the minutes, share or cents each stores."""
    Kind = ProjectEvent.Kind
    if kind == Kind.TIME_ADDED:
        return _("Time recorded: %(entry)s.") % {"entry": new}
    if kind == Kind.TIME_CORRECTED:
        return _("Time entry corrected from %(old)s to %(new)s.") % {"old": old, "new": new}
    if kind == Kind.BUDGET_WARNING:
        return _("%(percent)s %% of the hour budget used; lead agent %(lead)s told.") % {
            "percent": _percent(new),
            "lead": old or "—",
        }
    if kind == Kind.EXTENSION_PROPOSED:
        return _("Extension of %(hours)s hours proposed to the customer.") % {"hours": hours_text(new)}
    if kind == Kind.EXTENSION_APPROVED:
        return _("Extension of %(hours)s hours approved by %(contact)s (from address %(address)s).") % {
            "hours": hours_text(new),
            "contact": subject,
            "address": old or "?",
        }
    if kind == Kind.EXTENSION_DECLINED:
        return _("Extension of %(hours)s hours declined by %(contact)s (from address %(address)s).") % {
            "hours": hours_text(new),
            "contact": subject,
            "address": old or "?",
        }
    if kind == Kind.MILESTONE_REACHED:
        return _("Milestone %(name)s reached; %(amount)s waits for the next billing run.") % {
            "name": subject,
            "amount": _cents(new),
        }
    return str(dict(Kind.choices).get(kind, kind))


def _percent(share: str) -> str:
    try:
        return str(int(Fraction(share) * 100))
    except (ValueError, ZeroDivisionError):
        return share


def hours_text(minutes) -> str:
    """Minutes as hours in the reader's language, without trailing zeros: 90 -> "1,5"."""
    try:
        text = number_format(Decimal(int(minutes)) / 60, decimal_pos=2)
    except (TypeError, ValueError):
        return str(minutes)
    return text.rstrip("0").rstrip(",.") if any(sep in text for sep in ",.") else text


def _quote_sentence(kind: str, subject: str, old: str, new: str) -> str:
    """A quote's events: `subject` its number (or a line's description), `old` and `new` as each stores them."""
    Kind = ProjectEvent.Kind
    if kind == Kind.QUOTE_CREATED:
        mode = str(dict(BillingMode.choices).get(new, new)).lower()
        return _("Quote version %(version)s drawn up: %(mode)s.") % {"version": old, "mode": mode}
    if kind == Kind.QUOTE_LINE_ADDED:
        return _("Quote version %(version)s: line %(line)s added (%(amount)s).") % {
            "version": old,
            "line": subject,
            "amount": _cents(new),
        }
    if kind == Kind.QUOTE_LINE_REMOVED:
        return _("Quote version %(version)s: line %(line)s removed.") % {"version": old, "line": subject}
    if kind == Kind.QUOTE_SENT:
        return _("Quote %(number)s sent to %(to)s, valid until %(date)s.") % {
            "number": subject,
            "to": new,
            "date": _date(old),
        }
    if kind in (Kind.QUOTE_ACCEPTED, Kind.QUOTE_DECLINED):
        values = {"number": subject, "contact": new, "address": old or "?"}
        if kind == Kind.QUOTE_ACCEPTED:
            return _("Quote %(number)s accepted by %(contact)s (from address %(address)s).") % values
        return _("Quote %(number)s declined by %(contact)s (from address %(address)s).") % values
    if kind == Kind.QUOTE_SUPERSEDED:
        if subject:
            return _("Quote %(number)s (version %(old)s) superseded by version %(new)s.") % {
                "number": subject,
                "old": old,
                "new": new,
            }
        return _("Quote version %(old)s superseded by version %(new)s.") % {"old": old, "new": new}
    if kind == Kind.QUOTE_EXPIRED:
        return _("Quote %(number)s expired (valid until %(date)s).") % {"number": subject, "date": _date(old)}
    return str(dict(Kind.choices).get(kind, kind))


def _cents(value: str) -> str:
    try:
        return euro(Decimal(int(value)) / 100)
    except ValueError:
        return value


def _date(value: str) -> str:
    try:
        return date_format(date.fromisoformat(value), "D j-n-Y")
    except ValueError:
        return value


def _change(field: str, old: str, new: str) -> str:
    label = str(FIELDS.get(field, field))
    old, new = _value(field, old), _value(field, new)
    if not old:
        return _("%(field)s set to %(new)s.") % {"field": label, "new": new}
    if not new:
        return _("%(field)s cleared (was %(old)s).") % {"field": label, "old": old}
    return _("%(field)s changed from %(old)s to %(new)s.") % {"field": label, "old": old, "new": new}


def _value(field: str, value: str) -> str:
    if not value:
        return ""
    if field == "kind":
        return str(dict(Project.Kind.choices).get(value, value))
    if field == "due_date":
        try:
            return date_format(date.fromisoformat(value), "D j-n-Y")
        except ValueError:
            return value
    if field == "estimate_minutes":
        return _("%(minutes)s min") % {"minutes": value}
    return value


def _status(value: str) -> str:
    return str(dict(Project.Status.choices).get(value, value))
