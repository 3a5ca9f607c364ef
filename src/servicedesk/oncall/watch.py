"""The on-call watch, every minute: unacknowledged alerts are repeated, and after a while escalated."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from servicedesk.core.task_queue import queue_with_commit
from servicedesk.oncall.alerts import alert_raise
from servicedesk.oncall.models import Alert
from servicedesk.oncall.tasks import alert_send_task

REPEAT_EVERY = timedelta(minutes=10)
ESCALATE_AFTER = timedelta(minutes=30)


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
                    queue_with_commit(alert_send_task, alert.pk)
                    repeated.append(alert.pk)
    return {"repeated": repeated, "escalated": escalated}


@task()
def alerts_watch_task() -> dict:
    return alerts_watch()
