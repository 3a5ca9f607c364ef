"""On PostgreSQL, stored mail is compressed with lz4 instead of pglz where the server has it.

Every mail's raw bytes go through TOAST compression when the listener stores them, before the MTA gets its 250.
With lz4 that costs the server about half the CPU of pglz, and the mails measured no larger (bench/README.md,
e-mail intake). Mail stored before keeps its compression: values are not rewritten. SQLite: nothing to do.
"""

from django.db import migrations

COLUMNS = [("mail_inboundmail", "raw")]


def _compress_with(method: str):
    def apply(apps, schema_editor):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
            row = cursor.fetchone()
            if method == "lz4" and not (row and row[0]):  # a server built without lz4 keeps pglz
                return
            for table, column in COLUMNS:
                quote = schema_editor.quote_name
                cursor.execute(f"ALTER TABLE {quote(table)} ALTER COLUMN {quote(column)} SET COMPRESSION {method}")

    return apply


class Migration(migrations.Migration):
    dependencies = [("mail", "0003_mailboxes_and_bounces")]

    operations = [migrations.RunPython(_compress_with("lz4"), _compress_with("DEFAULT"))]
