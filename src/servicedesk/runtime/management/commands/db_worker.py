"""django-tasks-db's own worker command, refused here: `servicedesk worker` runs the same worker with a lease."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Refused: run `servicedesk worker` instead."
    requires_system_checks = []

    def handle(self, *args, **options):
        # A worker without a lease on itself looks dead to the others, which would put its running tasks back to
        # run a second time (runtime/liveness.py).
        raise CommandError(
            "run `servicedesk worker`: it runs the background tasks and renews the lease that tells the other "
            "workers it is alive; `db_worker` alone would have its running tasks taken up again by them"
        )
