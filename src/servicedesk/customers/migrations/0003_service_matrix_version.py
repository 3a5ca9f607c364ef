"""The service matrix's version number per customer, kept by triggers (customers/matrix_version.py)."""

from django.db import migrations, models

from servicedesk.customers import matrix_version


def make_triggers(apps, schema_editor):
    matrix_version.make_triggers(schema_editor.connection)


def remove_triggers(apps, schema_editor):
    matrix_version.remove_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_portal_and_billing")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="matrix_version",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(make_triggers, remove_triggers),
    ]
