"""Background tasks of the ticket core, run by `servicedesk worker`."""

from __future__ import annotations

import logging

from django_tasks import task

from servicedesk.tickets.attachments import attachment_orphans_sweep
from servicedesk.tickets.sla import sla_watch

logger = logging.getLogger(__name__)


@task()
def sla_watch_task() -> dict:
    """Flag tickets due soon or breached (enqueued every minute by the worker's scheduler)."""
    result = sla_watch()
    if result.due_soon or result.breached:
        logger.info("SLA watch: %d due soon, %d breached", len(result.due_soon), len(result.breached))
    return {"due_soon": result.due_soon, "breached": result.breached}


@task()
def attachment_sweep_task() -> dict:
    """Remove attachment files of transactions that rolled back (enqueued every few hours)."""
    removed = attachment_orphans_sweep()
    if removed:
        logger.info("attachment sweep: %d orphaned file(s) removed", len(removed))
    return {"removed": len(removed)}
