"""Background delivery of the outbox, run by `servicedesk worker`."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from servicedesk.outbox.delivery import outbox_deliver, retry_delay


@task()
def deliver_outgoing(*outgoing_ids: int) -> str:
    """Send these messages; one that fails is tried again on its own after its backoff."""
    statuses = []
    for outgoing_id in outgoing_ids:
        outgoing = outbox_deliver(outgoing_id)
        if outgoing is None:
            statuses.append("gone")
            continue
        delay = retry_delay(outgoing)
        if delay is not None:
            deliver_outgoing.using(run_after=timezone.now() + delay).enqueue(outgoing_id)
        statuses.append(outgoing.status)
    return ", ".join(statuses)
