"""Alerting the on-call engineer about an urgent ticket: raise, repeat, escalate, acknowledge."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from servicedesk.core.task_queue import queue_with_commit
from servicedesk.oncall.models import Alert
from servicedesk.oncall.rota import on_call_at
from servicedesk.tickets import services
from servicedesk.tickets.models import AgentNotification, Ticket, TicketEvent

logger = logging.getLogger(__name__)
REPEAT_EVERY = timedelta(minutes=10)
ESCALATE_AFTER = timedelta(minutes=30)


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
        _queue_send(alert.pk)
    return alert


def _queue_send(alert_id: int) -> None:
    """Send the alert once the transaction has committed: its task is a row of the same transaction, not an
    after-commit callback that a process dying at the wrong moment would lose (core/task_queue.py)."""
    from servicedesk.oncall.tasks import alert_send_task  # the task module imports this one

    queue_with_commit(alert_send_task, alert_id)


class AlertNotDelivered(Exception):
    """No channel reached the on-call agent."""


def alert_send(alert: Alert) -> None:
    """Tell the agent: by e-mail, and by the configured webhook (an SMS gateway, a chat tool). Each channel
    is tried whatever the other did (a mail server that is down must not keep the SMS back); only when no
    channel reached the agent does this fail (the task shows it), and the next repeat tries again."""
    link = f"{settings.SERVICEDESK_BASE_URL}/desk/alerts/"
    channels = []
    if alert.agent.email:
        channels.append(("mail", _alert_mail))
    if settings.SERVICEDESK_ONCALL_WEBHOOK_URL:
        channels.append(("webhook", _alert_webhook))
    failures = []
    for name, send in channels:
        try:
            send(alert, link)
        except Exception as exc:  # any failure of one channel (SMTP, the gateway): the others are still tried
            logger.error("alert %s for ticket %s: %s failed: %s", alert.pk, alert.ticket_id, name, exc)
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    if failures and len(failures) == len(channels):
        raise AlertNotDelivered("; ".join(failures))


def _alert_mail(alert: Alert, link: str) -> None:
    ticket = alert.ticket
    subject = f"[SPOED #{ticket.pk}] {ticket.subject}"
    body = (
        f"Spoedmelding #{ticket.pk} van {ticket.reporter.name} ({ticket.customer.name}).\n"
        f"{ticket.subject}\n\nBevestig in de desk: {link}\n(Melding {alert.sends}, niveau {alert.level + 1}.)\n"
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [alert.agent.email])


def _alert_webhook(alert: Alert, link: str) -> None:
    ticket = alert.ticket
    payload = json.dumps(
        {
            "ticket": ticket.pk,
            "subject": ticket.subject,
            "agent": alert.agent.get_username(),
            "phone": alert.phone,
            "level": alert.level,
            "send": alert.sends,
            "acknowledge_url": link,
        }
    ).encode()
    signature = hmac.new(settings.SERVICEDESK_PHONE_SECRET.encode(), payload, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        settings.SERVICEDESK_ONCALL_WEBHOOK_URL,
        data=payload,
        headers={"Content-Type": "application/json", "X-Servicedesk-Signature": signature},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def alerts_watch(*, now: datetime | None = None) -> dict:
    """Every minute: repeat unacknowledged alerts every 10 minutes, and after 30 alert the next on call."""
    now = now or timezone.now()
    repeated, escalated = [], []
    for alert in Alert.objects.filter(acknowledged_at__isnull=True).select_related("ticket"):
        if alert.escalated_at is None and now - alert.created_at >= ESCALATE_AFTER:
            with transaction.atomic():
                claimed = Alert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(escalated_at=now)
                if claimed:
                    nxt = alert_raise(ticket=alert.ticket, now=now, level=alert.level + 1)
                    if nxt is not None:
                        escalated.append(nxt.pk)
        if now - alert.last_sent_at >= REPEAT_EVERY:
            with transaction.atomic():  # the repeat claimed and its sending queued together
                claimed = Alert.objects.filter(pk=alert.pk, last_sent_at=alert.last_sent_at).update(
                    last_sent_at=now, sends=alert.sends + 1
                )
                if claimed:
                    _queue_send(alert.pk)
                    repeated.append(alert.pk)
    return {"repeated": repeated, "escalated": escalated}


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
