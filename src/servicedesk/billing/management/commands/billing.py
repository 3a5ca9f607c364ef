"""`servicedesk billing run`: preview or confirm a billing run from a terminal, with a progress bar."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from servicedesk.billing.models import BillingRun
from servicedesk.billing.services import (
    billing_run_confirm,
    billing_run_create,
    billing_run_draft,
    preview_summary,
    ticket_count,
)
from servicedesk.core.policy import current_policy
from servicedesk.customers.models import Customer


def _date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{name}: {text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Billing runs: preview a period's specifications, or confirm them as numbered invoices."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        run = actions.add_parser("run", help="preview (default) or --confirm a billing run")
        run.add_argument("--from", dest="start", help="first day, YYYY-MM-DD")
        run.add_argument("--to", dest="end", help="last day (inclusive), YYYY-MM-DD")
        run.add_argument(
            "--run",
            type=int,
            dest="run_id",
            help="a run made before (its number, as printed): preview it again or --confirm it, its drafts "
            "numbered as they are when nothing changed since its preview (instead of --from and --to)",
        )
        run.add_argument("--customer", action="append", default=[], help="customer code (repeat; default: all)")
        run.add_argument("--confirm", action="store_true", help="bill: number the invoices and lock the entries")
        run.add_argument("--user", default="admin", help="the agent recorded as running it (default: admin)")

    def handle(self, *args, action: str, **options):
        if options["run_id"] is not None:
            if options["start"] or options["end"] or options["customer"]:
                raise CommandError("--run: the run has its period and customers; give no --from, --to or --customer")
            run = BillingRun.objects.filter(pk=options["run_id"]).first()
            if run is None:
                raise CommandError(f"--run: no run {options['run_id']}")
        elif options["start"] and options["end"]:
            run = None
            start, end = _date(options["start"], "--from"), _date(options["end"], "--to")
        else:
            raise CommandError("give --from and --to, or --run")
        customers = list(Customer.objects.filter(code__in=options["customer"]))
        missing = set(options["customer"]) - {c.code for c in customers}
        if missing:
            raise CommandError(f"--customer: no customer with code {', '.join(sorted(missing))}")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"--user: no user {options['user']!r}")
        if run is None:
            try:
                run = billing_run_create(actor=user, period_start=start, period_end=end, customers=customers)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        elif run.status == BillingRun.Status.CONFIRMED:
            raise CommandError(f"--run: run {run.pk} was confirmed already")
        total = ticket_count(run)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, transient=True, disable=not self.stdout.isatty()) as bar:
            task = bar.add_task("confirming" if options["confirm"] else "previewing", total=total)

            def advance(n: int) -> None:
                bar.advance(task, n)

            if options["confirm"]:
                invoices = billing_run_confirm(run, actor=user, progress=advance)
                rows = [
                    (i.customer_id, i.subtotal_cents, i.vat_cents, i.total_cents, i.number or "-") for i in invoices
                ]
            else:
                summary = preview_summary(billing_run_draft(run, progress=advance), current_policy().config.vat_percent)
                rows = [(r["customer_id"], r["subtotal"], r["vat"], r["total"], "preview") for r in summary]
        names = Customer.objects.in_bulk([r[0] for r in rows])
        for customer_id, subtotal, vat, total_cents, number in rows:
            self.stdout.write(
                f"{number:<12} {names[customer_id].name[:40]:<40} {subtotal / 100:>12.2f} {vat / 100:>10.2f} "
                f"{total_cents / 100:>12.2f}"
            )
        self.stdout.write(f"run {run.pk}: {len(rows)} customer(s), {total} ticket(s) looked at")
