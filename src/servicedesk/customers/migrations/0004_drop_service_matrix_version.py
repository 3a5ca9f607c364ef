"""The service matrix's version number goes, with the triggers that kept it: the portal reads a customer's
matrix from the database on every form (one indexed query), not from a per-process copy."""

from django.db import migrations

DROP = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS customers_matrix_item_added",
        "DROP TRIGGER IF EXISTS customers_matrix_item_changed",
        "DROP TRIGGER IF EXISTS customers_matrix_item_removed",
        "DROP TRIGGER IF EXISTS customers_matrix_version_kept",
    ],
    "postgresql": [
        "DROP TRIGGER IF EXISTS customers_matrix_changed ON customers_servicematrixitem",
        "DROP FUNCTION IF EXISTS customers_matrix_changed()",
        "DROP TRIGGER IF EXISTS customers_matrix_version_kept ON customers_customer",
        "DROP FUNCTION IF EXISTS customers_matrix_version_kept()",
    ],
}


def drop_triggers(apps, schema_editor):
    for statement in DROP.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_service_matrix_version")]

    operations = [
        migrations.RunPython(drop_triggers, migrations.RunPython.noop),
        migrations.RemoveField(model_name="customer", name="matrix_version"),
    ]
