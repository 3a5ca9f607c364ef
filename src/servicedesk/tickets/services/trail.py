"""What every change to a ticket writes besides itself: its line in the audit trail, its new `updated_at`."""

from __future__ import annotations

from datetime import datetime

from servicedesk.policy import Policy
from servicedesk.tickets.models import Ticket, TicketEvent
from servicedesk.tickets.pricing import deadline_for, hourly_rate, reclassified_deadline_for, ticket_policy
from servicedesk.webhooks.events import event_record
from servicedesk.webhooks.models import EventType


def record_event(ticket: Ticket, kind: str, **values) -> TicketEvent:
    """An audit event, saved (see `event_row`)."""
    event = event_row(ticket, kind, **values)
    event.save(force_insert=True)
    return event


def event_row(
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


def touch(ticket: Ticket, now: datetime, *fields: str) -> None:
    """Save `fields` of a changed ticket, and its `updated_at` (a billing run looks for tickets changed since);
    queue its `ticket.updated` webhooks."""
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])
    event_record(EventType.TICKET_UPDATED, object_id=ticket.pk, ticket_id=ticket.pk, now=now)


def notice_context(ticket: Ticket, *, policy: Policy | None = None) -> dict:
    """What a notice about a ticket says of its price: its hourly rate, or that it is free."""
    rate = hourly_rate(ticket, policy=policy)
    return {"rate": rate, "free": rate is None}


def apply_deadline(
    ticket: Ticket,
    *,
    changed_at: datetime | None = None,
    old_due: datetime | None = None,
    policy: Policy | None = None,
) -> None:
    """Set a ticket's response deadline (and when it is due soon) from its type, priority and channel, under its
    policy (`ticket_policy`: its contract's service levels); for an unanswered ticket reclassified at
    `changed_at`, as POLICY.md §4 says (never a moment already past)."""
    policy = policy or ticket_policy(ticket)
    if changed_at is None or old_due is None or ticket.responded_at is not None:
        deadline = deadline_for(
            support_type=ticket.support_type,
            priority=ticket.priority,
            channel=ticket.channel,
            reported_at=ticket.reported_at,
            critical=ticket.critical,
            policy=policy,
        )
    else:
        deadline = reclassified_deadline_for(
            support_type=ticket.support_type,
            priority=ticket.priority,
            channel=ticket.channel,
            reported_at=ticket.reported_at,
            critical=ticket.critical,
            changed_at=changed_at,
            old_due=old_due,
            policy=policy,
        )
    ticket.response_due = deadline.response.response_due
    ticket.due_soon_at = deadline.due_soon_at
    ticket.best_effort = deadline.response.best_effort
