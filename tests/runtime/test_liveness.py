"""Tasks a dead worker left RUNNING are run again once its lease on itself has run out; a live worker's are not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from servicedesk.runtime.liveness import tasks_reclaim_stranded, worker_beat
from servicedesk.runtime.models import WorkerBeat
from servicedesk.tickets.tasks import sla_watch_task

pytestmark = pytest.mark.django_db(transaction=True)
LEASE = timedelta(seconds=60)


def running(worker_id: str, started_at) -> DBTaskResult:
    """An SLA watch claimed by `worker_id` at `started_at`, as django-tasks-db's worker claims it."""
    result = DBTaskResult.objects.get(id=sla_watch_task.enqueue().id)
    result.claim(worker_id)
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=started_at)
    return result


def test_a_dead_workers_tasks_are_put_back_and_a_live_workers_are_not():
    now = timezone.now()
    worker_beat("alive-1", now=now - timedelta(seconds=10))
    worker_beat("dead-2", now=now - timedelta(minutes=5))
    long_task = running("alive-1", now - timedelta(hours=2))  # a long billing run: its worker still beats
    stranded = running("dead-2", now - timedelta(minutes=6))
    never_beat = running("db-worker-3", now - timedelta(minutes=2))  # a worker without leases (an old one)
    just_claimed = running("starting-4", now - timedelta(seconds=5))  # its first beat may be on its way

    assert tasks_reclaim_stranded(now=now, lease=LEASE) == 2
    status = dict(DBTaskResult.objects.values_list("id", "status"))
    assert status[long_task.pk] == "RUNNING" and status[just_claimed.pk] == "RUNNING"
    assert status[stranded.pk] == "READY" and status[never_beat.pk] == "READY"
    assert DBTaskResult.objects.get(pk=stranded.pk).started_at is None
    assert tasks_reclaim_stranded(now=now, lease=LEASE) == 0


def test_a_beat_renews_the_lease_and_old_beats_are_forgotten():
    now = timezone.now()
    worker_beat("w-1", now=now - timedelta(days=8))
    worker_beat("w-2", now=now - timedelta(days=8))
    worker_beat("w-2", now=now)
    assert WorkerBeat.objects.get(worker_id="w-2").beat_at == now
    tasks_reclaim_stranded(now=now, lease=LEASE)
    assert list(WorkerBeat.objects.values_list("worker_id", flat=True)) == ["w-2"]


def test_the_worker_runs_a_stranded_task_again(settings):
    settings.SERVICEDESK_WORKER_LEASE = 60
    stranded = running("killed-5", timezone.now() - timedelta(minutes=10))
    call_command("worker", "--once", "--no-imap")
    stranded.refresh_from_db()
    assert stranded.status == "SUCCESSFUL" and stranded.worker_ids[0] == "killed-5" and len(stranded.worker_ids) == 2
