"""The task queue in our database: rows as django-tasks-db writes them, queued with the work that queues them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django_tasks_db.backend import DatabaseBackend as LibraryBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from servicedesk.core.task_queue import DatabaseBackend, queue_with_commit
from servicedesk.outbox.tasks import deliver_outgoing


def columns(row: DBTaskResult) -> dict:
    values = DBTaskResult.objects.filter(pk=row.pk).values().get()
    return {k: v for k, v in values.items() if k not in ("id", "enqueued_at")}


@pytest.mark.django_db
@pytest.mark.parametrize("run_after", [None, datetime(2026, 12, 24, 17, 0, tzinfo=UTC)])
def test_the_backend_writes_the_row_the_library_writes(run_after):
    task = deliver_outgoing.using(run_after=run_after, priority=7)
    ours = DatabaseBackend("default", {})._task_to_db_task(task, (41, 42), {})
    theirs = LibraryBackend("default", {})._task_to_db_task(task, (41, 42), {})
    assert columns(ours) == columns(theirs)
    assert columns(ours)["run_after"] == (run_after or get_date_max())
    assert DBTaskResult.objects.get(pk=ours.pk).enqueued_at is not None
    result = task.enqueue(43)  # through the configured backend (settings.TASKS): ours
    assert isinstance(task.get_backend(), DatabaseBackend)
    assert result.args == [43] and DBTaskResult.objects.filter(pk=result.id).exists()


@pytest.mark.django_db
def test_enqueueing_sends_the_signal_once_with_the_result_it_returns():
    from django_tasks_db.compat import task_enqueued

    sent = []

    def receiver(sender, task_result, **kwargs):
        sent.append((sender, task_result))

    task_enqueued.connect(receiver)
    try:
        result = deliver_outgoing.enqueue(44)
    finally:
        task_enqueued.disconnect(receiver)
    assert sent == [(DatabaseBackend, result)] and sent[0][1] is result
    assert result.args == [44] and result.kwargs == {} and result.status.name == "READY"
    assert result.task.module_path == deliver_outgoing.module_path
    assert result.id == str(DBTaskResult.objects.get(args_kwargs__args=[44]).pk)


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_in_a_transaction_is_committed_or_undone_with_it():
    with transaction.atomic():
        queue_with_commit(deliver_outgoing, 1)
        assert DBTaskResult.objects.filter(args_kwargs__args=[1]).exists()  # written now, seen at commit
    assert DBTaskResult.objects.filter(args_kwargs__args=[1]).count() == 1

    with pytest.raises(RuntimeError), transaction.atomic():
        queue_with_commit(deliver_outgoing, 2)
        raise RuntimeError("the change fails")
    assert not DBTaskResult.objects.filter(args_kwargs__args=[2]).exists()

    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint rolled back
            queue_with_commit(deliver_outgoing, 3)
            raise RuntimeError("this part fails")
        queue_with_commit(deliver_outgoing, 4)
    assert [r.args_kwargs["args"] for r in DBTaskResult.objects.order_by("enqueued_at")] == [[1], [4]]

    queue_with_commit(deliver_outgoing, 5)  # no transaction: queued at once
    assert DBTaskResult.objects.filter(args_kwargs__args=[5]).exists()
