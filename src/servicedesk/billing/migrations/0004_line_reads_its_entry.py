"""An invoice line reads the facts of its work (start, agent, description, minutes) through its time entry, which
its standing document locks; it keeps its own copy (`KeptFacts`) only where the entry is no longer locked by it
(a credited invoice, a credit note) or, in data written before, where the copy says something else."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import migrations, models

BATCH = 2000


def _own_facts(line) -> tuple:
    return (line["start"], line["agent"], line["description"], line["minutes"])


def _entry_facts(line, username: str) -> tuple:
    if line["time_entry_id"] is None:
        return (None, "", "", line["billed_minutes"])
    return (
        line["time_entry__start"],
        line[f"time_entry__agent__{username}"] or "",
        line["time_entry__description"],
        line["time_entry__minutes"],
    )


def keep_facts(apps, schema_editor):
    """Keep the copy of every line whose document does not lock its entry, or whose entry says otherwise."""
    InvoiceLine = apps.get_model("billing", "InvoiceLine")
    KeptFacts = apps.get_model("billing", "KeptFacts")
    username = get_user_model().USERNAME_FIELD
    rows = InvoiceLine.objects.order_by("id").values(
        "id",
        "start",
        "agent",
        "description",
        "minutes",
        "billed_minutes",
        "time_entry_id",
        "time_entry__start",
        f"time_entry__agent__{username}",
        "time_entry__description",
        "time_entry__minutes",
        "invoice__status",
        "invoice__credits_id",
    )
    kept = []
    for line in rows.iterator(chunk_size=BATCH):
        unlocked = line["invoice__status"] == "credited" or line["invoice__credits_id"] is not None
        if unlocked or _own_facts(line) != _entry_facts(line, username):
            start, agent, description, minutes = _own_facts(line)
            kept.append(
                KeptFacts(line_id=line["id"], start=start, agent=agent, description=description, minutes=minutes)
            )
        if len(kept) >= BATCH:
            KeptFacts.objects.bulk_create(kept)
            kept = []
    KeptFacts.objects.bulk_create(kept)


def copy_facts_back(apps, schema_editor):
    """Each line's own copy again: its kept facts, or its entry's."""
    InvoiceLine = apps.get_model("billing", "InvoiceLine")
    username = get_user_model().USERNAME_FIELD
    lines = InvoiceLine.objects.select_related("time_entry__agent", "kept").order_by("id")
    changed = []
    for line in lines.iterator(chunk_size=BATCH):
        kept = getattr(line, "kept", None)
        entry = line.time_entry
        if kept is not None:
            line.start, line.agent, line.description, line.minutes = (
                kept.start,
                kept.agent,
                kept.description,
                kept.minutes,
            )
        elif entry is not None:
            line.start, line.description, line.minutes = entry.start, entry.description, entry.minutes
            line.agent = getattr(entry.agent, username)
        else:
            line.start, line.agent, line.description, line.minutes = None, "", "", line.billed_minutes
        changed.append(line)
        if len(changed) >= BATCH:
            InvoiceLine.objects.bulk_update(changed, ["start", "agent", "description", "minutes"])
            changed = []
    InvoiceLine.objects.bulk_update(changed, ["start", "agent", "description", "minutes"])


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_corrects_index_where_set"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="KeptFacts",
            fields=[
                (
                    "line",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="kept",
                        serialize=False,
                        to="billing.invoiceline",
                    ),
                ),
                ("start", models.DateTimeField(blank=True, null=True)),
                ("agent", models.CharField(blank=True, max_length=150)),
                ("description", models.TextField(blank=True)),
                ("minutes", models.IntegerField()),
            ],
        ),
        # Reversed, the columns come back nullable first, are filled, and then made what they were.
        migrations.AlterField(model_name="invoiceline", name="minutes", field=models.IntegerField(null=True)),
        migrations.RunPython(keep_facts, copy_facts_back),
        migrations.RemoveField(model_name="invoiceline", name="agent"),
        migrations.RemoveField(model_name="invoiceline", name="description"),
        migrations.RemoveField(model_name="invoiceline", name="minutes"),
        migrations.RemoveField(model_name="invoiceline", name="start"),
    ]
