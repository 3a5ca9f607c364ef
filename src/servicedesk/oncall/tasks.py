"""On-call work for `servicedesk worker`: sending alerts, and the minute-by-minute watch."""

from __future__ import annotations

from django_tasks import task

from servicedesk.oncall.alerts import alert_send, alerts_watch
from servicedesk.oncall.models import Alert


@task()
def alert_send_task(alert_id: int) -> None:
    alert = Alert.objects.select_related("ticket__reporter", "ticket__customer", "agent").filter(pk=alert_id).first()
    if alert is not None and alert.acknowledged_at is None:
        alert_send(alert)


@task()
def alerts_watch_task() -> dict:
    return alerts_watch()
