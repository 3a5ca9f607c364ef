"""The task queue in our database: a task queued in a transaction is committed or undone with it."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from servicedesk.core.task_queue import queue_with_commit
from servicedesk.tickets.tasks import sla_watch_task as task


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_in_a_transaction_is_committed_or_undone_with_it():
    with transaction.atomic():
        queue_with_commit(task, 1)
        assert DBTaskResult.objects.filter(args_kwargs__args=[1]).exists()  # written now, seen at commit
    assert DBTaskResult.objects.filter(args_kwargs__args=[1]).count() == 1

    with pytest.raises(RuntimeError), transaction.atomic():
        queue_with_commit(task, 2)
        raise RuntimeError("the change fails")
    assert not DBTaskResult.objects.filter(args_kwargs__args=[2]).exists()

    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint rolled back
            queue_with_commit(task, 3)
            raise RuntimeError("this part fails")
        queue_with_commit(task, 4)
    assert [r.args_kwargs["args"] for r in DBTaskResult.objects.order_by("enqueued_at")] == [[1], [4]]

    queue_with_commit(task, 5)  # no transaction: queued at once
    assert DBTaskResult.objects.filter(args_kwargs__args=[5]).exists()
