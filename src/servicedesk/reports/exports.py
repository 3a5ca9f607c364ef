"""A report's table as CSV: UTF-8 with a BOM, `;`-separated, decimal comma, text made inert for spreadsheets
(the billing export's rule, reused)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal

from servicedesk.billing.exports import inert


def cell(value) -> str:
    """A value as a spreadsheet in the Netherlands reads it: decimal comma, durations in whole minutes."""
    if value is None:
        return ""
    if isinstance(value, timedelta):
        return str(int(value.total_seconds() // 60))
    if isinstance(value, Decimal | float):
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return inert(str(value))


def table_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([inert(str(name)) for name in header])
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
