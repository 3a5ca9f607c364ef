"""Telling the on-call engineer about an alert: by e-mail and by the configured webhook (SMS gateway, chat)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import send_mail

from servicedesk.oncall.models import Alert

logger = logging.getLogger(__name__)


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
