"""Fast inserts of many rows with our own primary keys: executemany on SQLite, COPY on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max, Model

SUPPORTED = ("sqlite", "postgresql")


class Table:
    """A model's table with the columns we fill, in row order; other columns get their default."""

    def __init__(self, model: type[Model], attnames: Sequence[str]):
        fields = {field.attname: field for field in model._meta.concrete_fields}
        unknown = [name for name in attnames if name not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
        self.model = model
        self.name = model._meta.db_table
        extra_columns, extra_values = [], []
        for field in model._meta.concrete_fields:
            if field.attname in attnames:
                continue
            if field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            else:
                raise ValueError(f"{model.__name__}.{field.name} has no default; the generator must fill it")
            extra_columns.append(field.column)
            extra_values.append(field.get_db_prep_save(value, connection))
        self.columns = [fields[name].column for name in attnames] + extra_columns
        self.extra = tuple(extra_values)

    def next_id(self) -> int:
        """The first primary key after the ones in use."""
        return (self.model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


class Writer:
    """Writes rows to tables of the default database, the fastest way its backend offers."""

    def __init__(self):
        self.vendor = connection.vendor
        if self.vendor not in SUPPORTED:
            raise ValueError(f"generate supports SQLite and PostgreSQL, not {self.vendor}")
        self.timestamp = _timestamp_formatter("+00" if self.vendor == "postgresql" else "")
        self._sqlite_restore: list[str] = []
        self._staged: set[str] = set()

    def start(self) -> None:
        """Session settings for a bulk load (SQLite: no fsync per commit, a big page cache)."""
        connection.ensure_connection()
        if self.vendor == "sqlite" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                for pragma, value in (("synchronous", "OFF"), ("cache_size", "-262144"), ("temp_store", "MEMORY")):
                    cursor.execute(f"PRAGMA {pragma}")
                    self._sqlite_restore.append(f"PRAGMA {pragma} = {cursor.fetchone()[0]}")
                    cursor.execute(f"PRAGMA {pragma} = {value}")

    def begin_batch(self) -> None:
        """Called inside each batch's transaction."""
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")

    def insert(self, table: Table, rows: Iterable[tuple]) -> None:
        if table.extra:
            rows = (row + table.extra for row in rows)
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        name = connection.ops.quote_name(table.name)
        if self.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self._sqlite_insert(table, name, columns, rows)

    def _sqlite_insert(self, table: Table, name: str, columns: str, rows: Iterable[tuple]) -> None:
        """Rows go to a temporary table first, then into the table in one statement.

        One statement instead of one per row matters where triggers feed a full-text index: FTS5 flushes
        its buffer at the end of every statement, so row by row it would write the index once per row.
        """
        raw = connection.connection
        stage = f"load_{table.name}"
        if stage not in self._staged:
            raw.execute(f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({columns})")
            self._staged.add(stage)
        marks = ", ".join("?" * len(table.columns))
        raw.executemany(f"INSERT INTO temp.{stage} VALUES ({marks})", rows)
        raw.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM temp.{stage}")
        raw.execute(f"DELETE FROM temp.{stage}")

    def finish(self, models: Sequence[type[Model]]) -> None:
        """Move PostgreSQL's id sequences past the ids we gave out, update statistics, undo session settings."""
        statements = connection.ops.sequence_reset_sql(no_style(), list(models))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            # Fresh statistics and visibility: until autovacuum gets to it, PostgreSQL plans for empty
            # tables, and its first readers rewrite every fresh page (hint bits).
            if connection.vendor == "postgresql" and connection.get_autocommit():
                for model in models:
                    cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
            for stage in self._staged:
                cursor.execute(f"DROP TABLE IF EXISTS temp.{stage}")
            for statement in self._sqlite_restore:
                cursor.execute(statement)
        self._sqlite_restore, self._staged = [], set()


def _timestamp_formatter(suffix: str):
    """Seconds since the epoch to the text the database reads as that UTC instant (hours are cached)."""
    hours: dict[int, str] = {}

    def timestamp(seconds: int) -> str:
        hour, rest = divmod(seconds, 3600)
        prefix = hours.get(hour)
        if prefix is None:
            prefix = hours[hour] = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%d %H:")
        minute, second = divmod(rest, 60)
        return f"{prefix}{minute:02d}:{second:02d}{suffix}"

    return timestamp
