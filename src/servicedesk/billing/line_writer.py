"""Writing a billing run's invoice lines in bulk: one `COPY` on PostgreSQL, one prepared `INSERT` run for
all rows on SQLite. A confirmation writes a line per billed entry (a million in a large run); through
model instances and `bulk_create` every value of every line is prepared by its field, which cost more
than computing the lines."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db import connection

from servicedesk.billing.models import InvoiceLine
from servicedesk.billing.specification import Plan, SpecLine, specification_chunks

COLUMNS = (
    "invoice_id",
    "ticket_id",
    "time_entry_id",
    "kind",
    "start",
    "agent",
    "description",
    "minutes",
    "billed_minutes",
    "bands",
    "hourly_rate",
    "amount_cents",
    "free_reason",
    "late",
    "corrects_id",
    "rate_told",
)


def document_rows(lines: Iterable[SpecLine]) -> list[tuple]:
    """Specification lines as rows of COLUMNS without the first (the document's id, not known to whoever makes
    them: `(invoice id, *row)` completes one)."""
    return [
        (
            line.ticket_id,
            line.entry_id,
            line.kind,
            line.start,
            line.agent,
            line.description,
            line.minutes,
            line.billed_minutes,
            line.bands,
            line.hourly_rate,
            line.amount_cents,
            line.free_reason,
            line.late,
            line.corrects_id,
            line.rate_told,
        )
        for line in lines
    ]


def confirmation_chunks(
    progress=None, *, plan: Plan, start: datetime, until: datetime
) -> Iterator[list[tuple[int, int, list[tuple]]]]:
    """What a confirmation writes, a chunk of tickets at a time (`specification_chunks`): [(customer id, the
    sum of its lines in cents, its lines as `document_rows`)]. Plain tuples: made elsewhere (read_ahead.py),
    they travel pickled, which costs a tenth of what named tuples do."""
    for chunk in specification_chunks(progress, plan=plan, start=start, until=until):
        yield [
            (customer_id, sum(line.amount_cents for line in lines), document_rows(lines))
            for customer_id, lines in chunk
        ]


def credit_rows(credit_id: int, lines) -> list[tuple]:
    """Rows of COLUMNS that cancel `lines` (invoice lines) on the credit note `credit_id`: each line's
    amount negated, referring to it."""
    amount, corrects = COLUMNS.index("amount_cents"), COLUMNS.index("corrects_id")
    rows = []
    for pk, *values in lines.order_by("id").values_list("pk", *COLUMNS):
        values[0], values[amount], values[corrects] = credit_id, -values[amount], pk
        rows.append(tuple(values))
    return rows


def insert_lines(rows: list[tuple]) -> None:
    """Insert rows of COLUMNS into the invoice line table, inside the caller's transaction."""
    if not rows:
        return
    table = connection.ops.quote_name(InvoiceLine._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(InvoiceLine._meta.get_field(c).column) for c in COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        start = COLUMNS.index("start")
        adapt = connection.ops.adapt_datetimefield_value
        prepared = [(*row[:start], adapt(row[start]), *row[start + 1 :]) for row in rows]
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", prepared)
