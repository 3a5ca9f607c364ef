"""Every write to a ticket: one function per business verb, in a transaction, with its audit event.

Notices to customers are queued in the outbox inside the same transaction, so they exist only if
the change commits; delivery happens after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.bulk import rows_update
from servicedesk.core.policy import current_policy
from servicedesk.core.prepared import PreparedInsert
from servicedesk.core.together import rows_together
from servicedesk.customers.models import Contact, ServiceMatrixItem
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.outbox.services import Notice, notice_queue, notices_queue, notices_render_ahead
from servicedesk.policy import Channel, EntryKind, Priority, SupportType
from servicedesk.policy.timeline import FIRST_YEAR, LAST_YEAR
from servicedesk.tickets.models import AgentNotification, Message, RefusedReport, Ticket, TicketEvent, TimeEntry
from servicedesk.tickets.pricing import after_hours_rate, after_hours_without_notice, deadline_for, hourly_rate

SUBJECT_MAX = 300
FUTURE_SLACK = timedelta(minutes=5)  # a clock that runs a little fast is no reason to refuse


KEEP = object()  # a keyword left out: keep what the ticket has


class ReportRefused(Exception):
    """The reporter may not report; the attempt is recorded as `refused`."""

    def __init__(self, refused: RefusedReport):
        self.refused = refused
        super().__init__(_("Only authorised persons can report tickets."))


@dataclass(frozen=True)
class _Change:
    field: str
    old: str
    new: str


def _event(ticket: Ticket, kind: str, **values) -> TicketEvent:
    event = _event_row(ticket, kind, **values)
    event.save(force_insert=True)
    return event


def _event_row(
    ticket: Ticket,
    kind: str,
    *,
    at: datetime,
    actor=None,
    contact=None,
    field: str = "",
    old="",
    new="",
    reason: str = "",
) -> TicketEvent:
    """An audit event, not saved yet."""
    return TicketEvent(
        ticket=ticket,
        kind=kind,
        at=at,
        actor=actor,
        actor_contact=contact,
        field=field,
        old_value=str(old)[:300],
        new_value=str(new)[:300],
        reason=reason,
    )


def _touch(ticket: Ticket, now: datetime, *fields: str) -> None:
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])


def _notice_context(ticket: Ticket) -> dict:
    rate = hourly_rate(ticket)
    return {"rate": rate, "free": rate is None}


def _apply_deadline(ticket: Ticket) -> None:
    deadline = deadline_for(
        support_type=ticket.support_type,
        priority=ticket.priority,
        channel=ticket.channel,
        reported_at=ticket.reported_at,
        critical=ticket.critical,
    )
    ticket.response_due = deadline.response.response_due
    ticket.due_soon_at = deadline.due_soon_at
    ticket.best_effort = deadline.response.best_effort


# -- reports -------------------------------------------------------------------


def report_refuse(
    *,
    channel: str,
    sender: str,
    reason: str,
    contact: Contact | None = None,
    subject: str = "",
    body: str = "",
    recorded_by=None,
    notify: bool = True,
    now: datetime | None = None,
) -> RefusedReport:
    """Record a report that creates no ticket, and tell a known contact why (POLICY.md §7)."""
    now = now or timezone.now()
    with transaction.atomic():
        refused = RefusedReport.objects.create(
            channel=channel,
            reason=reason,
            customer=contact.customer if contact else None,
            contact=contact,
            sender=sender[:300],
            subject=subject[:300],
            body=body,
            received_at=now,
            recorded_by=recorded_by,
        )
        if notify and contact is not None:
            notice_queue(kind=OutgoingMessage.Kind.REFUSAL, contact=contact, context={}, now=now)
    return refused


@dataclass
class NewTicket:
    """A ticket about to be opened, as rows not yet written: made by `new_ticket`, written by `tickets_open`."""

    ticket: Ticket
    message: Message  # the report itself
    events: list[TicketEvent]
    notices: list[Notice]


def ticket_create(*, now: datetime | None = None, **report) -> Ticket:
    """Open a ticket for a contact, on any channel (the report's keywords are `new_ticket`'s).

    Refuses (ReportRefused, the attempt recorded) a reporter who may not report; lowers a raised
    priority the reporter may not use and says why; picking a matrix item proposes `managed`.
    """
    now = now or timezone.now()
    new = new_ticket(now=now, **report)
    # The acknowledgement is rendered before the rows are written: on SQLite not while holding the write lock.
    new.notices = notices_render_ahead(new.notices)
    tickets_open([new], now=now)  # all or none, without a savepoint inside a caller's transaction
    return new.ticket


def new_ticket(
    *,
    reporter: Contact,
    subject: str,
    body: str,
    channel: str,
    support_type: str | None = None,
    priority: str = Priority.STANDARD,
    matrix_item: ServiceMatrixItem | None = None,
    critical: bool = False,
    actor=None,
    body_html: str = "",
    forwarded: bool | None = None,
    now: datetime,
) -> NewTicket:
    """The rows of a new ticket (see `ticket_create`), checked but not written; a reporter who may not report
    is refused here (the attempt recorded)."""
    subject = " ".join(subject.split())[:SUBJECT_MAX]
    channel = Channel(channel)
    if not subject:
        raise ValidationError({"subject": _("A ticket needs a subject.")})
    if matrix_item is not None and matrix_item.customer_id != reporter.customer_id:
        raise ValidationError({"matrix_item": _("That service is not in this customer's service matrix.")})
    if support_type is None:
        support_type = SupportType.MANAGED if matrix_item is not None else SupportType.FUNCTIONAL
    support_type, priority = SupportType(support_type), Priority(priority)
    if not (reporter.may_report and reporter.active):
        refused = report_refuse(
            channel=channel,
            sender=reporter.email or reporter.name,
            contact=reporter,
            reason=RefusedReport.Reason.NOT_AUTHORISED,
            subject=subject,
            body=body,
            recorded_by=actor,
            now=now,
        )
        raise ReportRefused(refused)
    policy = current_policy()
    requested = priority
    lowered = policy.is_raised(support_type, requested) and not reporter.may_raise_priority and not critical
    if lowered:
        priority = policy.lowest_priority(support_type)
    effective = policy.effective_priority(support_type, priority, critical=critical)
    ticket = Ticket(
        customer_id=reporter.customer_id,
        reporter=reporter,
        subject=subject,
        proposed_support_type=support_type,
        support_type=support_type,
        requested_priority=requested,
        priority=effective,
        channel=channel,
        critical=critical,
        matrix_item=matrix_item,
        reported_at=now,
        updated_at=now,
    )
    _apply_deadline(ticket)
    message = Message(
        ticket=ticket,
        kind=Message.Kind.INCOMING,
        author_contact=reporter,
        author_user=actor,
        body=body,
        body_html=body_html,
        forwarded=forwarded,
        created_at=now,
    )
    events = [
        _event_row(
            ticket,
            TicketEvent.Kind.CREATED,
            at=now,
            actor=actor,
            contact=None if actor else reporter,
            field="channel",
            new=channel,
        )
    ]
    notices = []
    if lowered:
        reason = _("%(name)s may not report with a priority that carries a higher hourly rate.") % {
            "name": reporter.name
        }
        events.append(
            _event_row(
                ticket,
                TicketEvent.Kind.PRIORITY_LOWERED,
                at=now,
                actor=actor,
                field="priority",
                old=requested,
                new=priority,
                reason=reason,
            )
        )
        notices.append(Notice(OutgoingMessage.Kind.PRIORITY_LOWERED, reporter, {"requested": requested}, ticket))
    notices.append(
        Notice(
            OutgoingMessage.Kind.ACKNOWLEDGEMENT,
            reporter,
            _notice_context(ticket),
            ticket,
            capped=channel == Channel.EMAIL,  # only mail can loop; a portal or phone report is a person's
        )
    )
    return NewTicket(ticket, message, events, notices)


# Every report writes these rows: their INSERTs are built once (core/prepared.py).
_INSERT_TICKETS, _INSERT_MESSAGES, _INSERT_EVENTS = (PreparedInsert(m) for m in (Ticket, Message, TicketEvent))


def tickets_open(new: list[NewTicket], *, now: datetime) -> None:
    """Write new tickets with their first message, audit events and notices, all or none: on PostgreSQL one
    statement for all of them (core/together.py), elsewhere a statement per table in a transaction. Inside the
    caller's transaction if there is one (intake opens many tickets in one)."""
    notices = [notice for n in new for notice in n.notices]
    events = [event for n in new for event in n.events]
    reserve = {Ticket: len(new), Message: len(new), TicketEvent: len(events), OutgoingMessage: len(notices)}
    with rows_together(reserve):
        _INSERT_TICKETS.create([n.ticket for n in new])
        _INSERT_MESSAGES.create([n.message for n in new])
        _INSERT_EVENTS.create(events)
        notices_queue(notices, now=now)


def report_accept(*, refused: RefusedReport, contact: Contact, actor, now: datetime | None = None) -> Ticket:
    """An agent accepts a refused report as a ticket for a contact who may report (e.g. after authorisation)."""
    now = now or timezone.now()
    if not contact.may_report:
        raise ValidationError(
            {"contact": _("%(name)s may not report; grant the right first.") % {"name": contact.name}}
        )
    if refused.accepted_ticket_id:
        raise ValidationError(
            _("This report was already accepted as ticket #%(n)s.") % {"n": refused.accepted_ticket_id}
        )
    with transaction.atomic():
        ticket = ticket_create(
            reporter=contact,
            subject=refused.subject or _("(no subject)"),
            body=refused.body,
            channel=refused.channel,
            actor=actor,
            now=now,
        )
        refused.accepted_ticket = ticket
        refused.handled_by = actor
        refused.handled_at = now
        refused.save(update_fields=["accepted_ticket", "handled_by", "handled_at"])
    return ticket


# -- classification and response ------------------------------------------------


def ticket_classify(
    *,
    ticket: Ticket,
    actor,
    reason: str,
    support_type: str | None = None,
    priority: str | None = None,
    critical: bool | None = None,
    matrix_item: ServiceMatrixItem | object | None = KEEP,
    now: datetime | None = None,
) -> list[_Change]:
    """Confirm or change type, priority, critical and the service concerned; recompute deadline and rate;
    tell the reporter. `matrix_item=None` clears the service; leaving it out keeps it."""
    now = now or timezone.now()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the classification changes; the customer is told.")})
    policy = current_policy()
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",)).select_related("reporter", "matrix_item").get(pk=ticket.pk)
        )
        old = {
            "support_type": ticket.support_type,
            "priority": ticket.priority,
            "critical": ticket.critical,
            "matrix_item": ticket.matrix_item.name if ticket.matrix_item else "",
        }
        if matrix_item is not KEEP and matrix_item is not None and matrix_item.customer_id != ticket.customer_id:
            raise ValidationError({"matrix_item": _("That service is not in this customer's service matrix.")})
        new_item = ticket.matrix_item if matrix_item is KEEP else matrix_item
        new_type = SupportType(support_type or ticket.support_type)
        new_critical = ticket.critical if critical is None else critical
        new_priority = Priority(priority or ticket.priority)
        new_priority = policy.effective_priority(new_type, new_priority, critical=new_critical)
        new = {
            "support_type": new_type.value,
            "priority": new_priority.value,
            "critical": new_critical,
            "matrix_item": new_item.name if new_item else "",
        }
        changes = [_Change(f, str(old[f]), str(new[f])) for f in old if old[f] != new[f]]
        confirming = not ticket.support_type_confirmed
        if not changes and not confirming:
            return []
        old_due = ticket.response_due
        ticket.support_type, ticket.priority, ticket.critical = new_type, new_priority, new_critical
        ticket.matrix_item = new_item
        ticket.support_type_confirmed = True
        _apply_deadline(ticket)
        # A moved deadline is watched afresh.
        if ticket.due_soon_at > now:
            ticket.due_soon_flagged_at = None
        if ticket.response_due > now:
            ticket.breached_flagged_at = None
        if ticket.responded_at is not None:
            ticket.response_met = ticket.responded_at <= ticket.response_due
        _touch(
            ticket,
            now,
            "support_type",
            "priority",
            "critical",
            "support_type_confirmed",
            "matrix_item",
            "response_due",
            "due_soon_at",
            "best_effort",
            "due_soon_flagged_at",
            "breached_flagged_at",
            "response_met",
        )
        for change in changes:
            _event(
                ticket,
                TicketEvent.Kind.CLASSIFIED,
                at=now,
                actor=actor,
                field=change.field,
                old=change.old,
                new=change.new,
                reason=reason,
            )
        if not changes:
            _event(
                ticket,
                TicketEvent.Kind.CLASSIFIED,
                at=now,
                actor=actor,
                field="support_type_confirmed",
                old="",
                new=ticket.support_type,
                reason=reason,
            )
        if ticket.response_due != old_due:
            _event(
                ticket,
                TicketEvent.Kind.CLASSIFIED,
                at=now,
                actor=actor,
                field="response_due",
                old=old_due.isoformat(),
                new=ticket.response_due.isoformat(),
                reason=reason,
            )
        if changes:
            notice_queue(
                kind=OutgoingMessage.Kind.CLASSIFICATION,
                contact=ticket.reporter,
                ticket=ticket,
                context={**_notice_context(ticket), "reason": reason},
                now=now,
            )
    return changes


def ticket_respond(*, ticket: Ticket, actor, diagnosis: str, now: datetime | None = None) -> Ticket:
    """Record the response: diagnosis made and recovery started. Met or missed against the deadline."""
    now = now or timezone.now()
    if not diagnosis.strip():
        raise ValidationError({"diagnosis": _("Describe the diagnosis.")})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.responded_at is not None:
            raise ValidationError({"diagnosis": _("The response was already recorded.")})
        ticket.responded_at = now
        ticket.diagnosis = diagnosis.strip()
        ticket.response_met = now <= ticket.response_due
        fields = ["responded_at", "diagnosis", "response_met"]
        if ticket.status == Ticket.Status.NEW:
            ticket.status = Ticket.Status.OPEN
            fields.append("status")
        _touch(ticket, now, *fields)
        _event(
            ticket,
            TicketEvent.Kind.RESPONDED,
            at=now,
            actor=actor,
            field="diagnosis",
            new=ticket.diagnosis,
            reason=_("in time") if ticket.response_met else _("late"),
        )
    return ticket


# -- conversation ------------------------------------------------------------------


def ticket_reply(
    *, ticket: Ticket, actor, body: str, wait_for_customer: bool = False, now: datetime | None = None
) -> Message:
    """A public reply to the reporter (sent by mail from the outbox)."""
    now = now or timezone.now()
    if not body.strip():
        raise ValidationError({"body": _("The reply is empty.")})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("reporter").get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=ticket, kind=Message.Kind.REPLY, author_user=actor, body=body, created_at=now
        )
        fields = []
        new_status = Ticket.Status.WAITING if wait_for_customer else None
        if new_status is None and ticket.status == Ticket.Status.NEW:
            new_status = Ticket.Status.OPEN
        if new_status and new_status != ticket.status:
            _event(
                ticket, TicketEvent.Kind.STATUS, at=now, actor=actor, field="status", old=ticket.status, new=new_status
            )
            ticket.status = new_status
            fields.append("status")
        _touch(ticket, now, *fields)
        _event(ticket, TicketEvent.Kind.REPLIED, at=now, actor=actor)
        notice_queue(
            kind=OutgoingMessage.Kind.REPLY,
            contact=ticket.reporter,
            ticket=ticket,
            message=message,
            context={"body": body},
            automatic=False,
            now=now,
        )
    return message


def ticket_note(*, ticket: Ticket, actor, body: str, now: datetime | None = None) -> Message:
    """An internal note: agents only, never shown to customers."""
    now = now or timezone.now()
    if not body.strip():
        raise ValidationError({"body": _("The note is empty.")})
    with transaction.atomic():
        message = Message.objects.create(
            ticket=ticket, kind=Message.Kind.NOTE, author_user=actor, body=body, created_at=now
        )
        _touch(ticket, now)
        _event(ticket, TicketEvent.Kind.NOTED, at=now, actor=actor)
    return message


@dataclass
class NewMessage:
    """A customer's message on an existing ticket, about to be added (see `messages_add`)."""

    ticket: Ticket
    contact: Contact
    body: str
    body_html: str = ""
    forwarded: bool | None = None  # a mail that forwards another (None: not a mail)


def ticket_add_message(*, ticket: Ticket, contact: Contact, body: str, now: datetime | None = None) -> Message:
    """A message from the customer on an existing ticket; a waiting or closed ticket opens again."""
    return messages_add([NewMessage(ticket, contact, body)], now=now)[0]


def messages_add(new: list[NewMessage], *, now: datetime | None = None) -> list[Message]:
    """`ticket_add_message` for many messages, in order, a statement per table for all (intake adds a batch's).
    The agent a ticket is assigned to is notified that the customer replied (once per ticket while unread)."""
    now = now or timezone.now()
    with transaction.atomic():
        tickets = Ticket.objects.select_for_update().in_bulk({n.ticket.pk for n in new})
        messages, events = [], []
        to_notify: dict[int, int] = {}  # ticket id -> its assignee's id
        for n in new:
            ticket = tickets[n.ticket.pk]
            if ticket.assignee_id is not None:
                to_notify[ticket.pk] = ticket.assignee_id
            messages.append(
                Message(
                    ticket=ticket,
                    kind=Message.Kind.INCOMING,
                    author_contact=n.contact,
                    body=n.body,
                    body_html=n.body_html,
                    forwarded=n.forwarded,
                    created_at=now,
                )
            )
            if ticket.status in (Ticket.Status.WAITING, Ticket.Status.CLOSED):
                events.append(
                    _event_row(
                        ticket,
                        TicketEvent.Kind.STATUS,
                        at=now,
                        contact=n.contact,
                        field="status",
                        old=ticket.status,
                        new=Ticket.Status.OPEN,
                    )
                )
                ticket.status, ticket.closed_at = Ticket.Status.OPEN, None
            ticket.updated_at = now
        Message.objects.bulk_create(messages)
        TicketEvent.objects.bulk_create(events)
        rows_update(list(tickets.values()), ["status", "closed_at", "updated_at"])
        _notify_replied(to_notify, now)
    return messages


def _notify_replied(assignees: dict[int, int], now: datetime) -> None:
    """Tell each ticket's assignee the customer replied, unless an unread notice of that already waits."""
    if not assignees:
        return
    waiting = set(
        AgentNotification.objects.filter(
            ticket_id__in=list(assignees), kind=TicketEvent.Kind.CUSTOMER_REPLIED, read_at__isnull=True
        ).values_list("ticket_id", "user_id")
    )
    AgentNotification.objects.bulk_create(
        AgentNotification(user_id=user_id, ticket_id=ticket_id, kind=TicketEvent.Kind.CUSTOMER_REPLIED, created_at=now)
        for ticket_id, user_id in assignees.items()
        if (ticket_id, user_id) not in waiting
    )


# -- workflow ------------------------------------------------------------------------


def ticket_assign(*, ticket: Ticket, actor, assignee, now: datetime | None = None) -> Ticket:
    """Give a ticket to an agent (or to nobody); the new assignee is notified."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=ticket.pk)
        if ticket.assignee_id == (assignee.pk if assignee else None):
            return ticket
        old = ticket.assignee.get_username() if ticket.assignee else ""
        ticket.assignee = assignee
        _touch(ticket, now, "assignee")
        _event(
            ticket,
            TicketEvent.Kind.ASSIGNED,
            at=now,
            actor=actor,
            field="assignee",
            old=old,
            new=assignee.get_username() if assignee else "",
        )
        if assignee is not None and assignee != actor:
            AgentNotification.objects.create(
                user=assignee, ticket=ticket, kind=TicketEvent.Kind.ASSIGNED, created_at=now
            )
    return ticket


def ticket_rate_notice(*, ticket: Ticket, actor, planned_start: datetime, now: datetime | None = None) -> TicketEvent:
    """Tell the reporter, before work outside office hours starts, which band and rate will apply; recorded
    on the ticket (and shown with the after-hours lines of the specification)."""
    from servicedesk.core.templatetags.policy_labels import euro

    now = now or timezone.now()
    rate = after_hours_rate(ticket, planned_start)
    if rate is None:
        raise ValidationError(
            {"planned_start": _("That is office time, or the ticket is free of charge: there is no rate to tell.")}
        )
    with transaction.atomic():
        event = _event(
            ticket,
            TicketEvent.Kind.RATE_TOLD,
            at=now,
            actor=actor,
            field="after_hours_rate",
            new=f"{rate.band} {rate.hourly_rate} {timezone.localtime(planned_start):%Y-%m-%d %H:%M}",
        )
        notice_queue(
            kind=OutgoingMessage.Kind.AFTER_HOURS_RATE,
            contact=ticket.reporter,
            ticket=ticket,
            context={"rate": euro(rate.hourly_rate), "band": rate.band_label, "planned_start": planned_start},
            automatic=False,
            now=now,
        )
        _touch(ticket, now)
    return event


def ticket_mail_bounced(
    *, ticket: Ticket, outgoing_id: int | None, summary: str, now: datetime | None = None
) -> Ticket:
    """A mail we sent about this ticket bounced: the outgoing message says so, the ticket's trail records
    it, and the assignee is told (the contact did not get the message)."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        outgoing = (
            OutgoingMessage.objects.filter(pk=outgoing_id, ticket=ticket).first() if outgoing_id is not None else None
        )
        if outgoing is not None:
            outgoing.status = OutgoingMessage.Status.BOUNCED
            outgoing.last_error = summary[:2000]
            outgoing.save(update_fields=["status", "last_error"])
        _event(
            ticket,
            TicketEvent.Kind.BOUNCED,
            at=now,
            field="mail",
            new=outgoing.to_address if outgoing is not None else "",
            reason=summary,
        )
        if ticket.assignee_id is not None:
            AgentNotification.objects.create(
                user_id=ticket.assignee_id, ticket=ticket, kind=TicketEvent.Kind.BOUNCED, created_at=now
            )
    return ticket


def ticket_set_status(*, ticket: Ticket, actor, status: str, reason: str = "", now: datetime | None = None) -> Ticket:
    """Move a ticket between new, open, waiting and closed (closing and reopening are recorded as such)."""
    now = now or timezone.now()
    status = Ticket.Status(status)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status == status:
            return ticket
        if status == Ticket.Status.NEW and ticket.responded_at is not None:
            raise ValidationError({"status": _("A ticket with a recorded response is no longer new.")})
        old = ticket.status
        ticket.status = status
        ticket.closed_at = now if status == Ticket.Status.CLOSED else None
        _touch(ticket, now, "status", "closed_at")
        _event(ticket, TicketEvent.Kind.STATUS, at=now, actor=actor, field="status", old=old, new=status, reason=reason)
    return ticket


def ticket_close(*, ticket: Ticket, actor, reason: str = "", now: datetime | None = None) -> Ticket:
    return ticket_set_status(ticket=ticket, actor=actor, status=Ticket.Status.CLOSED, reason=reason, now=now)


def ticket_reopen(*, ticket: Ticket, actor, reason: str, now: datetime | None = None) -> Ticket:
    if ticket.status != Ticket.Status.CLOSED:
        raise ValidationError({"status": _("Only a closed ticket can be reopened.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the ticket is reopened.")})
    return ticket_set_status(ticket=ticket, actor=actor, status=Ticket.Status.OPEN, reason=reason, now=now)


# -- time entries ----------------------------------------------------------------------


def _check_entry(kind: str, start: datetime, minutes: int, now: datetime) -> None:
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
    _check_entry(kind, start, minutes, now)
    unannounced = after_hours_without_notice(ticket, start, minutes) if require_rate_notice else None
    if unannounced is not None:
        from servicedesk.core.templatetags.policy_labels import euro

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
        _touch(ticket, now)
        _event(
            ticket,
            TicketEvent.Kind.TIME_ADDED,
            at=now,
            actor=agent,
            field=f"time_entry:{entry.pk}",
            new=_entry_summary(entry),
        )
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
        before = _entry_summary(entry)
        new_kind = kind or entry.kind
        new_start = start or entry.start
        new_minutes = entry.minutes if minutes is None else minutes
        _check_entry(new_kind, new_start, new_minutes, now)
        entry.kind, entry.start, entry.minutes = new_kind, new_start.replace(second=0, microsecond=0), new_minutes
        if description is not None:
            entry.description = description
        entry.save(update_fields=["kind", "start", "minutes", "description"])
        _touch(entry.ticket, now)
        _event(
            entry.ticket,
            TicketEvent.Kind.TIME_CORRECTED,
            at=now,
            actor=actor,
            field=f"time_entry:{entry.pk}",
            old=before,
            new=_entry_summary(entry),
            reason=reason,
        )
    return entry


def _entry_summary(entry: TimeEntry) -> str:
    local = timezone.localtime(entry.start)
    return f"{entry.kind} {local:%Y-%m-%d %H:%M} {entry.minutes} min"
