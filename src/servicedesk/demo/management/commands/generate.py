"""`servicedesk generate --tickets N`: fill the database with load data for benchmarks."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from servicedesk.demo.load.run import generate
from servicedesk.demo.load.tickets import ENTRIES_PER_TICKET
from servicedesk.reports.summary import (
    monthly_sla_rebuild,
    monthly_work_rebuild,
    priced_work_rebuild,
    ticket_figures_rebuild,
)


def _entries(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 50:
        raise ValueError(text)
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Generate load data: N tickets over the last three years with 3-6 messages and 0-4 time entries each "
        "(or --entries-per-ticket on average), plus customers, contacts and 20 agents. Adds to what is there; "
        "run it on a database nobody else writes to."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=_positive, required=True, help="how many tickets to add")
        parser.add_argument("--batch-size", type=_positive, default=10_000, help="tickets per transaction")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument(
            "--entries-per-ticket",
            type=_entries,
            default=ENTRIES_PER_TICKET,
            help=f"mean time entries on a ticket someone worked on, 0-50 (default {ENTRIES_PER_TICKET})",
        )

    def handle(self, *args, **options):
        terminal = self.stdout.isatty()
        try:
            result = generate(
                tickets=options["tickets"],
                batch_size=options["batch_size"],
                seed=options["seed"],
                entries_per_ticket=options["entries_per_ticket"],
                # rich draws on the terminal itself; Django's wrapper would add a newline to every write.
                out=sys.stdout if terminal else self.stdout,
                terminal=terminal,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        seconds = max(result.seconds, 1e-9)
        self.stdout.write(f"Generated in {seconds:.1f} s:")
        for what, count in result.rows.items():
            self.stdout.write(f"  {count:>12,}  {what}")
        self.stdout.write(
            f"  {result.total_rows:>12,}  rows in all: {result.total_rows / seconds:,.0f} rows/s, "
            f"{result.rows['tickets'] / seconds:,.0f} tickets/s"
        )
        # The rows were written past the services, so the reports' summary is counted again from them.
        started = time.perf_counter()
        with transaction.atomic():
            ticket_figures_rebuild()
            priced_work_rebuild()
            monthly_work_rebuild()
            monthly_sla_rebuild()
        self.stdout.write(f"The reports' summary counted again in {time.perf_counter() - started:.1f} s.")
