"""Background tasks of mail intake, run by `servicedesk worker`."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from servicedesk.mail.processor import stored_process

logger = logging.getLogger(__name__)
LEFT_BEHIND = timedelta(minutes=1)  # stored longer ago than this and not processed: nobody is processing it


@task()
def stored_mail_task() -> dict:
    """Process mail that was stored but not processed (the database went away after a pipe delivery stored
    it, or a listener stopped before it was done); enqueued every minute by the worker's scheduler."""
    count = stored_process(received_before=timezone.now() - LEFT_BEHIND)
    if count:
        logger.info("processed %d stored mails left behind", count)
    return {"processed": count}
