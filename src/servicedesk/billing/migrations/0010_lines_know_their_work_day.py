"""Each ticket's or project's line keeps the local day of the work it bills (`work_day`), and the lines are indexed
by (invoice, work_day): bundles pay a customer's lines a few days at a time, which read every line of its document
joined to its entry, ticket and project entry before. The index takes the place of the one Django made for the
invoice alone (its leading column serves those look-ups).

Written by hand, like 0009: the generated AlterField(db_index=False) would remake the whole table on SQLite; here
the state changes as AlterField says and the database loses only the plain index on the invoice. The lines
written before get their day from their entry, project entry or ticket (in the current time zone, as the bundles
dated them), before the check that a payable line has one."""

from collections import defaultdict

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

BATCH = 10_000  # lines read at a time; each batch written with an UPDATE per day it holds


def date_the_lines(apps, schema_editor):
    InvoiceLine = apps.get_model("billing", "InvoiceLine")
    lines = (
        InvoiceLine.objects.filter(work_day__isnull=True)
        .filter(Q(ticket__isnull=False) | Q(project_entry__isnull=False))
        .annotate(at=Coalesce("time_entry__start", "project_entry__start", "ticket__reported_at"))
        .order_by("pk")
    )
    last = 0
    while batch := list(lines.filter(pk__gt=last).values_list("pk", "at")[:BATCH]):
        by_day = defaultdict(list)
        for pk, at in batch:
            by_day[timezone.localdate(at)].append(pk)
        for day, pks in by_day.items():
            InvoiceLine.objects.filter(pk__in=pks).update(work_day=day)
        last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0009_lines_index_only_what_they_bill"),
        ("projects", "0003_time_entries_budget_milestones"),
        ("tickets", "0019_unassigned_queue_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoiceline",
            name="work_day",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(date_the_lines, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="invoiceline",
            index=models.Index(fields=["invoice", "work_day"], name="invoice_line_day"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="invoiceline",
                    name="invoice",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="billing.invoice",
                    ),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "billing_invoiceline_invoice_id_ff507e12"',
                    reverse_sql='CREATE INDEX "billing_invoiceline_invoice_id_ff507e12" ON "billing_invoiceline" '
                    '("invoice_id")',
                )
            ],
        ),
        migrations.AddConstraint(
            model_name="invoiceline",
            constraint=models.CheckConstraint(
                condition=~Q(kind__in=("work", "travel", "phone_surcharge"), amount_cents__gt=0, free_reason="")
                | Q(work_day__isnull=False),
                name="invoice_line_paid_work_dated",
            ),
        ),
    ]
