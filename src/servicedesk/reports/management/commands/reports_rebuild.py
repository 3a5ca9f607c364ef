"""`servicedesk reports_rebuild`: make the reports' summary again from the rows (after `servicedesk generate`, a
restore from a backup, or a change of the business calendar)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from servicedesk.reports.summary import ticket_figures_rebuild


class Command(BaseCommand):
    help = "Make the reports' summary of tickets again from the tickets."

    def handle(self, *args, **options):
        with transaction.atomic():
            tickets = ticket_figures_rebuild(out=self.stdout if options["verbosity"] > 1 else None)
        self.stdout.write(f"reports' summary rebuilt: {tickets:,} tickets")
