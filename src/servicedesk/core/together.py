"""New rows of several tables written together: on PostgreSQL as one statement, in one round trip.

A reported ticket is five rows in five tables (the ticket, its first message, its audit event, the
acknowledgement, the task that delivers it), each referring to the one before. Written one by one, each INSERT
waits for the key the database gives its row, and the transaction around them adds a BEGIN and a COMMIT: seven
round trips to the server, each costing both processes more than the INSERT itself.

`rows_together(reserve)` takes the keys first, from the tables' own sequences (`nextval`, in one query; a key
taken and not used is a gap in the numbering, as a rolled-back INSERT leaves one), so rows know each other's keys
before anything is written. Inside the block `PreparedInsert.create` gives the objects their keys and keeps its
INSERT instead of running it; at the end of the block the kept INSERTs run as one statement (data-modifying
common table expressions): two round trips instead of seven, and outside a transaction the statement is one by
itself. Foreign keys are checked when the statement ends (Django makes them deferrable), so the order of the
INSERTs within it does not matter. If the block raises, nothing kept is written.

Elsewhere (SQLite: no round trips to save) the block is a transaction (`atomic`, no savepoint) and the rows are
written as they come. Only prepared INSERTs are kept; other writes inside the block would run before them, so
the block should hold nothing else that writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import psycopg
from django.db import NotSupportedError, connections, transaction
from django.db.models import Model


@dataclass
class Pending:
    keys: dict[type[Model], list]  # reserved primary keys per model, in the order they are given out
    statements: list[tuple[str, list]] = field(default_factory=list)  # (INSERT, parameters) kept

    def take_keys(self, model: type[Model], count: int) -> list | None:
        """The next `count` reserved keys of `model`; None (none taken) when fewer are left."""
        keys = self.keys.get(model, [])
        if len(keys) < count:
            return None
        taken, self.keys[model] = keys[:count], keys[count:]
        return taken

    def flush(self, using: str) -> None:
        """Write what is kept now (something that cannot be kept comes next)."""
        self.write(using)
        self.statements.clear()

    def write(self, using: str) -> None:
        if not self.statements:
            return
        *first, (last, last_params) = self.statements
        parts = [f"w{n} AS ({statement})" for n, (statement, _params) in enumerate(first)]
        sql = (f"WITH {', '.join(parts)} " if parts else "") + last
        params = [value for _statement, values in first for value in values] + list(last_params)
        db = connections[using]
        if db.queries_logged:  # DEBUG, or a test counting queries: logged as Django logs any query
            with db.cursor() as cursor:
                cursor.execute(sql, params)
            return
        # psycopg converts a statement's %s to $1, $2, ... on every run unless it is short and has few parameters
        # (4096 characters, 50 parameters): this one is neither, so it is given in PostgreSQL's own placeholders
        # (converted once) to a RawCursor, wrapped as Django wraps its cursors (its errors).
        db.ensure_connection()
        with db.make_cursor(psycopg.RawCursor(db.connection)) as cursor:
            cursor.execute(native_placeholders(sql), params)


@lru_cache(maxsize=64)
def native_placeholders(sql: str) -> str:
    """`sql` with Django's %s placeholders as PostgreSQL's $1, $2, ... (and %% as %)."""
    parts = sql.split("%s")
    if any("%" in part.replace("%%", "") for part in parts):
        raise ValueError(f"a % that is no placeholder in: {sql[:200]}")
    last = len(parts) - 1
    return "".join(part.replace("%%", "%") + (f"${n + 1}" if n < last else "") for n, part in enumerate(parts))


def pending_rows(using: str) -> Pending | None:
    """The block this connection is in, if any (`PreparedInsert.create` asks)."""
    return connections[using].__dict__.get("_rows_together")


@contextmanager
def rows_together(reserve: dict[type[Model], int], *, using: str = "default") -> Iterator[None]:
    """Write the prepared INSERTs of the block as one statement (PostgreSQL); `reserve`: how many keys to take
    for new rows of each model with a key the database makes. A block inside a block joins the outer one."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using, savepoint=False):
            yield
        return
    outer = pending_rows(using)
    if outer is not None:
        for model, keys in reserve_keys(reserve, using=using).items():
            outer.keys.setdefault(model, []).extend(keys)
        yield
        return
    pending = Pending(keys=reserve_keys(reserve, using=using))
    connection.__dict__["_rows_together"] = pending
    try:
        yield
    finally:
        del connection.__dict__["_rows_together"]
    pending.write(using)


def reserve_keys(counts: dict[type[Model], int], *, using: str = "default") -> dict[type[Model], list]:
    """`count` new primary keys of each model, ascending, from its sequence: one query for all (PostgreSQL)."""
    if connections[using].vendor != "postgresql":
        raise NotSupportedError("keys are reserved from sequences: PostgreSQL only")
    wanted = [(model, count) for model, count in counts.items() if count > 0]
    if not wanted:
        return {}
    with connections[using].cursor() as cursor:
        cursor.execute(_keys_query(tuple((_sequence(model, using), count) for model, count in wanted)))
        row = cursor.fetchone()
    return {model: sorted(keys) for (model, _count), keys in zip(wanted, row, strict=True)}


@lru_cache(maxsize=64)
def _keys_query(wanted: tuple[tuple[str, int], ...]) -> str:
    """The query taking `count` keys from each sequence, its names and counts written in: a statement without
    parameters, which PostgreSQL plans once per connection (with them it planned the query on every run)."""
    columns = [
        f"ARRAY[nextval({text_literal(sequence)}::regclass)]"
        if count == 1
        else f"ARRAY(SELECT nextval({text_literal(sequence)}::regclass) FROM generate_series(1, {int(count)}))"
        for sequence, count in wanted
    ]
    return "SELECT " + ", ".join(columns)


def text_literal(text: str) -> str:
    """`text` as an SQL string literal (standard_conforming_strings, on since PostgreSQL 9.1)."""
    return "'" + text.replace("'", "''") + "'"


_SEQUENCES: dict[tuple[str, type[Model]], str] = {}


def _sequence(model: type[Model], using: str) -> str:
    """The sequence that gives `model`'s primary keys (an identity column's or a serial's), looked up once."""
    known = _SEQUENCES.get((using, model))
    if known is None:
        if not model._meta.pk.db_returning:
            raise ValueError(f"{model._meta.label}'s keys are not made by the database")
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [connections[using].ops.quote_name(model._meta.db_table), model._meta.pk.column],
            )
            known = cursor.fetchone()[0]
        if known is None:
            raise ValueError(f"{model._meta.label}'s primary key has no sequence")
        _SEQUENCES[using, model] = known
    return known
