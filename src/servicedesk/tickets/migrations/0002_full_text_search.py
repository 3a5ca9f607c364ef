"""Full-text search structures: an FTS5 table fed by triggers on SQLite, GIN indexes on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE tickets_search USING fts5("
    "text, ticket_id UNINDEXED, tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_message AFTER INSERT ON tickets_message BEGIN "
    "INSERT INTO tickets_search(text, ticket_id) VALUES (new.body, new.ticket_id); END",
    "CREATE TRIGGER IF NOT EXISTS tickets_search_subject AFTER INSERT ON tickets_ticket BEGIN "
    "INSERT INTO tickets_search(text, ticket_id) VALUES (new.subject, new.id); END",
    "INSERT INTO tickets_search(text, ticket_id) SELECT subject, id FROM tickets_ticket",
    "INSERT INTO tickets_search(text, ticket_id) SELECT body, ticket_id FROM tickets_message",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tickets_search_subject",
    "DROP TRIGGER IF EXISTS tickets_search_message",
    "DROP TABLE IF EXISTS tickets_search",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS tickets_message_fts ON tickets_message USING GIN (to_tsvector('simple', body))",
    "CREATE INDEX IF NOT EXISTS tickets_ticket_fts ON tickets_ticket USING GIN (to_tsvector('simple', subject))",
]
POSTGRES_BACKWARD = ["DROP INDEX IF EXISTS tickets_message_fts", "DROP INDEX IF EXISTS tickets_ticket_fts"]


SQLITE_TRIGGERS = SQLITE_FORWARD[1:3]


def restore_sqlite_triggers(apps, schema_editor):
    """SQLite rebuilds a table to alter it, dropping its triggers: a migration that alters
    tickets_message or tickets_ticket calls this afterwards."""
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
