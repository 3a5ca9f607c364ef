"""The bundle, project, project entry and milestone of a line indexed only where set (ticket lines set none).

Written by hand: the generated AlterField(db_index=False) drops every index on the column on PostgreSQL, the
unique "billed once" ones too, without making them again (and remakes the whole table four times on SQLite).
Here the state changes as AlterField says and the database loses only the plain index Django made for each."""

import django.db.models.deletion
from django.db import migrations, models

TARGETS = {
    "bundle": ("contracts.prepaidbundle", "billing_invoiceline_bundle_id_f30c550e"),
    "milestone": ("projects.phase", "billing_invoiceline_milestone_id_7c41ef9c"),
    "project": ("projects.project", "billing_invoiceline_project_id_4d10493b"),
    "project_entry": ("projects.projecttimeentry", "billing_invoiceline_project_entry_id_a3b7b84e"),
}


def _field(to: str) -> models.ForeignKey:
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="invoice_lines",
        to=to,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_ticket_lines_narrow"),
        ("contracts", "0002_bundle_notices"),
        ("projects", "0003_time_entries_budget_milestones"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="invoiceline", name=name, field=_field(to))
                for name, (to, _index) in TARGETS.items()
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "billing_invoiceline" ("{name}_id")',
                )
                for name, (_to, index) in TARGETS.items()
            ],
        ),
        *(
            migrations.AddIndex(
                model_name="invoiceline",
                index=models.Index(
                    condition=models.Q((f"{name}__isnull", False)), fields=[name], name=f"invoice_line_{name}"
                ),
            )
            for name in ("bundle", "project", "project_entry", "milestone")
        ),
    ]
