"""`servicedesk worker`: runs background tasks and enqueues the periodic ones (the SLA watch)."""

from __future__ import annotations

import os
import socket
import time

from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker

from servicedesk.core.schedule import Scheduler, enqueue_due, periodic_tasks


class Command(BaseCommand):
    help = "Run background tasks (database queue) and the periodic SLA watch."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls of the queue")
        parser.add_argument(
            "--once", action="store_true", help="enqueue the periodic tasks once, run every waiting task, then exit"
        )

    def handle(self, *args, interval: float, once: bool, **options):
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
            enqueue_due(periodic_tasks(), {}, time.monotonic())
            worker.run()
            return
        scheduler = Scheduler(periodic_tasks())
        scheduler.start()
        self.stdout.write(f"servicedesk worker {worker.worker_id}: running tasks; SLA watch every minute")
        worker.configure_signals()
        try:
            worker.run()
        finally:
            scheduler.stop()
