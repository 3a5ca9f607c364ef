"""The tickets' tables keep the indexes their queries use, and not the ones a composite index already covers."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

COVERED = {  # dropped (tickets 0011): the composite index that leads with the same column
    "tickets_ticket": {
        "tickets_ticket_customer_id_f2d9135a": "ticket_customer_due",
        "tickets_ticket_reporter_id_431a8f10": "ticket_reporter",
    },
    "tickets_message": {"tickets_message_ticket_id_a1134910": "message_ticket"},
    "tickets_ticketevent": {"tickets_ticketevent_ticket_id_b572d14b": "ticket_event_ticket"},
}


@pytest.mark.parametrize("table", sorted(COVERED))
def test_single_column_indexes_covered_by_a_composite_one_are_gone(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for dropped, covering in COVERED[table].items():
        assert dropped not in constraints
        column = constraints[covering]["columns"][0]
        assert constraints[covering]["index"] and column == dropped.removeprefix(f"{table}_").rsplit("_", 1)[0]


def test_the_search_structures_are_there():
    """SQLite feeds its FTS5 table by triggers; PostgreSQL searches through GIN indexes on the text vectors."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tickets_search%'")
        else:
            cursor.execute(
                "SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gin%' AND indexdef LIKE '%to_tsvector%'"
            )
        assert {row[0] for row in cursor.fetchall()} >= {"tickets_ticket", "tickets_message"}


def test_search_finds_subjects_and_messages_after_a_migrate():
    from django.core.management import call_command

    from servicedesk.tickets import services
    from servicedesk.tickets.search import search_ticket_ids
    from tests import factories

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # as Django's table rebuild leaves them: migrate makes them again
            cursor.execute("DROP TRIGGER tickets_search_subject")
            cursor.execute("DROP TRIGGER tickets_search_message")
    call_command("migrate", verbosity=0)
    contact = factories.contact(factories.customer("Bakkerij De Korrel"), "Anja", main=True)
    ticket = services.ticket_create(reporter=contact, subject="Kassasysteem", body="Bonprinter hapert", channel="email")
    assert search_ticket_ids("kassasysteem") == [ticket.pk]
    assert search_ticket_ids("bonprinter") == [ticket.pk]
    assert search_ticket_ids("broodrooster") == []
