"""Workers that died: their leases on running tasks run out, and the tasks are run again.

django-tasks-db marks a task RUNNING when a worker claims it and never looks again; a worker killed while it
ran the task leaves it so for good. Each worker renews a lease on itself (`worker_beat`) from a thread of its
own, also while its main thread runs a long task; a task RUNNING for a worker whose lease ran out is put back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from servicedesk.runtime.loops import Loop
from servicedesk.runtime.models import WorkerBeat

logger = logging.getLogger(__name__)
FORGET_AFTER = timedelta(days=7)  # beats of workers long gone


def worker_beat(worker_id: str, *, now: datetime) -> None:
    """Renew this worker's lease on itself."""
    with transaction.atomic():
        if not WorkerBeat.objects.filter(worker_id=worker_id).update(beat_at=now):
            WorkerBeat.objects.create(worker_id=worker_id, beat_at=now)


def tasks_reclaim_stranded(*, now: datetime, lease: timedelta) -> int:
    """Put back to READY the tasks RUNNING for a worker without a lease on itself; how many."""
    alive = set(WorkerBeat.objects.filter(beat_at__gt=now - lease).values_list("worker_id", flat=True))
    running = DBTaskResult.objects.running().filter(started_at__lt=now - lease).values_list("id", "worker_ids")
    stranded = [pk for pk, workers in running if not workers or workers[-1] not in alive]
    with transaction.atomic():
        reclaimed = 0
        if stranded:
            reclaimed = DBTaskResult.objects.filter(pk__in=stranded, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, started_at=None
            )
        WorkerBeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    if reclaimed:
        logger.warning("%d task(s) of a worker that died put back to run again", reclaimed)
    return reclaimed


class Liveness(Loop):
    """Renews the worker's lease on itself several times a lease, and frees the tasks of dead workers."""

    def __init__(self, worker_id: str, *, lease: timedelta):
        super().__init__("servicedesk-liveness", tick=lease.total_seconds() / 6)
        self.worker_id, self.lease = worker_id, lease

    def step(self) -> None:
        now = timezone.now()
        worker_beat(self.worker_id, now=now)
        tasks_reclaim_stranded(now=now, lease=self.lease)
