"""Alerting the on-call engineer about an urgent ticket: raise, acknowledge (the watch repeats and escalates)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.task_queue import queue_with_commit
from servicedesk.oncall.models import Alert
from servicedesk.oncall.rota import on_call_at
from servicedesk.oncall.tasks import alert_send_task
from servicedesk.tickets import services
from servicedesk.tickets.models import AgentNotification, Ticket, TicketEvent

logger = logging.getLogger(__name__)


def alert_raise(*, ticket: Ticket, now: datetime | None = None, level: int = 0) -> Alert | None:
    """Alert whoever is on call at `level` (0: first on call); None when the rota has nobody there."""
    now = now or timezone.now()
    shifts = on_call_at(now)
    if level >= len(shifts):
        logger.warning("ticket %s: nobody on call at level %d", ticket.pk, level)
        return None
    shift = shifts[level]
    with transaction.atomic():
        alert = Alert.objects.create(
            ticket=ticket, agent=shift.agent, phone=shift.phone, level=level, created_at=now, last_sent_at=now
        )
        AgentNotification.objects.create(user=shift.agent, ticket=ticket, kind=TicketEvent.Kind.ALERTED, created_at=now)
        TicketEvent.objects.create(
            ticket=ticket, kind=TicketEvent.Kind.ALERTED, at=now, field="on_call", new_value=shift.agent.get_username()
        )
        # Sent once the transaction has committed: its task is a row of the same transaction, not an after-commit
        # callback that a process dying at the wrong moment would lose.
        queue_with_commit(alert_send_task, alert.pk)
    return alert


def alert_acknowledge(*, alert: Alert, actor, diagnosis: str, now: datetime | None = None) -> Ticket:
    """The engineer takes the ticket: every alert of it stops, and the diagnosis is its response."""
    now = now or timezone.now()
    if not diagnosis.strip():
        raise ValidationError({"diagnosis": _("Say what the diagnosis is; it is the response to the customer.")})
    with transaction.atomic():
        Alert.objects.filter(ticket=alert.ticket, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor
        )
        ticket = services.ticket_respond(ticket=alert.ticket, actor=actor, diagnosis=diagnosis, now=now)
        if ticket.assignee_id is None:
            ticket = services.ticket_assign(ticket=ticket, actor=actor, assignee=actor, now=now)
    return ticket
