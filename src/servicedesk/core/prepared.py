"""Queries compiled once per process and run with new values each time.

Django builds a query's SQL anew on every run. For the statements every request runs (the signed-in user with
their contact and its customer: three models, forty columns; the first page of a ticket list) that costs five to
twenty times what the database does with them. A `PreparedQuery` keeps the SQL and the compiler's plan of the
row once built, per database, and turns the rows into what the queryset would give: model instances (the
fields' converters applied, related objects cached) or, for a `.values()` queryset, dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

# Stand for the values while the query is built: numbers no id takes (ids are positive), found again among the
# parameters; within a 32-bit integer (out of a field's range, a lookup finds nothing and makes no SQL).
PLACEHOLDERS = (-2_046_913_577, -2_046_913_579, -2_046_913_583)


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
    """`make(*values)`: the queryset for these values (numbers: it is built once with placeholder numbers, each
    of which must appear once among its parameters). It is then run as Django would run it, without building
    its SQL again."""

    def __init__(self, make: Callable[..., QuerySet], *, values: int = 1):
        if not 1 <= values <= len(PLACEHOLDERS):
            raise ValueError(f"a prepared query takes 1 to {len(PLACEHOLDERS)} values")
        self._make, self._arity = make, values
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
        placeholders = PLACEHOLDERS[: self._arity]
        queryset = self._make(*placeholders).using(using)
        query = queryset.query
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        params = list(params)
        if any(params.count(placeholder) != 1 for placeholder in placeholders):
            raise ValueError("each value must appear once among the query's parameters")
        klass_info, select = compiler.klass_info, compiler.select
        compiled = _Compiled(
            sql=sql,
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
