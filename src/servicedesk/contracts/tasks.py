"""Background tasks of contracts, run by `servicedesk worker`."""

from __future__ import annotations

import logging

from django_tasks import task

from servicedesk.contracts.services import bundle_notices_send

logger = logging.getLogger(__name__)


@task()
def bundle_notices_task() -> dict:
    """Mail the prepaid-hours notices that are due (enqueued every hour; nothing due is two queries)."""
    made = bundle_notices_send()
    if made:
        logger.info("bundle notices: %d sent", len(made))
    return {"sent": len(made)}
