"""The SLA watch: flag tickets whose response is due soon or overdue, once each, and tell agents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from servicedesk.tickets.models import UNANSWERED, AgentNotification, Ticket, TicketEvent
from servicedesk.tickets.signals import figures_changed
from servicedesk.webhooks.events import event_record
from servicedesk.webhooks.models import EventType

BATCH = 500


@dataclass
class WatchResult:
    due_soon: list[int] = field(default_factory=list)
    breached: list[int] = field(default_factory=list)


def sla_watch(*, now: datetime | None = None) -> WatchResult:
    """Flag every open, unanswered ticket past its due-soon moment or its deadline; each flag once.

    Safe to run in several workers at once: a flag is claimed with a conditional update, so only
    one of them records the event and notifies.
    """
    now = now or timezone.now()
    result = WatchResult()
    waiting = Ticket.objects.filter(UNANSWERED)
    breached = waiting.filter(breached_flagged_at=None, response_due__lte=now, best_effort=False)
    for ticket_id, assignee_id in breached.values_list("id", "assignee_id")[:BATCH]:
        with transaction.atomic():
            claimed = Ticket.objects.filter(pk=ticket_id, breached_flagged_at__isnull=True).update(
                breached_flagged_at=now
            )
            if claimed:
                # Past the deadline is past due soon too: one flag says it all.
                Ticket.objects.filter(pk=ticket_id, due_soon_flagged_at__isnull=True).update(due_soon_flagged_at=now)
                _flag(ticket_id, assignee_id, TicketEvent.Kind.BREACHED, now)
                figures_changed([ticket_id])  # a flagged breach counts as overdue whatever the deadline
                result.breached.append(ticket_id)
    due_soon = waiting.filter(due_soon_flagged_at=None, due_soon_at__lte=now)
    for ticket_id, assignee_id in due_soon.values_list("id", "assignee_id")[:BATCH]:
        with transaction.atomic():
            if Ticket.objects.filter(pk=ticket_id, due_soon_flagged_at__isnull=True).update(due_soon_flagged_at=now):
                _flag(ticket_id, assignee_id, TicketEvent.Kind.DUE_SOON, now)
                result.due_soon.append(ticket_id)
    return result


HOOKS = {
    TicketEvent.Kind.BREACHED: EventType.TICKET_BREACHED,
    TicketEvent.Kind.DUE_SOON: EventType.TICKET_RESPONSE_DUE_SOON,
}


def _flag(ticket_id: int, assignee_id: int | None, kind: str, now: datetime) -> None:
    TicketEvent.objects.create(ticket_id=ticket_id, kind=kind, at=now)
    event_record(HOOKS[kind], object_id=ticket_id, ticket_id=ticket_id, now=now)
    if assignee_id is not None:
        recipients = [assignee_id]
    else:
        recipients = list(get_user_model().objects.filter(is_active=True, is_staff=True).values_list("id", flat=True))
    AgentNotification.objects.bulk_create(
        AgentNotification(user_id=user_id, ticket_id=ticket_id, kind=kind, created_at=now) for user_id in recipients
    )
