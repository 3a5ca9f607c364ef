"""Background tasks of projects, run by `servicedesk worker`."""

from __future__ import annotations

from django_tasks import task

from servicedesk.projects.quote_services import quotes_expire


@task()
def quotes_expire_task() -> dict:
    """Mark sent quotes past their last valid day expired (to be enqueued hourly by the worker's scheduler)."""
    return {"expired": quotes_expire()}
