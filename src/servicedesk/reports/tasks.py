"""Background tasks of the reports, run by `servicedesk worker`."""

from __future__ import annotations

import logging

from django_tasks import task

from servicedesk.reports.services import service_reports_make

logger = logging.getLogger(__name__)


@task()
def service_reports_task() -> dict:
    """Make and mail the monthly service reports when due (enqueued every hour; a run with nothing to do is a
    query or two)."""
    result = service_reports_make()
    if result.made:
        logger.info("service reports: %d made for %s", len(result.made), f"{result.period.first:%Y-%m}")
    return {"made": len(result.made)}
