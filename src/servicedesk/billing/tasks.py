"""Billing work run by `servicedesk worker` (previews and confirmations of large runs, with progress), and
handing a run to it."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from servicedesk.billing.models import BillingRun
from servicedesk.billing.progress import RunProgress
from servicedesk.billing.services import billing_run_confirm, billing_run_draft, preview_summary, ticket_count
from servicedesk.core.policy import current_policy
from servicedesk.core.task_queue import queue_with_commit

logger = logging.getLogger(__name__)


def _work(run_id: int, phase: str, job) -> None:
    progress = RunProgress(run_id)
    run = BillingRun.objects.get(pk=run_id)
    progress.start(phase, ticket_count(run))
    try:
        job(run, progress.advance)
    except Exception as exc:  # recorded on the run for the page; the run itself is unchanged
        logger.exception("billing run %s: %s failed", run_id, phase)
        BillingRun.objects.filter(pk=run_id).update(working="", error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    finally:
        progress.finish()


@task()
def billing_preview_task(run_id: int) -> None:
    def job(run, advance):
        specs = billing_run_draft(run, progress=advance)
        summary = preview_summary(specs, current_policy().config.vat_percent)
        BillingRun.objects.filter(pk=run.pk).update(preview=summary, working="", error="")

    _work(run_id, "previewing", job)


@task()
def billing_confirm_task(run_id: int, user_id: int) -> None:
    def job(run, advance):
        billing_run_confirm(run, actor=get_user_model().objects.get(pk=user_id), progress=advance)
        BillingRun.objects.filter(pk=run.pk).update(working="", error="")

    _work(run_id, "confirming", job)


def billing_run_start(run: BillingRun, *, action: str, actor) -> BillingRun:
    """Hand a run's preview or confirmation to the worker; the page follows its progress."""
    with transaction.atomic():
        run = BillingRun.objects.select_for_update().get(pk=run.pk)
        if run.working:
            raise ValidationError(_("This run is busy already."))
        if run.status == BillingRun.Status.CONFIRMED:
            raise ValidationError(_("This billing run was confirmed already."))
        run.working, run.error = ("previewing" if action == "preview" else "confirming"), ""
        if action == "preview":
            run.preview = None
        run.save(update_fields=["working", "error", "preview"])
        # The task a row of this transaction: with an after-commit callback lost to a dying process the run would
        # stay busy for good ("This run is busy already").
        if action == "preview":
            queue_with_commit(billing_preview_task, run.pk)
        else:
            queue_with_commit(billing_confirm_task, run.pk, actor.pk)
    return run
