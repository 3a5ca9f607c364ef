"""Sending an alert, for `servicedesk worker`."""

from __future__ import annotations

from django_tasks import task

from servicedesk.oncall.models import Alert
from servicedesk.oncall.sending import alert_send


@task()
def alert_send_task(alert_id: int) -> None:
    alert = Alert.objects.select_related("ticket__reporter", "ticket__customer", "agent").filter(pk=alert_id).first()
    if alert is not None and alert.acknowledged_at is None:
        alert_send(alert)
