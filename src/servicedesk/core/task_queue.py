"""The task queue kept in our own database: its rows written like the rows of the work that queues them.

django-tasks-db writes each queued task through the ORM (`DBTaskResult.objects.create`); every reported ticket
queues the delivery of its acknowledgement, so that row is written by a prepared INSERT here
(core/prepared.py). And because the queue is a table of the same database, a task queued inside a transaction
is committed with the work that queued it, or undone with it: `queue_with_commit` queues it there instead of
in an `on_commit` callback, which costs a transaction of its own and is lost if the process dies between the
commit and the callback.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django_tasks.base import Task
from django_tasks.utils import normalize_json
from django_tasks_db.backend import DatabaseBackend as _DatabaseBackend
from django_tasks_db.compat import task_enqueued  # the signal django-tasks-db sends (Django 6 or django-tasks)
from django_tasks_db.models import DBTaskResult, get_date_max

from servicedesk.core.prepared import PreparedInsert
from servicedesk.core.together import pending_rows

_INSERT_TASKS = PreparedInsert(DBTaskResult)


class DatabaseBackend(_DatabaseBackend):
    """django-tasks-db's backend, its task rows written by a prepared INSERT (the same columns and values)."""

    def enqueue(self, task, args, kwargs):
        """As django-tasks-db enqueues, the row's `TaskResult` made once (its own makes it twice: for the
        `task_enqueued` signal and to return; each imports the task and copies it, 50 us)."""
        self.validate_task(task)
        result = self._task_to_db_task(task, args, kwargs).task_result
        task_enqueued.send(type(self), task_result=result)
        return result

    def _task_to_db_task(self, task, args, kwargs) -> DBTaskResult:
        row = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            # What django-tasks-db's pre_save handler does, which an INSERT of our own does not call.
            run_after=task.run_after if task.run_after is not None else get_date_max(),
            backend_name=self.alias,
        )
        _INSERT_TASKS.create([row], using=router.db_for_write(DBTaskResult))
        return row


def queue_with_commit(task: Task, *args) -> None:
    """Queue `task(*args)` to run once the current transaction has committed, never if it is undone: in the
    transaction itself when the queue is a table of its database, else after the commit."""
    using = router.db_for_write(DBTaskResult)
    if (
        isinstance(task.get_backend(), _DatabaseBackend)
        and using == DEFAULT_DB_ALIAS
        and (connections[using].in_atomic_block or pending_rows(using) is not None)  # core/together.py
    ):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
