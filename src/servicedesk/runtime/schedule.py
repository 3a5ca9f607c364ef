"""Periodic background work: which tasks the worker enqueues, and how often."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from servicedesk.runtime.loops import Loop


@dataclass(frozen=True)
class Periodic:
    task_path: str  # dotted path of a django-tasks task
    every_seconds: float


def periodic_tasks() -> list[Periodic]:
    return [
        Periodic("servicedesk.tickets.tasks.sla_watch_task", 60.0),
        Periodic("servicedesk.tickets.tasks.attachment_sweep_task", 6 * 3600.0),
        Periodic("servicedesk.oncall.watch.alerts_watch_task", 60.0),
        Periodic("servicedesk.mail.tasks.stored_mail_task", 60.0),
        Periodic("servicedesk.projects.tasks.quotes_expire_task", 3600.0),
        Periodic("servicedesk.reports.tasks.service_reports_task", 3600.0),
        Periodic("servicedesk.contracts.tasks.bundle_notices_task", 3600.0),
    ]


def enqueue_due(schedule: list[Periodic], last_run: dict[str, float], now: float) -> list[str]:
    """Enqueue each periodic task whose interval has passed, unless one is still waiting to run."""
    enqueued = []
    for periodic in schedule:
        if now - last_run.get(periodic.task_path, float("-inf")) < periodic.every_seconds:
            continue
        last_run[periodic.task_path] = now
        waiting = DBTaskResult.objects.ready().filter(task_path=periodic.task_path).exists()
        if not waiting:
            import_string(periodic.task_path).enqueue()
            enqueued.append(periodic.task_path)
    return enqueued


class Scheduler(Loop):
    """Enqueues periodic tasks on time; the worker in the main thread runs them."""

    def __init__(self, schedule: list[Periodic], *, tick: float = 1.0):
        super().__init__("servicedesk-scheduler", tick=tick)
        self.schedule = schedule
        self.last_run: dict[str, float] = {}

    def step(self) -> None:
        enqueue_due(self.schedule, self.last_run, time.monotonic())
