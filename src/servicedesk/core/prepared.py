"""Statements compiled once per process and run with new values each time.

Django builds a query's SQL anew on every run. For the statements every request runs (the signed-in user with
their contact and its customer: three models, forty columns; the first page of a ticket list) that costs five to
twenty times what the database does with them. A `PreparedQuery` keeps the SQL and the compiler's plan of the
row once built, per database, and turns the rows into what the queryset would give: model instances (the
fields' converters applied, related objects cached) or, for a `.values()` queryset, dicts. A `PreparedInsert`
does the same for `bulk_create` of new rows (a ticket, its first message and audit event, an outgoing mail:
every report writes them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import NOT_PROVIDED, AutoField, Model, QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLCompiler

from servicedesk.core.together import Pending, pending_rows, text_literal

# Stand for the values while the query is built: numbers no id takes (ids are positive), found again among the
# parameters; within a 32-bit integer (out of a field's range, a lookup finds nothing and makes no SQL).
PLACEHOLDERS = (-2_046_913_577, -2_046_913_579, -2_046_913_583)
# The same for text values: no text a user sends holds a NUL (neither database stores one).
TEXT_PLACEHOLDERS = ("\x00prepared text value 1\x00", "\x00prepared text value 2\x00")


@dataclass
class _Compiled:
    sql: str
    params: list
    slots: list[int]  # where each value goes among the parameters
    compiler: SQLCompiler
    converters: dict  # column -> the converters of its field (SQLCompiler.get_converters)
    model: type[Model] | None  # None: a .values() query, rows as dicts with `names`
    names: list[str]
    init_list: list[str]
    fields: slice  # the main model's columns in a row
    populators: list


class PreparedQuery:
    """`make(*values)`: the queryset for these values (`values` numbers, then `texts` texts: it is built once
    with placeholders, each of which must appear once among its parameters). It is then run as Django would run
    it, without building its SQL again."""

    def __init__(
        self,
        make: Callable[..., QuerySet],
        *,
        values: int = 1,
        texts: int = 0,
        wrap: Callable[[str, str], str] | None = None,
    ):
        """`wrap(sql, using)`, if given, makes the SQL run from the queryset's: a statement around it that gives
        the same columns in the same order (what the ORM cannot say, e.g. a join after a LIMIT)."""
        if not (0 <= values <= len(PLACEHOLDERS) and 0 <= texts <= len(TEXT_PLACEHOLDERS) and values + texts):
            raise ValueError(
                f"a prepared query takes 1 to {len(PLACEHOLDERS)} numbers and at most {len(TEXT_PLACEHOLDERS)} texts,"
                " at least one value in all"
            )
        self._make, self._wrap = make, wrap
        self._placeholders = PLACEHOLDERS[:values] + TEXT_PLACEHOLDERS[:texts]
        self._arity = len(self._placeholders)
        self._compiled: dict[str, _Compiled] = {}

    def first(self, *values: Any, using: str = "default") -> Any:
        """What the queryset's first row gives for `values`, or None."""
        found = self._run(values, using, 1)
        return found[0] if found else None

    def all(self, *values: Any, using: str = "default") -> list:
        """What the queryset gives for `values`, in its order."""
        return self._run(values, using, None)

    def _run(self, values: tuple, using: str, most: int | None) -> list:
        if len(values) != self._arity:
            raise TypeError(f"this prepared query takes {self._arity} value(s), not {len(values)}")
        compiled = self._compiled.get(using) or self._compile(using)
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, values, strict=True):
            params[slot] = value
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall() if most is None else cursor.fetchmany(most)
        if compiled.converters:  # what the fields make of the database's values (SQLite's dates, booleans)
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        if compiled.model is None:
            names = compiled.names
            return [dict(zip(names, row, strict=False)) for row in rows]
        instances = []
        for row in rows:
            instance = compiled.model.from_db(using, compiled.init_list, row[compiled.fields])
            for populator in compiled.populators:
                populator.populate(row, instance)
            instances.append(instance)
        return instances

    def _compile(self, using: str) -> _Compiled:
        placeholders = self._placeholders
        queryset = self._make(*placeholders).using(using)
        query = queryset.query
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = list(params)
        if any(params.count(placeholder) != 1 for placeholder in placeholders):
            raise ValueError("each value must appear once among the query's parameters")
        sql, params = constants_written_in(sql, params, keep=placeholders)
        klass_info, select = compiler.klass_info, compiler.select
        compiled = _Compiled(
            sql=sql if self._wrap is None else self._wrap(sql, using),
            params=params,
            slots=[params.index(placeholder) for placeholder in placeholders],
            compiler=compiler,
            converters=compiler.get_converters([column[0] for column in select[: compiler.col_count]]),
            model=None,
            names=list(query.selected or [*query.extra_select, *query.values_select, *query.annotation_select]),
            init_list=[],
            fields=slice(0, 0),
            populators=[],
        )
        kind = queryset._iterable_class  # what iterating the queryset gives (Django keeps no public name for it)
        if kind not in (ModelIterable, ValuesIterable):
            raise ValueError("a prepared query gives model instances or .values() dicts")
        if kind is ModelIterable:  # model instances, as ModelIterable makes them
            columns = klass_info["select_fields"]
            compiled.model = klass_info["model"]
            compiled.fields = slice(columns[0], columns[-1] + 1)
            compiled.init_list = [column[0].target.attname for column in select[compiled.fields]]
            compiled.populators = get_related_populators(klass_info, select, using)
        self._compiled[using] = compiled
        return compiled


_PLACEHOLDER_OR_PERCENT = re.compile(r"%[s%]")


def constants_written_in(sql: str, params: list, *, keep: tuple) -> tuple[str, list]:
    """`sql` with its parameters written in as SQL literals where they are constants (text, whole numbers and
    booleans), except the values in `keep`; the parameters left. PostgreSQL's plan of a prepared statement for
    any values of its parameters (its generic plan) cannot use a partial index whose condition is on one: with
    `status <> $2` not the index of open tickets (`NOT status = 'closed'`). It then plans the statement afresh on
    every run, or, where its statistics call the table small, keeps a plan that reads and sorts all of a
    customer's tickets. With the constant in the text, one plan serves every run and uses the index. (SQLite
    plans with the values bound.)"""
    pieces = []
    left = []
    at = 0
    values = iter(params)
    for match in _PLACEHOLDER_OR_PERCENT.finditer(sql):
        if match.group() == "%%":
            continue
        value = next(values, _END)
        if value is _END:
            raise ValueError(f"fewer parameters than placeholders in: {sql[:200]}")
        literal = None if value in keep else _sql_literal(value)
        pieces.append(sql[at : match.start()])
        if literal is None:
            pieces.append("%s")
            left.append(value)
        else:
            pieces.append(literal)
        at = match.end()
    if next(values, _END) is not _END:
        raise ValueError(f"more parameters than placeholders in: {sql[:200]}")
    pieces.append(sql[at:])
    return "".join(pieces), left


_END = object()


def _sql_literal(value) -> str | None:
    """`value` as an SQL literal in a statement that Django formats (a % doubled), or None: not written in."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value) if value >= 0 else f"({value})"  # never "--", a comment, after a minus
    if isinstance(value, str) and "\x00" not in value:
        return text_literal(value).replace("%", "%%")
    return None


MOST_ROWS = 500  # rows in one INSERT at most (each row count's SQL is kept)


@dataclass
class _InsertShape:
    prefix: str  # INSERT INTO ... VALUES
    row: str  # (%s, %s, ...)
    suffix: str  # RETURNING the primary key, when the database makes it
    fields: list  # the columns written, in order
    batch: int  # rows per statement (the database's limit of parameters)
    returning: bool
    converters: dict  # what the field makes of a returned primary key
    compiler: SQLCompiler
    statements: dict[int, str]  # rows -> SQL
    columns_sql: str | None  # PostgreSQL: one statement for any number of rows, a parameter (an array) per column


class PreparedInsert:
    """`bulk_create(objs)` for new rows of `model`: the same rows, primary keys set on the objects (made by the
    database for an auto field, by the field's default otherwise), no signals and no `save()` (as bulk_create);
    but the INSERT's SQL is built once per database rather than on every call. Each field still prepares its own
    value (`pre_save`, `get_db_prep_save`), so what is stored is what the ORM would store. Models with generated
    columns or database defaults are refused."""

    def __init__(self, model: type[Model], *, skip_conflicts_on: str | None = None):
        self.model = model
        self._auto = isinstance(model._meta.pk, AutoField)
        self._shapes: dict[str, _InsertShape] = {}
        self._keyed_shapes: dict[str, _InsertShape] = {}  # with the primary key's column (keys reserved ahead)
        # A unique field: rows whose value is taken already (or twice in one call) are not written, not refused.
        self._unique = model._meta.get_field(skip_conflicts_on) if skip_conflicts_on else None
        if self._unique is not None and not (self._unique.unique and self._auto):
            raise ValueError(f"{skip_conflicts_on} is not a unique field of a model with an auto key")

    def create(self, objs: list[Model], *, using: str = "default") -> list[Model]:
        """Write `objs`; the objects written (all of them, unless conflicts are skipped: then those that were)."""
        if not objs:
            return objs
        connection = connections[using]
        pk = self.model._meta.pk
        for obj in objs:
            if not obj._is_pk_set():
                if not self._auto:
                    obj.pk = pk.get_pk_value_on_save(obj)
            elif self._auto:
                raise ValueError(f"{obj!r} has a primary key already: a prepared insert writes new rows only")
            obj._prepare_related_fields_for_save(operation_name="bulk_create")  # a parent saved after assignment
        pending = pending_rows(using)
        if pending is not None:  # inside `rows_together` (core/together.py)
            if self._unique is None and self._keep(objs, pending, using):
                return objs
            pending.flush(using)  # what cannot wait is written after what came before it
        shape = self._shapes.get(using) or self._compile(objs[0], using)
        fields = shape.fields
        written = []
        for start in range(0, len(objs), shape.batch):
            batch = objs[start : start + shape.batch]
            if len(batch) > 1 and shape.columns_sql:
                sql = shape.columns_sql
                params = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in batch] for f in fields]
            else:
                params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in batch for f in fields]
                sql = shape.statements.get(len(batch))
                if sql is None:
                    sql = shape.prefix + ", ".join([shape.row] * len(batch)) + shape.suffix
                    shape.statements[len(batch)] = sql
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall() if shape.returning else []
            if self._unique is not None:  # the rows written, known by their unique value
                batch = self._matched(batch, rows)
            elif shape.returning:
                if len(rows) != len(batch):
                    raise RuntimeError(f"{len(batch)} rows inserted but {len(rows)} keys returned")
                if shape.converters:
                    rows = shape.compiler.apply_converters(rows, shape.converters)
                for obj, (key,) in zip(batch, rows, strict=True):
                    obj.pk = key
            for obj in batch:
                obj._state.adding = False
                obj._state.db = using
            written.extend(batch)
        return written

    def _keep(self, objs: list[Model], pending: Pending, using: str) -> bool:
        """Give the objects their reserved keys and keep their INSERT for the block's statement; False (nothing
        done) when too few keys of this model were reserved."""
        if self._auto:
            keys = pending.take_keys(self.model, len(objs))
            if keys is None:
                return False
            for obj, key in zip(objs, keys, strict=True):
                obj.pk = key
        shapes = self._keyed_shapes if self._auto else self._shapes
        shape = shapes.get(using) or self._compile(objs[0], using, keyed=self._auto)
        connection = connections[using]
        fields = shape.fields
        if len(objs) > 1 and shape.columns_sql:
            sql = shape.columns_sql
            params = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs] for f in fields]
        else:
            sql = shape.prefix + ", ".join([shape.row] * len(objs))
            params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
        pending.statements.append((sql, params))
        for obj in objs:
            obj._state.adding = False
            obj._state.db = using
        return True

    def _matched(self, batch: list[Model], rows: list) -> list[Model]:
        waiting: dict = {}
        for obj in batch:  # of objects with the same value the first is written, as the database does
            waiting.setdefault(getattr(obj, self._unique.attname), obj)
        written = []
        for key, value in rows:
            obj = waiting.pop(value)
            obj.pk = key
            written.append(obj)
        return written

    def _compile(self, example: Model, using: str, *, keyed: bool = False) -> _InsertShape:
        """The statements of this model's INSERT; `keyed`: with the primary key's column, its value given (keys
        reserved ahead), nothing returned."""
        connection = connections[using]
        opts = self.model._meta
        if any(f.generated or f.db_default is not NOT_PROVIDED for f in opts.concrete_fields):
            raise ValueError(f"{opts.label} has generated columns or database defaults: use bulk_create")
        returning = list(opts.db_returning_fields)
        if returning != ([opts.pk] if self._auto else []):
            raise ValueError(f"{opts.label} returns other columns from an insert: use bulk_create")
        if keyed:
            returning = []
        if returning and not connection.features.can_return_rows_from_bulk_insert:
            raise ValueError(f"{connection.vendor} cannot return the keys of inserted rows")
        fields = [f for f in opts.concrete_fields if keyed or not (self._auto and f is opts.pk)]
        query = InsertQuery(self.model)
        query.insert_values(fields, [example])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = returning or None
        [(sql, _params)] = compiler.as_sql()
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        head, values, rest = sql.partition(" VALUES ")
        if not values or not rest.startswith(row) or sql.count("%s") != len(fields):
            raise ValueError(f"unexpected INSERT for {opts.label}: {sql}")
        suffix = rest[len(row) :]
        if self._unique is not None:  # SQLite and PostgreSQL alike; RETURNING gives the rows written only
            quote, table = connection.ops.quote_name, connection.ops.quote_name(opts.db_table)
            if not suffix.startswith(" RETURNING "):
                raise ValueError(f"unexpected INSERT for {opts.label}: {sql}")
            column = quote(self._unique.column)
            suffix = f" ON CONFLICT ({column}) DO NOTHING RETURNING {table}.{quote(opts.pk.column)}, {table}.{column}"
            sql = head + values + row + suffix
        shape = _InsertShape(
            prefix=head + values,
            row=row,
            suffix=suffix,
            fields=fields,
            batch=max(min(connection.ops.bulk_batch_size(fields, [example] * MOST_ROWS), MOST_ROWS), 1),
            returning=bool(returning),
            converters=compiler.get_converters([opts.pk.get_col(opts.db_table)]) if returning else {},
            compiler=compiler,
            statements={1: sql},
            columns_sql=self._columns_sql(example, fields, returning, suffix, using),
        )
        (self._keyed_shapes if keyed else self._shapes)[using] = shape
        return shape

    def _columns_sql(self, example: Model, fields: list, returning: list, suffix: str, using: str) -> str | None:
        """The statement Django's bulk_create writes for several rows when it takes a parameter per column
        (PostgreSQL's `SELECT * FROM UNNEST(%s::type[], ...)`), with our suffix; None where it does not. Its
        text is the same for any number of rows: the driver converts it once and the server prepares it, where a
        VALUES list of a hundred rows is a new, long statement each time (6 ms of psycopg's Python per call)."""
        query = InsertQuery(self.model)
        query.insert_values(fields, [example, example])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = returning or None
        [(sql, _params)] = compiler.as_sql()
        if " UNNEST(" not in sql or " VALUES " in sql or sql.count("%s") != len(fields):
            return None
        if returning:
            sql = sql.partition(" RETURNING ")[0]
        return sql + suffix
