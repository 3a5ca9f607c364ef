"""Full-text search over ticket subjects and messages: SQLite FTS5 or PostgreSQL text search.

The index structures are created by migration 0002 (triggers on SQLite, GIN indexes on PostgreSQL); the
SQLite triggers are made again after every migrate (`ensure_sqlite_triggers`).
"""

from __future__ import annotations

import importlib
import re

from django.db import connection, connections

from servicedesk.core.numbers import id_from

MAX_MATCHES = 1000
_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(query: str) -> list[str]:
    """The words of a query, lower-cased; punctuation and operators are dropped."""
    return [word.lower() for word in _WORD.findall(query)][:12]


def search_ticket_ids(query: str, *, limit: int = MAX_MATCHES) -> list[int]:
    """Ids of tickets whose subject and messages together contain every word of the query (as word prefixes).

    A query that is a ticket number ('123' or '#123') finds that ticket too.
    """
    words = search_words(query)
    if not words:
        return []
    ids: list[int] = []
    number = id_from(query.strip().lstrip("#"))
    if number is not None:
        ids.append(number)
    # A ticket matches when each word is in its subject or in one of its messages, not necessarily the same one:
    # one set of tickets per word, intersected.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            per_word = (
                "(SELECT ticket_id FROM tickets_message WHERE to_tsvector('simple', body) @@ to_tsquery('simple', %s)"
                " UNION SELECT id FROM tickets_ticket WHERE to_tsvector('simple', subject) @@ to_tsquery('simple', %s))"
            )
            params = [param for word in words for param in (f"{word}:*", f"{word}:*")]
        else:
            per_word = "SELECT DISTINCT ticket_id FROM tickets_search WHERE tickets_search MATCH %s"
            params = ['"{}"*'.format(word.replace('"', '""')) for word in words]
        cursor.execute(" INTERSECT ".join([per_word] * len(words)) + " LIMIT %s", [*params, limit])
        ids.extend(row[0] for row in cursor.fetchall())
    return ids


def ensure_sqlite_triggers(using: str = "default", **_signal) -> None:
    """post_migrate: the triggers that feed SQLite's search table, made again if a migration that rebuilt
    tickets_ticket or tickets_message dropped them (SQLite alters a table by rebuilding it) and did not restore
    them itself. Nothing on PostgreSQL (its search indexes are indexes)."""
    database = connections[using]
    if database.vendor != "sqlite":
        return
    with database.cursor() as cursor:
        if "tickets_search" not in database.introspection.table_names(cursor):
            return
        for statement in importlib.import_module(
            "servicedesk.tickets.migrations.0002_full_text_search"
        ).SQLITE_TRIGGERS:
            cursor.execute(statement)
