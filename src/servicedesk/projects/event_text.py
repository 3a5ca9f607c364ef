"""A project's audit trail as people read it: each event a sentence in the reader's language, with labels and
local dates, never the keys and ISO dates it is stored with."""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from servicedesk.projects.models import Project, ProjectEvent

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
    return str(event.get_kind_display())


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
