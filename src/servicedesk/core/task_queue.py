"""Queueing background tasks together with the work that asks for them.

The task queue is a table of our own database (django-tasks-db), so a task queued inside a transaction is
committed with the work that queued it, or undone with it: `queue_with_commit` queues it there instead of in an
`on_commit` callback, which costs a transaction of its own and is lost if the process dies between the commit and
the callback.
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult


def queue_with_commit(task: Task, *args) -> None:
    """Queue `task(*args)` to run once the current transaction has committed, never if it is undone: in the
    transaction itself when the queue is a table of its database, else after the commit."""
    using = router.db_for_write(DBTaskResult)
    if (
        isinstance(task.get_backend(), DatabaseBackend)
        and using == DEFAULT_DB_ALIAS
        and connections[using].in_atomic_block
    ):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
