"""The life of a ticket after its report: classification, the response, assignment, status, notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.labels import euro
from servicedesk.customers.models import ServiceMatrixItem
from servicedesk.outbox.models import OutgoingMessage
from servicedesk.outbox.services import notice_queue
from servicedesk.policy import Priority, SupportType
from servicedesk.tickets.models import AgentNotification, Ticket, TicketEvent
from servicedesk.tickets.pricing import after_hours_rate, ticket_policy
from servicedesk.tickets.services.trail import apply_deadline, notice_context, record_event, touch
from servicedesk.tickets.signals import figures_changed, work_changed

KEEP = object()  # a keyword left out: keep what the ticket has


@dataclass(frozen=True)
class _Change:
    field: str
    old: str
    new: str


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
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",)).select_related("reporter", "matrix_item").get(pk=ticket.pk)
        )
        policy = ticket_policy(ticket)  # its contract's service levels, if any
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
        # A deadline that passed without a response is a miss, and stays one whatever the new deadline is.
        missed = ticket.responded_at is None and not ticket.best_effort and old_due <= now
        ticket.support_type, ticket.priority, ticket.critical = new_type, new_priority, new_critical
        ticket.matrix_item = new_item
        ticket.support_type_confirmed = True
        apply_deadline(ticket, changed_at=now, old_due=old_due, policy=policy)
        if missed and ticket.breached_flagged_at is None:  # before the watch saw it
            ticket.breached_flagged_at = now
            record_event(ticket, TicketEvent.Kind.BREACHED, at=now)
        # A moved deadline is watched afresh.
        if ticket.due_soon_at > now:
            ticket.due_soon_flagged_at = None
        if ticket.response_due > now and not missed:
            ticket.breached_flagged_at = None
        if ticket.responded_at is not None:
            ticket.response_met = ticket.responded_at <= ticket.response_due
        touch(
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
        figures_changed([ticket.pk])
        work_changed([ticket.pk], time=False)
        for change in changes:
            record_event(
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
            record_event(
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
            record_event(
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
                context={**notice_context(ticket, policy=policy), "reason": reason},
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
        # A deadline missed before a reclassification moved it stays missed (the breach is recorded).
        missed_before = ticket.breached_flagged_at is not None and not ticket.best_effort
        ticket.response_met = now <= ticket.response_due and not missed_before
        fields = ["responded_at", "diagnosis", "response_met"]
        if ticket.status == Ticket.Status.NEW:
            ticket.status = Ticket.Status.OPEN
            fields.append("status")
        touch(ticket, now, *fields)
        figures_changed([ticket.pk])
        record_event(
            ticket,
            TicketEvent.Kind.RESPONDED,
            at=now,
            actor=actor,
            field="diagnosis",
            new=ticket.diagnosis,
            reason=_("in time") if ticket.response_met else _("late"),
        )
    return ticket


def ticket_assign(*, ticket: Ticket, actor, assignee, now: datetime | None = None) -> Ticket:
    """Give a ticket to an agent (or to nobody); the new assignee is notified."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("assignee").get(pk=ticket.pk)
        if ticket.assignee_id == (assignee.pk if assignee else None):
            return ticket
        old = ticket.assignee.get_username() if ticket.assignee else ""
        ticket.assignee = assignee
        touch(ticket, now, "assignee")
        record_event(
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
    now = now or timezone.now()
    rate = after_hours_rate(ticket, planned_start)
    if rate is None:
        raise ValidationError(
            {"planned_start": _("That is office time, or the ticket is free of charge: there is no rate to tell.")}
        )
    with transaction.atomic():
        event = record_event(
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
        touch(ticket, now)
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
        record_event(
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


def ticket_mail_loop(*, ticket: Ticket, sender: str, since: datetime, now: datetime | None = None) -> bool:
    """A sender opened more tickets by mail than a person would (a mail loop that marks nothing automatic): the
    ticket its further mails go to records it, and the assignee, or every agent when there is none, is told;
    once, not again for a loop of the same reporter since `since`. True when this told them."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
        told = TicketEvent.objects.filter(
            ticket__reporter_id=ticket.reporter_id, kind=TicketEvent.Kind.MAIL_LOOP, at__gte=since
        ).exists()
        if told:
            return False
        record_event(ticket, TicketEvent.Kind.MAIL_LOOP, at=now, field="mail", new=sender[:300])
        if ticket.assignee_id is not None:
            agents = [ticket.assignee_id]
        else:
            agents = list(get_user_model().objects.filter(is_staff=True, is_active=True).values_list("pk", flat=True))
        AgentNotification.objects.bulk_create(
            AgentNotification(user_id=agent, ticket=ticket, kind=TicketEvent.Kind.MAIL_LOOP, created_at=now)
            for agent in agents
        )
    return True


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
        touch(ticket, now, "status", "closed_at")
        figures_changed([ticket.pk])
        record_event(
            ticket, TicketEvent.Kind.STATUS, at=now, actor=actor, field="status", old=old, new=status, reason=reason
        )
    return ticket


def ticket_close(*, ticket: Ticket, actor, reason: str = "", now: datetime | None = None) -> Ticket:
    return ticket_set_status(ticket=ticket, actor=actor, status=Ticket.Status.CLOSED, reason=reason, now=now)


def ticket_reopen(*, ticket: Ticket, actor, reason: str, now: datetime | None = None) -> Ticket:
    if ticket.status != Ticket.Status.CLOSED:
        raise ValidationError({"status": _("Only a closed ticket can be reopened.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the ticket is reopened.")})
    return ticket_set_status(ticket=ticket, actor=actor, status=Ticket.Status.OPEN, reason=reason, now=now)
