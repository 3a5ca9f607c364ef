"""The service matrix's version number (`Customer.matrix_version`), kept by the database: every insert, update or
delete of a matrix item raises its customer's number, however it is written (a service function, the admin, a
bulk load, SQL by hand), and a write of a lower number (a customer saved from a copy read earlier) keeps the
higher one. A process that keeps a customer's matrix knows it still stands while the number it read it under
does (`selectors.active_matrix_items`).

The triggers are made by the migration that added the number and made again after every `migrate`
(`ensure_triggers`, on post_migrate): SQLite drops a table's triggers when a migration rebuilds the table to
alter it.
"""

from __future__ import annotations

ITEMS = "customers_servicematrixitem"
CUSTOMERS = "customers_customer"

# The new number is the clock in microseconds, or one more than the last if that is more: it grows with every
# change and does not come back when a database is emptied or restored under a running process (nor between
# tests); a customer made afresh starts at 0, which no change gives.
_CLOCK = {
    "sqlite": "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)",
    "postgresql": "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint",
}
_HIGHER = {"sqlite": "max", "postgresql": "greatest"}


def _raise(vendor: str, customer: str) -> str:
    """The statement raising the number of the customer `customer` (an SQL expression, e.g. new.customer_id)."""
    return (
        f"UPDATE {CUSTOMERS} SET matrix_version = {_HIGHER[vendor]}(matrix_version + 1, {_CLOCK[vendor]}) "
        f"WHERE id = {customer}"
    )


SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS customers_matrix_item_added AFTER INSERT ON {ITEMS} "
    f"BEGIN {_raise('sqlite', 'new.customer_id')}; END",
    f"CREATE TRIGGER IF NOT EXISTS customers_matrix_item_changed AFTER UPDATE ON {ITEMS} "
    f"BEGIN {_raise('sqlite', 'new.customer_id')}; "
    f"{_raise('sqlite', 'old.customer_id')} AND old.customer_id IS NOT new.customer_id; END",
    f"CREATE TRIGGER IF NOT EXISTS customers_matrix_item_removed AFTER DELETE ON {ITEMS} "
    f"BEGIN {_raise('sqlite', 'old.customer_id')}; END",
    # SQLite's triggers cannot change the row being written: the lower number is put back after it.
    f"CREATE TRIGGER IF NOT EXISTS customers_matrix_version_kept AFTER UPDATE OF matrix_version ON {CUSTOMERS} "
    f"WHEN new.matrix_version < old.matrix_version "
    f"BEGIN UPDATE {CUSTOMERS} SET matrix_version = old.matrix_version WHERE id = new.id; END",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS customers_matrix_item_added",
    "DROP TRIGGER IF EXISTS customers_matrix_item_changed",
    "DROP TRIGGER IF EXISTS customers_matrix_item_removed",
    "DROP TRIGGER IF EXISTS customers_matrix_version_kept",
]

POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION customers_matrix_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"IF TG_OP <> 'DELETE' THEN {_raise('postgresql', 'NEW.customer_id')}; END IF; "
    "IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.customer_id IS DISTINCT FROM NEW.customer_id) THEN "
    f"{_raise('postgresql', 'OLD.customer_id')}; END IF; "
    "RETURN NULL; END $$",
    f"CREATE OR REPLACE TRIGGER customers_matrix_changed AFTER INSERT OR UPDATE OR DELETE ON {ITEMS} "
    "FOR EACH ROW EXECUTE FUNCTION customers_matrix_changed()",
    "CREATE OR REPLACE FUNCTION customers_matrix_version_kept() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.matrix_version := OLD.matrix_version; RETURN NEW; END $$",
    f"CREATE OR REPLACE TRIGGER customers_matrix_version_kept BEFORE UPDATE OF matrix_version ON {CUSTOMERS} "
    "FOR EACH ROW WHEN (NEW.matrix_version < OLD.matrix_version) EXECUTE FUNCTION customers_matrix_version_kept()",
]
POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS customers_matrix_changed ON {ITEMS}",
    "DROP FUNCTION IF EXISTS customers_matrix_changed()",
    f"DROP TRIGGER IF EXISTS customers_matrix_version_kept ON {CUSTOMERS}",
    "DROP FUNCTION IF EXISTS customers_matrix_version_kept()",
]

_MAKE = {"sqlite": SQLITE, "postgresql": POSTGRESQL}
_REMOVE = {"sqlite": SQLITE_REMOVE, "postgresql": POSTGRESQL_REMOVE}


def make_triggers(connection) -> None:
    """Create the triggers (again): nothing happens to triggers that are there."""
    if connection.vendor not in _MAKE:
        raise NotImplementedError(f"no service matrix version triggers for {connection.vendor}")
    with connection.cursor() as cursor:
        for statement in _MAKE[connection.vendor]:
            cursor.execute(statement)


def remove_triggers(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _REMOVE.get(connection.vendor, []):
            cursor.execute(statement)


def ensure_triggers(using: str = "default", **_signal) -> None:
    """post_migrate: the triggers, where the number exists (a database migrated back to before it has none)."""
    from django.db import connections

    connection = connections[using]
    with connection.cursor() as cursor:
        if ITEMS not in connection.introspection.table_names(cursor):
            return
        columns = {column.name for column in connection.introspection.get_table_description(cursor, CUSTOMERS)}
    if "matrix_version" in columns:
        make_triggers(connection)
