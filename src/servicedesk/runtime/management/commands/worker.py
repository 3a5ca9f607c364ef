"""`servicedesk worker`: runs background tasks, enqueues the periodic ones (the SLA watch), delivers the outbox,
takes in the mail pipe mode spooled, reads IMAP mailboxes."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker

from servicedesk.mail.delivery import deliver_due
from servicedesk.mail.imap import MailboxSupervisor, read_mailboxes_once
from servicedesk.mail.intake import spool_take_all
from servicedesk.runtime.courier import Courier, WebhookCourier
from servicedesk.runtime.intake import SpoolIntake
from servicedesk.runtime.liveness import Liveness, tasks_reclaim_stranded, worker_beat
from servicedesk.runtime.schedule import Scheduler, enqueue_due, periodic_tasks
from servicedesk.webhooks.delivery import deliver_due as deliver_webhooks_due


class Command(BaseCommand):
    help = (
        "Run background tasks (database queue), the periodic SLA watch, the outgoing mail and webhooks, the mail "
        "spooled by pipe mode and the IMAP mailboxes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls of the queue")
        parser.add_argument(
            "--once",
            action="store_true",
            help="take in the spooled mail, read each mailbox once, enqueue the periodic tasks once, run every "
            "waiting task, send the due mail and webhooks, then exit",
        )
        parser.add_argument("--no-imap", action="store_true", help="do not read the IMAP mailboxes")

    def handle(self, *args, interval: float, once: bool, no_imap: bool, **options):
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=once,
            backend_name="default",
            startup_delay=not once,
            max_tasks=None,
            worker_id=f"{socket.gethostname()}-{os.getpid()}"[-64:],
            excluded_queue_names=[],
        )
        lease = timedelta(seconds=settings.SERVICEDESK_WORKER_LEASE)
        worker_beat(worker.worker_id, now=timezone.now())
        tasks_reclaim_stranded(now=timezone.now(), lease=lease)
        if once:
            spool_take_all()
            if not no_imap:
                for name, result in read_mailboxes_once().items():
                    self.stdout.write(f"mailbox {name}: {result.received} new, {result.redelivered} again")
            enqueue_due(periodic_tasks(), {}, time.monotonic())
            worker.run()
            deliver_due()
            deliver_webhooks_due()
            return
        loops = [
            Liveness(worker.worker_id, lease=lease),
            Scheduler(periodic_tasks()),
            Courier(tick=interval),
            WebhookCourier(tick=interval),
            SpoolIntake(tick=interval),
        ]
        if not no_imap:
            loops.append(MailboxSupervisor())
        for loop in loops:
            loop.start()
        self.stdout.write(
            f"servicedesk worker {worker.worker_id}: running tasks, sending mail, taking in spooled mail; SLA watch "
            "every minute" + ("" if no_imap else "; reading the active IMAP mailboxes")
        )
        self.stdout.flush()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            for loop in loops:
                loop.stop()
            for loop in loops:
                # the courier finishes the message in hand, so that it is recorded as sent
                loop.join(timeout=max(settings.EMAIL_TIMEOUT, settings.SERVICEDESK_WEBHOOK_TIMEOUT) + 5)
