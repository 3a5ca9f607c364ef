"""Drop the single-column indexes of four foreign keys that a composite index already leads with (one index less
to write per ticket, message and event). Only the indexes are dropped: altering the fields would make SQLite
rebuild the tables, which drops the full-text search triggers of 0002."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0002_portal_and_billing"),
        ("tickets", "0010_customer_replied_notice"),
    ]

    state = [
        migrations.AlterField(
            model_name="message",
            name="ticket",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="messages",
                to="tickets.ticket",
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tickets",
                to="customers.customer",
            ),
        ),
        migrations.AlterField(
            model_name="ticket",
            name="reporter",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="tickets",
                to="customers.contact",
            ),
        ),
        migrations.AlterField(
            model_name="ticketevent",
            name="ticket",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="events", to="tickets.ticket"
            ),
        ),
    ]
    indexes = [  # (name Django gave it, table, column); the composite index that covers it in the comment
        ("tickets_message_ticket_id_a1134910", "tickets_message", "ticket_id"),  # message_ticket
        ("tickets_ticket_customer_id_f2d9135a", "tickets_ticket", "customer_id"),  # ticket_customer_due
        ("tickets_ticket_reporter_id_431a8f10", "tickets_ticket", "reporter_id"),  # ticket_reporter
        ("tickets_ticketevent_ticket_id_b572d14b", "tickets_ticketevent", "ticket_id"),  # ticket_event_ticket
    ]
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in indexes
            ],
            state_operations=state,
        )
    ]
