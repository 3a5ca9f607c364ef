"""`servicedesk reports_rebuild`: make the reports' summary again from the rows (after `servicedesk generate`, a
restore from a backup, or a change of the business calendar)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from servicedesk.reports.summary import (
    monthly_sla_rebuild,
    monthly_work_rebuild,
    priced_work_rebuild,
    ticket_figures_rebuild,
)


class Command(BaseCommand):
    help = "Make the reports' summary of tickets and their priced work again from the rows."

    def handle(self, *args, **options):
        with transaction.atomic():
            out = self.stdout if options["verbosity"] > 1 else None
            tickets = ticket_figures_rebuild(out=out)
            monthly_sla_rebuild(out=out)
            entries = priced_work_rebuild(out=out)
            monthly_work_rebuild(out=out)
        self.stdout.write(f"reports' summary rebuilt: {tickets:,} tickets, {entries:,} time entries")
