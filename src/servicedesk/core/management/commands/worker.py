"""`servicedesk worker`: runs background tasks, enqueues the periodic ones (the SLA watch), reads IMAP mailboxes."""

from __future__ import annotations

import os
import socket
import time

from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker

from servicedesk.core.schedule import Scheduler, enqueue_due, periodic_tasks


class Command(BaseCommand):
    help = "Run background tasks (database queue), the periodic SLA watch and the IMAP mailboxes."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls of the queue")
        parser.add_argument(
            "--once",
            action="store_true",
            help="read each mailbox once, enqueue the periodic tasks once, run every waiting task, then exit",
        )
        parser.add_argument("--no-imap", action="store_true", help="do not read the IMAP mailboxes")

    def handle(self, *args, interval: float, once: bool, no_imap: bool, **options):
        from servicedesk.mail.imap import MailboxSupervisor, read_mailboxes_once

        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=once,
            backend_name="default",
            startup_delay=not once,
            max_tasks=None,
            worker_id=f"{socket.gethostname()}-{os.getpid()}",
            excluded_queue_names=[],
        )
        if once:
            if not no_imap:
                for name, result in read_mailboxes_once().items():
                    self.stdout.write(f"mailbox {name}: {result.received} new, {result.redelivered} again")
            enqueue_due(periodic_tasks(), {}, time.monotonic())
            worker.run()
            return
        scheduler = Scheduler(periodic_tasks())
        scheduler.start()
        mailboxes = None if no_imap else MailboxSupervisor()
        if mailboxes is not None:
            mailboxes.start()
        self.stdout.write(
            f"servicedesk worker {worker.worker_id}: running tasks; SLA watch every minute"
            + ("" if no_imap else "; reading the active IMAP mailboxes")
        )
        self.stdout.flush()
        worker.configure_signals()
        try:
            worker.run()
        finally:
            scheduler.stop()
            if mailboxes is not None:
                mailboxes.stop()
