"""Time spent on a ticket: recorded, and corrected (never edited) until it is billed."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.labels import euro
from servicedesk.core.policy import current_policy
from servicedesk.policy import EntryKind
from servicedesk.policy.timeline import FIRST_YEAR, LAST_YEAR
from servicedesk.tickets.models import Ticket, TicketEvent, TimeEntry
from servicedesk.tickets.pricing import after_hours_without_notice
from servicedesk.tickets.services.trail import record_event, touch
from servicedesk.tickets.signals import work_changed
from servicedesk.webhooks.events import event_record
from servicedesk.webhooks.models import EventType

FUTURE_SLACK = timedelta(minutes=5)  # a clock that runs a little fast is no reason to refuse


def check_time_entry(kind: str, start: datetime, minutes: int, now: datetime) -> None:
    policy = current_policy()
    errors = {}
    if kind not in EntryKind.__members__.values():
        errors["kind"] = _("Choose work or travel.")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
        errors["minutes"] = _("Enter a number of minutes greater than 0.")
    elif minutes > policy.config.max_entry_minutes:
        errors["minutes"] = _("At most %(n)d minutes in one entry; split longer work.") % {
            "n": policy.config.max_entry_minutes
        }
    if start is None or timezone.is_naive(start):
        errors["start"] = _("Enter the date and time the work started.")
    elif start > now + FUTURE_SLACK:
        errors["start"] = _("The start lies in the future; record time when the work is done.")
    elif not FIRST_YEAR <= start.year <= LAST_YEAR:
        errors["start"] = _("The start must lie between %(a)d and %(b)d.") % {"a": FIRST_YEAR, "b": LAST_YEAR}
    if errors:
        raise ValidationError(errors)


def time_entry_add(
    *,
    ticket: Ticket,
    agent,
    start: datetime,
    minutes: int,
    kind: str = EntryKind.WORK,
    description: str = "",
    require_rate_notice: bool = False,
    now: datetime | None = None,
) -> TimeEntry:
    """Record time spent on a ticket; its price comes from the policy engine. With `require_rate_notice`,
    billable work after hours is refused unless the customer was told its rate beforehand (POLICY.md §5)."""
    now = now or timezone.now()
    check_time_entry(kind, start, minutes, now)
    unannounced = after_hours_without_notice(ticket, start, minutes) if require_rate_notice else None
    if unannounced is not None:
        raise ValidationError(
            {
                "without_notice": _(
                    "This work falls in the %(band)s band (%(rate)s per hour) and the customer was not told "
                    "that rate beforehand. Tell them first, or tick this box to record it anyway."
                )
                % {"band": unannounced.band_label, "rate": euro(unannounced.hourly_rate)}
            }
        )
    start = start.replace(second=0, microsecond=0)  # time is recorded to the minute
    with transaction.atomic():
        entry = TimeEntry.objects.create(
            ticket=ticket, agent=agent, kind=kind, start=start, minutes=minutes, description=description, created_at=now
        )
        touch(ticket, now)
        work_changed([ticket.pk], time=True)
        record_event(
            ticket,
            TicketEvent.Kind.TIME_ADDED,
            at=now,
            actor=agent,
            field=f"time_entry:{entry.pk}",
            new=time_entry_summary(entry),
        )
        event_record(EventType.TIME_ENTRY_CREATED, object_id=entry.pk, ticket_id=ticket.pk, now=now)
    return entry


def time_entry_correct(
    *,
    entry: TimeEntry,
    actor,
    reason: str,
    start: datetime | None = None,
    minutes: int | None = None,
    kind: str | None = None,
    description: str | None = None,
    now: datetime | None = None,
) -> TimeEntry:
    """Correct an unbilled time entry (recorded old → new). A billed entry is locked."""
    now = now or timezone.now()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the time entry is corrected.")})
    with transaction.atomic():
        entry = TimeEntry.objects.select_for_update().select_related("ticket").get(pk=entry.pk)
        if entry.is_billed:
            raise ValidationError(
                _("This time entry has been billed and is locked; a correction goes into the next billing run.")
            )
        before = time_entry_summary(entry)
        new_kind = kind or entry.kind
        new_start = start or entry.start
        new_minutes = entry.minutes if minutes is None else minutes
        check_time_entry(new_kind, new_start, new_minutes, now)
        entry.kind, entry.start, entry.minutes = new_kind, new_start.replace(second=0, microsecond=0), new_minutes
        if description is not None:
            entry.description = description
        entry.save(update_fields=["kind", "start", "minutes", "description"])
        touch(entry.ticket, now)
        work_changed([entry.ticket_id], time=True)
        record_event(
            entry.ticket,
            TicketEvent.Kind.TIME_CORRECTED,
            at=now,
            actor=actor,
            field=f"time_entry:{entry.pk}",
            old=before,
            new=time_entry_summary(entry),
            reason=reason,
        )
    return entry


def time_entry_summary(entry: TimeEntry) -> str:
    local = timezone.localtime(entry.start)
    return f"{entry.kind} {local:%Y-%m-%d %H:%M} {entry.minutes} min"
