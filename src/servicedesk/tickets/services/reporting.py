"""Reports: a ticket opened for a contact on any channel, or a report refused and recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.submissions import RecordedRefusal
from servicedesk.customers.models import Contact, ServiceMatrixItem
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.outbox.services import Notice, notice_queue, notices_queue
from servicedesk.policy import Channel, Policy, Priority, SupportType
from servicedesk.tickets.models import Message, RefusedReport, Ticket, TicketCc, TicketEvent
from servicedesk.tickets.pricing import policy_for
from servicedesk.tickets.services.trail import apply_deadline, event_row, notice_context
from servicedesk.tickets.signals import figures_changed
from servicedesk.webhooks.events import Event, event_record, events_record
from servicedesk.webhooks.models import EventType

SUBJECT_MAX = 300


class ReportRefused(RecordedRefusal):
    """The reporter may not report; the attempt is recorded as `refused`."""

    def __init__(self, refused: RefusedReport):
        self.refused = refused
        super().__init__(_("Only authorised persons can report tickets."))


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
        event_record(EventType.REFUSED_REPORT_CREATED, object_id=refused.pk, now=now)
    return refused


@dataclass
class NewTicket:
    """A ticket about to be opened, as rows not yet written: made by `new_ticket`, written by `tickets_open`."""

    ticket: Ticket
    message: Message  # the report itself
    events: list[TicketEvent]
    notices: list[Notice]
    copies: list[TicketCc] = field(default_factory=list)


def ticket_create(*, now: datetime | None = None, **report) -> Ticket:
    """Open a ticket for a contact, on any channel (the report's keywords are `new_ticket`'s).

    Refuses (ReportRefused, the attempt recorded) a reporter who may not report; lowers a raised
    priority the reporter may not use and says why; picking a matrix item proposes `managed`.
    """
    return ticket_open(now=now, **report).ticket


def ticket_open(*, now: datetime | None = None, **report) -> NewTicket:
    """`ticket_create`, returning the rows it wrote (the ticket, its report, its events), for a caller that shows
    them at once (the API's answer) without reading them back."""
    now = now or timezone.now()
    new = new_ticket(now=now, **report)
    tickets_open([new], now=now)
    return new


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
    cc: tuple[tuple[str, str], ...] = (),
    acknowledge: bool = True,
    policy: Policy | None = None,
    now: datetime,
) -> NewTicket:
    """The rows of a new ticket (see `ticket_create`), checked but not written; a reporter who may not report
    is refused here (the attempt recorded). `policy`: the reporter's customer's at `now` (`policy_for`), when the
    caller has it already (a batch of mails reads each customer's contracts once)."""
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
    if policy is None:
        policy = policy_for(reporter.customer_id, now)  # the contract's service levels in force, if any
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
    apply_deadline(ticket, policy=policy)
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
        event_row(
            ticket,
            TicketEvent.Kind.CREATED,
            at=now,
            actor=actor,
            contact=None if actor else reporter,
            field="channel",
            new=channel,
        )
    ]
    copies = ticket_copies(ticket, cc, now=now)
    notices = []
    if lowered:
        reason = _("%(name)s may not report with a priority that carries a higher hourly rate.") % {
            "name": reporter.name
        }
        events.append(
            event_row(
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
    if not acknowledge:  # opened by a machine (a monitoring alert): the reporter is not mailed about it
        return NewTicket(ticket, message, events, [], copies)
    notices.append(
        Notice(
            OutgoingMessage.Kind.ACKNOWLEDGEMENT,
            reporter,
            notice_context(ticket, policy=policy),
            ticket,
            capped=channel == Channel.EMAIL,  # only mail can loop; a portal or phone report is a person's
            cc=copied_contacts(copies),
        )
    )
    return NewTicket(ticket, message, events, notices, copies)


def ticket_copies(ticket: Ticket, cc: tuple[tuple[str, str], ...], *, now: datetime) -> list[TicketCc]:
    """The rows of a report's Cc: every address but the reporter's and the desk's own, each with its contact
    when it is an active contact of the ticket's customer (only those are copied on the desk's mail)."""
    ours = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(), (ticket.reporter.email or "").lower()}
    wanted: dict[str, str] = {}
    for name, address in cc:
        if address.lower() not in ours:
            wanted.setdefault(address.lower(), name)
    if not wanted:
        return []
    contacts = {
        contact.email_lower: contact
        for contact in Contact.objects.annotate(email_lower=Lower("email")).filter(
            customer_id=ticket.customer_id, active=True, email_lower__in=wanted
        )
    }
    return [
        TicketCc(ticket=ticket, name=name[:200], address=address[:300], contact=contacts.get(address), added_at=now)
        for address, name in wanted.items()
    ]


def copied_contacts(copies) -> tuple[tuple[str, str], ...]:
    """(name, address) of the copied contacts that the desk's mail about a ticket is copied to."""
    return tuple((copy.contact.name, copy.contact.email) for copy in copies if copy.contact is not None)


def tickets_open(new: list[NewTicket], *, now: datetime) -> None:
    """Write new tickets with their first message and audit events, then queue their notices (rendered now that
    each ticket has its number): all or none, a statement per table for all of them. Inside the caller's
    transaction if there is one, without a savepoint (mail intake opens a batch's tickets in one)."""
    with transaction.atomic(savepoint=False):
        Ticket.objects.bulk_create([n.ticket for n in new])  # the messages and events below refer to these
        Message.objects.bulk_create([n.message for n in new])
        TicketEvent.objects.bulk_create([event for n in new for event in n.events])
        TicketCc.objects.bulk_create([copy for n in new for copy in n.copies])
        figures_changed(n.ticket.pk for n in new)
        notices_queue([notice for n in new for notice in n.notices], now=now)
        events_record([Event(EventType.TICKET_CREATED, n.ticket.pk, n.ticket.pk) for n in new], now=now)


def report_dismiss(*, refused: RefusedReport, actor, reason: str, now: datetime | None = None) -> RefusedReport:
    """An agent dismisses a refused report (spam, a wrong number, handled otherwise): it leaves the list of
    reports to handle; the report and why it was dismissed are kept."""
    now = now or timezone.now()
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the report is dismissed.")})
    with transaction.atomic():
        refused = RefusedReport.objects.select_for_update().get(pk=refused.pk)
        if refused.handled_at is not None:
            raise ValidationError(_("This report was handled already."))
        refused.dismissed_reason = reason[:500]
        refused.handled_by, refused.handled_at = actor, now
        refused.save(update_fields=["dismissed_reason", "handled_by", "handled_at"])
    return refused


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
    if refused.dismissed_reason:
        raise ValidationError(_("This report was dismissed: %(reason)s") % {"reason": refused.dismissed_reason})
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
