"""Whether a time entry is billed is read from the invoice lines that bill it (TimeEntryQuerySet), no longer
kept on the entry; the entry's own index on its ticket goes (time_entry_ticket starts with the ticket)."""

import django.db.models.deletion
from django.db import migrations, models


def check_billed_entries_have_lines(apps, schema_editor):
    """An entry marked billed must have the line that bills it, or it would be billed again: stop if not."""
    TimeEntry = apps.get_model("tickets", "TimeEntry")
    InvoiceLine = apps.get_model("billing", "InvoiceLine")
    standing = InvoiceLine.objects.filter(corrects__isnull=True).exclude(invoice__status="credited")
    billing = models.Exists(standing.filter(time_entry=models.OuterRef("pk")))
    orphans = list(TimeEntry.objects.filter(billed_at__isnull=False).exclude(billing).values_list("pk", flat=True)[:20])
    if orphans:
        raise RuntimeError(
            "time entries marked billed without an invoice line that bills them (ids "
            f"{', '.join(map(str, orphans))}{', ...' if len(orphans) == 20 else ''}): they would be billed again. "
            "Bill them through a run or correct the data before migrating."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_portal_list_index"),
        ("billing", "0002_credit_notes"),
    ]

    operations = [
        migrations.RunPython(check_billed_entries_have_lines, migrations.RunPython.noop),
        migrations.RemoveField(model_name="timeentry", name="billed_at"),
        migrations.AlterField(
            model_name="timeentry",
            name="ticket",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="time_entries",
                to="tickets.ticket",
            ),
        ),
    ]
