"""Signs of life of the worker processes: a worker that stops giving them is dead, its running tasks free."""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    worker_id = models.CharField(max_length=64, unique=True)  # as django-tasks-db records it on a claimed task
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker_id
